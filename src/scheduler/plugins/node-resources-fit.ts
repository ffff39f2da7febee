// NodeResourcesFit: a pod fits when its requests fit in what the node has left (and the
// node has room for one more pod). Scoring prefers the least allocated node
// (LeastAllocated), and NodeResourcesBalancedAllocation prefers nodes whose cpu and memory
// stay evenly used.
import { type FilterPlugin, fail, maxNodeScore, type ScorePlugin, Skip } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';

export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const reasons: string[] = [];
  if (node.pods.size + 1 > node.allowedPods) reasons.push('Too many pods');
  for (const [name, wanted] of pod.requestList) {
    const allocatable = node.allocatable.get(name) ?? 0;
    const used = node.requested.get(name) ?? 0;
    if (wanted > allocatable - used) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

/** Whether the pod fits, without building reasons: most nodes fit, and this runs per node per pod. */
function fits(pod: PodInfo, node: NodeInfo): boolean {
  if (node.pods.size + 1 > node.allowedPods) return false;
  for (const [name, wanted] of pod.requestList) {
    if (wanted > node.free(name)) return false;
  }
  return true;
}

export const nodeResourcesFitFilter: FilterPlugin<undefined> = {
  name: 'NodeResourcesFit',
  filter(pod, node) {
    if (fits(pod, node)) return undefined;
    const reasons = insufficientResources(pod, node);
    if (reasons.length === 0) return undefined;
    // Always Unschedulable, as in kube-scheduler 1.33, even for more than the whole node has
    // (1.34 calls that UnschedulableAndUnresolvable): the preemption part of the message then
    // says no victims were found on the node rather than that preemption would not help.
    return fail('NodeResourcesFit', 'Unschedulable', ...reasons);
  },
};

function leastAllocated(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return ((capacity - requested) * maxNodeScore) / capacity;
}

/** LeastAllocated over cpu and memory (equal weights), counting the scoring defaults for pods without requests. */
export const leastAllocatedScore: ScorePlugin<undefined> = {
  name: 'NodeResourcesFit',
  weight: 1,
  score(pod, node) {
    const cpu = leastAllocated(node.nonZeroCpu + pod.nonZeroCpu, node.allocatableCpu);
    const memory = leastAllocated(node.nonZeroMemory + pod.nonZeroMemory, node.allocatableMemory);
    return Math.floor((cpu + memory) / 2);
  },
};

/** 100 × (1 − standard deviation of the cpu and memory fractions) after placing the pod. */
export const balancedAllocationScore: ScorePlugin<undefined> = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  preScore(pod) {
    return (pod.requests.get('cpu') ?? 0) > 0 || (pod.requests.get('memory') ?? 0) > 0 ? undefined : Skip;
  },
  score(pod, node) {
    const cpu = usedFraction(pod, node, 'cpu');
    const memory = usedFraction(pod, node, 'memory');
    if (cpu === undefined || memory === undefined) return maxNodeScore;
    const std = Math.abs(cpu - memory) / 2;
    return Math.floor((1 - std) * maxNodeScore);
  },
};

/** The share of the node's `name` in use once the pod is placed (at most 1), or undefined when the node has none. */
function usedFraction(pod: PodInfo, node: NodeInfo, name: string): number | undefined {
  const capacity = node.allocatableOf(name);
  if (capacity <= 0) return undefined;
  const requested = node.requestedOf(name) + (pod.requests.get(name) ?? 0);
  return Math.min(1, requested / capacity);
}
