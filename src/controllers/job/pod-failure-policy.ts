// spec.podFailurePolicy: what a failed pod means for its Job. The first rule matching the
// pod's container exit codes or pod conditions decides: FailJob fails the whole Job,
// Ignore does not count the failure against backoffLimit, Count counts it (the default).
import type { KubeObject } from '../../api/resource-type.ts';

export type FailureAction = 'FailJob' | 'Ignore' | 'Count';

export interface FailureVerdict {
  action: FailureAction;
  /** For FailJob: the Job's FailureTarget/Failed condition message. */
  message?: string;
}

interface ExitCodesRequirement {
  containerName?: string;
  operator: 'In' | 'NotIn';
  values: number[];
}

interface PodConditionPattern {
  type: string;
  status?: string;
}

interface Rule {
  action: string;
  onExitCodes?: ExitCodesRequirement;
  onPodConditions?: PodConditionPattern[];
}

/** The first container (init containers first) that terminated with a non-zero code the requirement matches. */
function matchingContainer(pod: KubeObject, req: ExitCodesRequirement): { name: string; exitCode: number } | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    const exitCode = cs?.state?.terminated?.exitCode;
    if (typeof exitCode !== 'number' || exitCode === 0) continue;
    if (req.containerName && req.containerName !== cs.name) continue;
    const listed = (req.values ?? []).includes(exitCode);
    if (req.operator === 'In' ? listed : !listed) return { name: cs.name, exitCode };
  }
  return undefined;
}

/** Applies the Job's pod failure policy to one failed pod; Count when no rule matches. */
export function matchPodFailurePolicy(job: KubeObject, pod: KubeObject): FailureVerdict {
  const rules: Rule[] = job.spec?.podFailurePolicy?.rules ?? [];
  const podRef = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  for (const [index, rule] of rules.entries()) {
    let what: string | undefined;
    if (rule.onExitCodes) {
      const c = matchingContainer(pod, rule.onExitCodes);
      if (c) what = `Container ${c.name} for pod ${podRef} failed with exit code ${c.exitCode}`;
    } else if (rule.onPodConditions) {
      const conditions: { type: string; status: string }[] = pod.status?.conditions ?? [];
      const hit = rule.onPodConditions.find((p) => conditions.some((c) => c.type === p.type && c.status === (p.status ?? 'True')));
      if (hit) what = `Pod ${podRef} has condition ${hit.type}`;
    }
    if (what === undefined) continue;
    switch (rule.action) {
      case 'FailJob':
        return { action: 'FailJob', message: `${what} matching FailJob rule at index ${index}` };
      case 'Ignore':
        return { action: 'Ignore' };
      case 'Count':
        return { action: 'Count' };
      default:
        // FailIndex needs backoffLimitPerIndex, which Hale does not implement: count it.
        return { action: 'Count' };
    }
  }
  return { action: 'Count' };
}
