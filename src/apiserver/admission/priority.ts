// Kubernetes' Priority admission plugin, on pod create: the pod's spec.priority and
// spec.preemptionPolicy come from its priorityClassName, 0 and PreemptLowerPriority without one
// (no class is globalDefault). `kubectl describe pod` prints the result as "Priority:", and the
// kubelet's eviction spares pods of at least system-cluster-critical's priority.
// Hale serves no PriorityClass objects: of the named classes it knows only the two built-in
// system ones; a pod naming another keeps the priority it brings, or 0, instead of being refused
// (docs/differences.md).
import type { KubeObject, ResourceType } from '../../api/resource-type.ts';
import { forbidden } from '../errors.ts';

export const DEFAULT_PREEMPTION_POLICY = 'PreemptLowerPriority';
/** The priority of a pod without a class, when no class is globalDefault. */
const NO_CLASS_PRIORITY = 0;
/** The classes kube-apiserver creates at start-up, with their values. */
export const SYSTEM_PRIORITY_CLASSES: ReadonlyMap<string, number> = new Map([
  ['system-cluster-critical', 2_000_000_000],
  ['system-node-critical', 2_000_001_000],
]);

function podForbidden(pod: KubeObject, reason: string) {
  // Admission runs before a generateName is turned into a name: Kubernetes then names the prefix.
  const podName: string = pod.metadata?.name || pod.metadata?.generateName || 'Unknown';
  return forbidden(`pods "${podName}" is forbidden: ${reason}`, { name: podName, kind: 'pods' });
}

/** Sets spec.priority and spec.preemptionPolicy of a new pod (in place), or throws Forbidden. */
export function admitPodPriority(pod: KubeObject): void {
  // Malformed input is left for validation to reject with a proper message.
  if (pod.spec === undefined || typeof pod.spec !== 'object' || pod.spec === null) return;
  const spec = pod.spec;
  const className = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  const known = className === '' || SYSTEM_PRIORITY_CLASSES.has(className);
  if (!known) {
    spec.priority ??= NO_CLASS_PRIORITY;
    spec.preemptionPolicy ??= DEFAULT_PREEMPTION_POLICY;
    return;
  }
  const priority = SYSTEM_PRIORITY_CLASSES.get(className) ?? NO_CLASS_PRIORITY;
  if (spec.priority != null && spec.priority !== priority) {
    throw podForbidden(
      pod,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  }
  if (spec.preemptionPolicy != null && spec.preemptionPolicy !== DEFAULT_PREEMPTION_POLICY) {
    throw podForbidden(
      pod,
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${DEFAULT_PREEMPTION_POLICY} from the given PriorityClass name`,
    );
  }
  spec.priority = priority;
  spec.preemptionPolicy = DEFAULT_PREEMPTION_POLICY;
}

/** A create-time admission step for the resource handler: pods only. */
export function priorityAdmission(rt: ResourceType, obj: KubeObject): void {
  if (rt.group === '' && rt.plural === 'pods') admitPodPriority(obj);
}
