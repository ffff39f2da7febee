// Canary weights: the `hale.dev/traffic-weights` annotation on a Service gives subsets of its
// backends (chosen by pod label selector) a share of the traffic, in percent:
//
//   hale.dev/traffic-weights: '{"track=canary": 5}'
//
// sends 5 % of new connections to the pods labelled track=canary and the remaining 95 % to
// every other endpoint. Several subsets may be listed; an endpoint belongs to the first
// selector that matches its pod. Shares must add up to at most 100; what is left goes to the
// endpoints no selector matches. A subset without ready endpoints gives its share to the
// others, so traffic never goes nowhere. Inside a subset endpoints share equally.
import { type LabelMatcher, type Labels, parseLabelSelector } from '../api/selectors/label-selector.ts';

export const TRAFFIC_WEIGHTS_ANNOTATION = 'hale.dev/traffic-weights';

export interface WeightedSubset {
  selector: LabelMatcher;
  /** Percent of traffic, 0–100. */
  percent: number;
}

export type ParsedWeights = { ok: true; subsets: WeightedSubset[] } | { ok: false; error: string };

/** Parses the annotation value; `ok: true` with no subsets when the annotation is absent. */
export function parseTrafficWeights(value: string | undefined): ParsedWeights {
  if (value === undefined || value.trim() === '') return { ok: true, subsets: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return { ok: false, error: 'must be a JSON object mapping label selectors to percentages, e.g. {"track=canary": 5}' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: 'must be a JSON object mapping label selectors to percentages, e.g. {"track=canary": 5}' };
  }
  const subsets: WeightedSubset[] = [];
  let total = 0;
  for (const [selectorText, percent] of Object.entries(raw)) {
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      return { ok: false, error: `weight of "${selectorText}" must be a number from 0 to 100` };
    }
    if (selectorText.trim() === '') return { ok: false, error: 'a selector must not be empty' };
    let selector: LabelMatcher;
    try {
      selector = parseLabelSelector(selectorText);
    } catch (err) {
      return { ok: false, error: `invalid label selector "${selectorText}": ${err instanceof Error ? err.message : String(err)}` };
    }
    subsets.push({ selector, percent });
    total += percent;
  }
  if (total > 100 + 1e-9) return { ok: false, error: `weights add up to ${total}, more than 100` };
  return { ok: true, subsets };
}

/**
 * Relative weights (summing to 1) for endpoints with the given pod labels, or equal weights
 * when no subsets are configured or none of the configured shares lands on an endpoint.
 */
export function endpointWeights(subsets: readonly WeightedSubset[], endpointLabels: readonly Labels[]): number[] {
  const n = endpointLabels.length;
  if (n === 0) return [];
  const equal = () => endpointLabels.map(() => 1 / n);
  if (subsets.length === 0) return equal();
  // Group index per endpoint: the first matching subset, or subsets.length for "the rest".
  const groupOf = endpointLabels.map((labels) => {
    const i = subsets.findIndex((s) => s.selector.matches(labels));
    return i === -1 ? subsets.length : i;
  });
  const rest = Math.max(0, 100 - subsets.reduce((sum, s) => sum + s.percent, 0));
  const percents = [...subsets.map((s) => s.percent), rest];
  const members = percents.map((_, g) => groupOf.filter((x) => x === g).length);
  // Shares of empty groups are redistributed proportionally among the non-empty ones.
  const liveTotal = percents.reduce((sum, p, g) => sum + (members[g] > 0 ? p : 0), 0);
  if (liveTotal <= 0) return equal();
  return groupOf.map((g) => percents[g] / liveTotal / members[g]);
}
