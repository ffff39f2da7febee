// spec.successPolicy of an Indexed Job (Kubernetes' matchSuccessPolicy): the Job succeeds as
// soon as one rule matches the succeeded indexes, before every index has succeeded. A rule
// names indexes ("0,2-4"), a count, or both: with indexes alone all of them must have
// succeeded; with a count, that many (of the named indexes, when there are any).
import type { KubeObject } from '../../api/resource-type.ts';
import { parseIndexes } from './indexed-completion.ts';

/** The SuccessCriteriaMet message of the first matching rule ("Matched rules at index N"), or undefined. */
export function matchSuccessPolicy(successPolicy: KubeObject | undefined, completions: number, succeeded: Set<number>): string | undefined {
  const rules: KubeObject[] = Array.isArray(successPolicy?.rules) ? successPolicy.rules : [];
  if (rules.length === 0 || succeeded.size === 0) return undefined;
  for (const [i, rule] of rules.entries()) {
    const count = typeof rule?.succeededCount === 'number' ? rule.succeededCount : undefined;
    if (rule?.succeededIndexes != null) {
      const required = parseIndexes(String(rule.succeededIndexes), completions);
      // A list that names no index (malformed) matches nothing.
      if (required.size === 0) continue;
      let contained = 0;
      for (const index of required) if (succeeded.has(index)) contained++;
      if (contained === required.size || (count !== undefined && contained >= count)) return `Matched rules at index ${i}`;
    } else if (count !== undefined && succeeded.size >= count) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}
