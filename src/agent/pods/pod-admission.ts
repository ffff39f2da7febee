// The kubelet's admission of a pod bound to this node (its lifecycle predicate admit handler):
// a pod the scheduler did not place (its author set spec.nodeName) may ask for more than the
// node has left, or not match the node's labels. Such a pod is rejected before anything of it
// starts: phase Failed with reason OutOfcpu / OutOfmemory / OutOfpods / NodeAffinity, and a
// Warning event with the same reason. The checks are the scheduler's own (NodeResourcesFit,
// NodeAffinity), as the kubelet runs the scheduler's plugins too.
import type { KubeObject } from '../../api/resource-type.ts';
import { nodeSelectorTermMatches } from '../../scheduler/plugins/node-affinity.ts';
import { nodeAllocatable, podRequests, type ResourceAmounts } from '../../scheduler/resources.ts';

export interface PodRejection {
  /** The event's and the status's reason. */
  reason: string;
  /** The event's message; the status says "Pod was rejected: " before it. */
  message: string;
}

/** The requests of a pod admitted earlier, kept so that each admission only adds them up. */
export type AdmittedRequests = ResourceAmounts;

/** The resources fit checks first, in the kubelet's (and scheduler's) order; then the rest by name. */
const FIRST_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/** The pod's effective requests, for `admitPod`'s tally of admitted pods. */
export function admittedRequests(pod: KubeObject): AdmittedRequests {
  return podRequests(pod.spec);
}

/**
 * Why the node cannot take `pod`, next to the pods admitted before it (their requests), or
 * undefined when it can. `node` is this node as last read; without it the pod is admitted.
 */
export function admitPod(pod: KubeObject, node: KubeObject | undefined, admitted: AdmittedRequests[]): PodRejection | undefined {
  if (!node) return undefined;
  if (!matchesNode(pod, node)) return { reason: 'NodeAffinity', message: 'Predicate NodeAffinity failed' };
  const { amounts: allocatable, pods: maxPods } = nodeAllocatable(node);
  if (maxPods > 0 && admitted.length + 1 > maxPods) {
    return insufficient('pods', 1, admitted.length, maxPods);
  }
  const requests = podRequests(pod.spec);
  const names = [...FIRST_RESOURCES, ...[...requests.keys()].filter((n) => !FIRST_RESOURCES.includes(n)).sort()];
  for (const name of names) {
    const requested = requests.get(name) ?? 0;
    if (requested <= 0) continue;
    const capacity = allocatable.get(name) ?? 0;
    let used = 0;
    for (const other of admitted) used += other.get(name) ?? 0;
    if (requested > capacity - used) return insufficient(name, requested, used, capacity);
  }
  return undefined;
}

function insufficient(resource: string, requested: number, used: number, capacity: number): PodRejection {
  return {
    reason: `OutOf${resource}`,
    message: `Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  };
}

/** nodeSelector and required node affinity (any of its terms) against the node's labels and name. */
function matchesNode(pod: KubeObject, node: KubeObject): boolean {
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  const selector: Record<string, string> | undefined = pod.spec?.nodeSelector;
  if (selector && typeof selector === 'object') {
    for (const [key, value] of Object.entries(selector)) if (labels[key] !== value) return false;
  }
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!Array.isArray(terms)) return true;
  const nodeView = { name: String(node.metadata?.name ?? ''), labels };
  return terms.some((term) => nodeSelectorTermMatches(term, nodeView));
}
