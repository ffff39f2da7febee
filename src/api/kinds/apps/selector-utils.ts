// metav1.LabelSelector helpers in the shapes the workload kinds use for validation and
// printing, built on the shared selector code: nil selects nothing, {} selects everything,
// and an invalid selector is reported as undefined instead of thrown.
import {
  formatLabels as formatLabelSet,
  type LabelMatcher,
  type LabelSelectorObject,
  labelSelectorFromObject,
  labelSelectorToString,
} from '../../selectors/label-selector.ts';

export type LabelSelector = LabelSelectorObject;

function matcherOf(selector: LabelSelector | null | undefined): LabelMatcher | undefined {
  try {
    return labelSelectorFromObject(selector);
  } catch {
    return undefined;
  }
}

/** True when the selector is set but has no requirements, so it selects everything. */
export function selectorIsEmpty(selector: LabelSelector | null | undefined): boolean {
  return !!selector && Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0;
}

/** Whether the labels satisfy the selector; a nil or invalid selector matches nothing. */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Record<string, string> | null | undefined): boolean {
  return matcherOf(selector)?.matches(labels ?? {}) ?? false;
}

/** The selector in query-string form, "" for nil or empty; undefined when it is invalid. */
export function selectorToString(selector: LabelSelector | null | undefined): string | undefined {
  return matcherOf(selector)?.toString();
}

/** metav1.FormatLabelSelector: "<none>" when empty, "<error>" when invalid. */
export const formatLabelSelector = (selector: LabelSelector | null | undefined): string => labelSelectorToString(selector);

/** labels.FormatLabels: "k=v,k2=v2" sorted by key, "<none>" when empty. */
export const formatLabels = (labels: Record<string, string> | null | undefined): string => formatLabelSet(labels);
