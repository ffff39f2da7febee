// Small questions every workload controller asks about a pod (Kubernetes' podutil and
// controller_utils): is it ready, since when, is it available yet, does it still count.
import type { KubeObject } from '../api/resource-type.ts';

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  lastProbeTime?: string;
  reason?: string;
  message?: string;
}

export function getPodCondition(pod: KubeObject, type: string): PodCondition | undefined {
  const conditions: PodCondition[] = pod.status?.conditions ?? [];
  return conditions.find((c) => c?.type === type);
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return getPodCondition(pod, 'Ready')?.status === 'True';
}

/** When the pod last became ready (epoch ms), or undefined when it is not ready or the time is unknown. */
export function podReadyTime(pod: KubeObject): number | undefined {
  const ready = getPodCondition(pod, 'Ready');
  if (ready?.status !== 'True' || !ready.lastTransitionTime) return undefined;
  const at = Date.parse(ready.lastTransitionTime);
  return Number.isNaN(at) ? undefined : at;
}

const toMs = (now: number | Date): number => (typeof now === 'number' ? now : now.getTime());

/**
 * Ready for at least minReadySeconds (Kubernetes: the Ready transition plus minReadySeconds
 * lies strictly before now). With minReadySeconds 0, ready is available.
 */
export function isPodAvailable(pod: KubeObject, minReadySeconds = 0, now: number | Date = Date.now()): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const readyAt = podReadyTime(pod);
  return readyAt !== undefined && readyAt + minReadySeconds * 1000 < toMs(now);
}

/**
 * For a ready pod that is not yet available: milliseconds until it will be (so a controller
 * can look again right then). Undefined when the pod is not ready or already available.
 */
export function msUntilAvailable(pod: KubeObject, minReadySeconds = 0, now: number | Date = Date.now()): number | undefined {
  if (!minReadySeconds || !isPodReady(pod)) return undefined;
  const readyAt = podReadyTime(pod);
  if (readyAt === undefined) return undefined;
  const remaining = readyAt + minReadySeconds * 1000 - toMs(now);
  // "Strictly before now": at exactly 0 the pod becomes available one millisecond later.
  return remaining >= 0 ? remaining + 1 : undefined;
}

/** Succeeded or Failed: its containers will not run again. */
export function isPodTerminal(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Still counts towards replicas: not terminal and not being deleted. */
export function isPodActive(pod: KubeObject): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

/** Being deleted but its containers may still run (not terminal yet). */
export function isPodTerminating(pod: KubeObject): boolean {
  return !isPodTerminal(pod) && !!pod.metadata?.deletionTimestamp;
}

/** Sum of restartCount over the pod's containers (init containers excluded, as Kubernetes ranks). */
export function podRestartCount(pod: KubeObject): number {
  let total = 0;
  for (const s of pod.status?.containerStatuses ?? []) total += Number(s?.restartCount ?? 0) || 0;
  return total;
}

export function filterActivePods<T extends KubeObject>(pods: T[]): T[] {
  return pods.filter(isPodActive);
}
