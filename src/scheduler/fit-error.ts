// The "0/3 nodes are available: …" message of FailedScheduling events and of the
// PodScheduled condition, built the way kube-scheduler's FitError does: a sorted histogram
// of the filter reasons, then what preemption concluded. Hale does not preempt, so nodes
// that failed for a resolvable reason report that no victims were found, as Kubernetes does
// when no pod of lower priority runs there.
import type { FilterFailure } from './framework.ts';

export const noNodesAvailable = 'no nodes available to schedule pods';

function histogram(reasons: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  // Go sorts the "count reason" strings themselves.
  return [...counts]
    .map(([reason, n]) => `${n} ${reason}`)
    .sort()
    .join(', ');
}

function preemptionMessage(numAllNodes: number, statuses: ReadonlyMap<string, FilterFailure>, preemptionPolicy?: string): string {
  if (preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const outcomes: string[] = [];
  for (const status of statuses.values()) {
    outcomes.push(
      status.code === 'UnschedulableAndUnresolvable'
        ? 'Preemption is not helpful for scheduling'
        : 'No preemption victims found for incoming pod',
    );
  }
  return `preemption: 0/${numAllNodes} nodes are available: ${histogram(outcomes)}.`;
}

/** `preFilterMessage`: a preFilter rejected the pod; it stands in for the per-node histogram. */
export function fitErrorMessage(
  numAllNodes: number,
  statuses: ReadonlyMap<string, FilterFailure>,
  preemptionPolicy?: string,
  preFilterMessage?: string,
): string {
  let message = `0/${numAllNodes} nodes are available:`;
  if (preFilterMessage) message += ` ${preFilterMessage}.`;
  else {
    const reasons: string[] = [];
    for (const status of statuses.values()) reasons.push(...status.reasons);
    const filterPart = histogram(reasons);
    if (filterPart) message += ` ${filterPart}.`;
  }
  // The preemption part brings its own period (kube-scheduler 1.28+ no longer adds a second one).
  message += ` ${preemptionMessage(numAllNodes, statuses, preemptionPolicy)}`;
  return message;
}
