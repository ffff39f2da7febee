// The delay before a Job replaces failed pods (Kubernetes' backoffRecord): after n failures
// since the last success, wait base·2^(n-1) (10 s, 20 s, 40 s, … capped at 6 minutes)
// counted from the last failure. A success resets it.
import type { KubeObject } from '../../api/resource-type.ts';

export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  /** Epoch ms of the latest failure counted. */
  lastFailureTime?: number;
}

/** Milliseconds still to wait before creating replacement pods (0 when none). */
export function remainingBackoffMs(record: BackoffRecord | undefined, now: number, baseMs: number, maxMs: number): number {
  if (!record || record.failuresAfterLastSuccess <= 0 || record.lastFailureTime === undefined) return 0;
  let delay = baseMs;
  for (let i = 1; i < record.failuresAfterLastSuccess && delay < maxMs; i++) delay *= 2;
  delay = Math.min(delay, maxMs);
  const elapsed = now - record.lastFailureTime;
  return elapsed >= delay ? 0 : delay - elapsed;
}

/**
 * When the pod stopped (epoch ms): the latest container termination, else when it became
 * not ready, else its deletion time; `fallback` when it says nothing.
 */
export function podFinishTime(pod: KubeObject, fallback: number): number {
  let latest: number | undefined;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    const t = Date.parse(cs?.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return Math.min(latest, fallback);
  const ready = (pod.status?.conditions ?? []).find((c: { type: string }) => c?.type === 'Ready');
  const notReadyAt = ready?.status === 'False' ? Date.parse(ready.lastTransitionTime ?? '') : Number.NaN;
  if (!Number.isNaN(notReadyAt)) return Math.min(notReadyAt, fallback);
  const deletedAt = Date.parse(pod.metadata?.deletionTimestamp ?? '');
  if (!Number.isNaN(deletedAt)) return Math.min(deletedAt, fallback);
  return fallback;
}

/**
 * The record after new pods finished: a success restarts the count with only the failures
 * that came after it; otherwise the failures add up.
 */
export function nextBackoffRecord(
  previous: BackoffRecord | undefined,
  newlySucceeded: KubeObject[],
  newlyFailed: KubeObject[],
  now: number,
): BackoffRecord {
  const failedTimes = newlyFailed.map((p) => podFinishTime(p, now));
  if (newlySucceeded.length) {
    const lastSuccess = Math.max(...newlySucceeded.map((p) => podFinishTime(p, now)));
    const after = failedTimes.filter((t) => t > lastSuccess);
    return after.length ? { failuresAfterLastSuccess: after.length, lastFailureTime: Math.max(...after) } : { failuresAfterLastSuccess: 0 };
  }
  if (!failedTimes.length) return previous ?? { failuresAfterLastSuccess: 0 };
  const latest = Math.max(...failedTimes, previous?.lastFailureTime ?? Number.NEGATIVE_INFINITY);
  return { failuresAfterLastSuccess: (previous?.failuresAfterLastSuccess ?? 0) + failedTimes.length, lastFailureTime: latest };
}
