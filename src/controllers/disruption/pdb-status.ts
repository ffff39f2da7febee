// PodDisruptionBudget arithmetic shared by the disruption controller and the eviction
// subresource: how many pods must stay healthy, which pods count as healthy, and the
// DisruptionAllowed condition (SufficientPods / InsufficientPods / SyncFailed).
import type { KubeObject } from '../../api/resource-type.ts';
import { isPodReady } from '../pod-utils.ts';

/** An evicted pod should be gone this long after its eviction, or it counts again. */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';

export interface MetaCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/**
 * intstr.GetScaledValueFromIntOrPercent with rounding up: "50%" of 5 is 3, 2 is 2.
 * Throws on a malformed value.
 */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

/** True when the budget needs the pods' controllers' scale (a percentage or maxUnavailable). */
export function needsControllerScale(pdb: KubeObject): boolean {
  const spec = pdb.spec ?? {};
  return spec.maxUnavailable != null || typeof spec.minAvailable === 'string';
}

/** Pods that must stay healthy given the expected pod count (Kubernetes' getExpectedPodCount). */
export function desiredHealthyPods(pdb: KubeObject, expectedCount: number): number {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable != null) return Math.max(0, expectedCount - scaledValue(spec.maxUnavailable, expectedCount));
  if (spec.minAvailable != null) return scaledValue(spec.minAvailable, expectedCount);
  return 0;
}

/**
 * The still-pending entries of status.disruptedPods (evicted pods not yet marked for
 * deletion, within the timeout) and when the earliest of them expires.
 */
export function pendingDisruptions(
  pdb: KubeObject,
  pods: KubeObject[],
  nowMs: number,
): { pending: Record<string, string>; expired: string[]; recheckAtMs?: number } {
  const listed: Record<string, string> = pdb.status?.disruptedPods ?? {};
  const pending: Record<string, string> = {};
  const expired: string[] = [];
  let recheckAtMs: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata?.name;
    if (pod.metadata?.deletionTimestamp || !Object.hasOwn(listed, name)) continue;
    const expectedGone = Date.parse(listed[name]) + DISRUPTED_POD_TIMEOUT_MS;
    if (Number.isNaN(expectedGone) || expectedGone < nowMs) {
      expired.push(name);
      continue;
    }
    pending[name] = listed[name];
    if (recheckAtMs === undefined || expectedGone < recheckAtMs) recheckAtMs = expectedGone;
  }
  return { pending, expired, recheckAtMs };
}

/** Ready pods not being deleted and not just evicted. */
export function countHealthyPods(pods: KubeObject[], pending: Record<string, string>): number {
  return pods.filter((p) => !p.metadata?.deletionTimestamp && !Object.hasOwn(pending, p.metadata?.name) && isPodReady(p)).length;
}

/** meta.SetStatusCondition: the transition time changes only with the status. */
export function setMetaCondition(
  conditions: MetaCondition[],
  next: Omit<MetaCondition, 'lastTransitionTime'>,
  now: string,
): MetaCondition[] {
  const old = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
  const updated: MetaCondition = { ...next, lastTransitionTime };
  return old ? conditions.map((c) => (c === old ? updated : c)) : [...conditions, updated];
}

/** The DisruptionAllowed condition matching status.disruptionsAllowed. */
export function updateDisruptionAllowedCondition(status: KubeObject, now: string): void {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  status.conditions = setMetaCondition(
    status.conditions ?? [],
    {
      type: DISRUPTION_ALLOWED_CONDITION,
      status: allowed ? 'True' : 'False',
      reason: allowed ? 'SufficientPods' : 'InsufficientPods',
      message: '',
      observedGeneration: status.observedGeneration,
    },
    now,
  );
}
