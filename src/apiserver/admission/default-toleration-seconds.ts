// The DefaultTolerationSeconds admission plugin: every new pod tolerates the
// node.kubernetes.io/not-ready and /unreachable NoExecute taints for a bounded time, unless it
// already has a toleration for them (its own tolerationSeconds, or none, wins). Kubernetes
// defaults both to 300 s; Hale to 2 s, so pods of a failed node are replaced within seconds
// of the node being suspected (flags --default-not-ready-toleration-seconds and
// --default-unreachable-toleration-seconds on `hale server`).
import type { KubeObject, ResourceType } from '../../api/resource-type.ts';

export const DEFAULT_TOLERATION_SECONDS = 2;

export interface DefaultTolerationSettings {
  notReadySeconds: number;
  unreachableSeconds: number;
}

interface Toleration {
  key?: string;
  operator?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** Does a toleration already cover (key, NoExecute)? As Kubernetes: empty effect matches all. */
function covers(t: Toleration, key: string): boolean {
  const effectMatches = !t.effect || t.effect === 'NoExecute';
  if (!effectMatches) return false;
  // As Kubernetes: a toleration without a key counts as the pod's own answer.
  return t.key === key || !t.key;
}

/** Adds the two default tolerations to a pod that lacks them (in place). */
export function addDefaultTolerations(pod: KubeObject, s: DefaultTolerationSettings): void {
  pod.spec ??= {};
  // Malformed input is left for validation to reject with a proper message.
  if (typeof pod.spec !== 'object' || (pod.spec.tolerations !== undefined && !Array.isArray(pod.spec.tolerations))) return;
  const tolerations: Toleration[] = (pod.spec.tolerations ?? []).filter((t: unknown) => t && typeof t === 'object');
  const wanted: [string, number][] = [
    ['node.kubernetes.io/not-ready', s.notReadySeconds],
    ['node.kubernetes.io/unreachable', s.unreachableSeconds],
  ];
  const added = wanted
    .filter(([key]) => !tolerations.some((t) => covers(t, key)))
    .map(([key, seconds]) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }));
  if (added.length > 0) pod.spec.tolerations = [...(pod.spec.tolerations ?? []), ...added];
}

/** A create-time admission step for the resource handler: pods only. */
export function defaultTolerationSecondsAdmission(s: DefaultTolerationSettings): (rt: ResourceType, obj: KubeObject) => void {
  return (rt, obj) => {
    if (rt.group === '' && rt.plural === 'pods') addDefaultTolerations(obj, s);
  };
}
