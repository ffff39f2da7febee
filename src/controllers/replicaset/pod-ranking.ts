// Which pods a replica controller deletes first when scaling down (Kubernetes'
// ActivePodsWithRanks with LogarithmicScaleDown): the pods whose loss hurts least go first —
// unscheduled before scheduled, pending before unknown before running, not ready before
// ready, cheaper pod-deletion-cost first, pods sharing a node with more siblings first,
// ready for less time first, more restarts first, newer first.
import type { KubeObject } from '../../api/resource-type.ts';
import { isPodActive, isPodReady, podReadyTime } from '../pod-utils.ts';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

export interface RankedPod {
  pod: KubeObject;
  /** How many related active pods share this pod's node (higher is deleted first). */
  rank: number;
}

/** The annotation's int32 value; anything unparsable counts as 0, as in Kubernetes. */
export function podDeletionCost(pod: KubeObject): number {
  const raw = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (typeof raw !== 'string' || !/^[+-]?\d+$/.test(raw.trim())) return 0;
  const value = Number(raw.trim());
  return value >= -(2 ** 31) && value < 2 ** 31 ? value : 0;
}

function maxContainerRestarts(pod: KubeObject): number {
  let max = 0;
  for (const s of pod.status?.containerStatuses ?? []) max = Math.max(max, Number(s?.restartCount ?? 0) || 0);
  return max;
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** floor(log2(age in nanoseconds)), or -1 for no age: times in one bucket count as equal. */
function logBucket(t: number, now: number): number {
  const ageNs = (now - t) * 1e6;
  return ageNs > 0 ? Math.floor(Math.log2(ageNs)) : -1;
}

/**
 * Negative when `a` (a time) should be deleted before `b`: the more recent first, a missing
 * time before any, and times in the same logarithmic bucket ordered by uid (a stable random).
 */
function compareRecency(a: number | undefined, b: number | undefined, uidA: string, uidB: string, now: number): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const diff = logBucket(a, now) - logBucket(b, now);
  if (diff !== 0) return diff;
  return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
}

/** Sort comparator: negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: RankedPod, b: RankedPod, now: number): number {
  const pa = a.pod;
  const pb = b.pod;
  // 1. Unscheduled before scheduled.
  const scheduledA = !!pa.spec?.nodeName;
  const scheduledB = !!pb.spec?.nodeName;
  if (scheduledA !== scheduledB) return scheduledA ? 1 : -1;
  // 2. Pending < Unknown < Running.
  const phaseA = phaseOrdinal[pa.status?.phase] ?? 0;
  const phaseB = phaseOrdinal[pb.status?.phase] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  // 3. Not ready before ready.
  const readyA = isPodReady(pa);
  const readyB = isPodReady(pb);
  if (readyA !== readyB) return readyA ? 1 : -1;
  // 4. Lower deletion cost first.
  const costA = podDeletionCost(pa);
  const costB = podDeletionCost(pb);
  if (costA !== costB) return costA - costB;
  // 5. Doubled up on a node before alone.
  if (a.rank !== b.rank) return b.rank - a.rank;
  const uidA = String(pa.metadata?.uid ?? '');
  const uidB = String(pb.metadata?.uid ?? '');
  // 6. Ready for less time before ready for longer.
  if (readyA && readyB) {
    const byReady = compareRecency(podReadyTime(pa), podReadyTime(pb), uidA, uidB, now);
    if (byReady !== 0) return byReady;
  }
  // 7. More restarts before fewer.
  const restartsA = maxContainerRestarts(pa);
  const restartsB = maxContainerRestarts(pb);
  if (restartsA !== restartsB) return restartsB - restartsA;
  // 8. Newer before older.
  return compareRecency(timeOf(pa.metadata?.creationTimestamp), timeOf(pb.metadata?.creationTimestamp), uidA, uidB, now);
}

/**
 * Ranks `pods` by how many active `relatedPods` (pods of the same workload, e.g. every
 * ReplicaSet of one Deployment) share their node, like getPodsRankedByRelatedPodsOnSameNode.
 */
export function rankByRelatedPodsOnSameNode(pods: KubeObject[], relatedPods: KubeObject[]): RankedPod[] {
  const onNode = new Map<string, number>();
  for (const pod of relatedPods) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
}

/** The `count` pods to delete first (Kubernetes' getPodsToDelete). */
export function podsToDelete(pods: KubeObject[], relatedPods: KubeObject[], count: number, now = Date.now()): KubeObject[] {
  if (count >= pods.length) return [...pods];
  const ranked = rankByRelatedPodsOnSameNode(pods, relatedPods);
  ranked.sort((a, b) => compareForDeletion(a, b, now));
  return ranked.slice(0, count).map((r) => r.pod);
}
