// When a pod on a node with NoExecute taints must go (Kubernetes' taint manager): at once if
// any NoExecute taint is not tolerated; otherwise when the shortest matching
// tolerationSeconds has run out since the taint was added; never when every matching
// toleration is unbounded.
import { tolerated, toleratesTaint } from '../../scheduler/plugins/taint-toleration.ts';
import type { Toleration as SchedulerToleration } from '../../scheduler/pod-info.ts';
import type { Taint } from './node-health.ts';

export type Toleration = SchedulerToleration & { tolerationSeconds?: number | null };

export type EvictionDecision = { kind: 'never' } | { kind: 'at'; at: number };

/**
 * `firstSeen` gives the time a taint without timeAdded (as `kubectl taint` writes it) was first
 * seen on the node; its tolerationSeconds count from then, as in Kubernetes' taint manager.
 * Without it such a taint counts from `now`.
 */
export function evictionDecision(
  taints: Taint[],
  tolerations: Toleration[],
  now: number,
  firstSeen?: (taint: Taint) => number | undefined,
): EvictionDecision {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { kind: 'never' };
  if (noExecute.some((t) => !tolerated(tolerations, t))) return { kind: 'at', at: now };
  let at = Number.POSITIVE_INFINITY;
  for (const taint of noExecute) {
    const parsed = taint.timeAdded ? Date.parse(taint.timeAdded) : Number.NaN;
    const added = Number.isNaN(parsed) ? (firstSeen?.(taint) ?? now) : parsed;
    for (const t of tolerations) {
      if (!toleratesTaint(t, taint) || t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      const seconds = Math.max(0, Number(t.tolerationSeconds));
      at = Math.min(at, added + seconds * 1000);
    }
  }
  return Number.isFinite(at) ? { kind: 'at', at } : { kind: 'never' };
}
