// How many replicas a Resource metric asks for: Kubernetes' replica calculator
// (GetResourceReplicas / GetRawResourceReplicas). Pods being deleted or failed are ignored;
// pending and (for CPU) not-yet-ready pods do not count, and neither do pods without a
// reading — except that, when they could change the direction, they are assumed to use
// nothing (on a scale-up) or their whole request (on a scale-down) before deciding. A change
// within the tolerance (10 %) is no change.

export const TOLERANCE = 0.1;
/** CPU readings of a pod this young are trusted only once it has been ready for a window. */
const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
const INITIAL_READINESS_DELAY_MS = 30_000;

export interface PodSample {
  name: string;
  phase: string;
  deleting: boolean;
  /** The Ready condition, if any. */
  ready?: { status: string; lastTransitionTime: number };
  startTime?: number;
  /** The summed request of the resource over the pod's containers; undefined: some container has none. */
  request?: number;
  /** When request is undefined: the first container without a request of the resource, for the message. */
  containerWithoutRequest?: string;
  /** The usage reading (CPU in millicores, memory in bytes), with when and over what window it was taken. */
  usage?: { value: number; timestamp: number; windowMs: number };
}

export type ResourceTarget = { type: 'Utilization'; averageUtilization: number } | { type: 'AverageValue'; averageValue: number };

export interface ResourceReplicas {
  replicas: number;
  /** Average utilization of the pods read, in % of their requests (Utilization targets). */
  utilization?: number;
  /** Average usage of the pods read. */
  averageValue: number;
}

export class ReplicaCalculationError extends Error {}

interface Groups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  /** Pod name → usage, for pods that count. */
  usage: Map<string, number>;
}

function groupPods(pods: PodSample[], isCpu: boolean, now: number): Groups {
  const groups: Groups = { readyCount: 0, unready: new Set(), missing: new Set(), usage: new Map() };
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') continue;
    if (pod.phase === 'Pending') {
      groups.unready.add(pod.name);
      continue;
    }
    if (!pod.usage) {
      groups.missing.add(pod.name);
      continue;
    }
    if (isCpu) {
      let unready: boolean;
      if (!pod.ready || pod.startTime === undefined) unready = true;
      else if (pod.startTime + CPU_INITIALIZATION_PERIOD_MS > now) {
        unready = pod.ready.status === 'False' || pod.usage.timestamp < pod.ready.lastTransitionTime + pod.usage.windowMs;
      } else {
        unready = pod.ready.status === 'False' && pod.startTime + INITIAL_READINESS_DELAY_MS > pod.ready.lastTransitionTime;
      }
      if (unready) {
        groups.unready.add(pod.name);
        continue;
      }
    }
    groups.readyCount++;
    groups.usage.set(pod.name, pod.usage.value);
  }
  return groups;
}

/** Usage over requests (Utilization) or over the target value (AverageValue), as a ratio to the target. */
function usageRatio(
  usage: Map<string, number>,
  requests: Map<string, number>,
  target: ResourceTarget,
): { ratio: number; utilization?: number; average: number } {
  let total = 0;
  let requested = 0;
  for (const [name, value] of usage) {
    total += value;
    requested += requests.get(name) ?? 0;
  }
  const average = usage.size > 0 ? total / usage.size : 0;
  if (target.type === 'AverageValue') return { ratio: average / target.averageValue, average };
  if (requested === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((total * 100) / requested);
  return { ratio: utilization / target.averageUtilization, utilization, average };
}

export function resourceReplicas(
  currentReplicas: number,
  pods: PodSample[],
  resource: string,
  target: ResourceTarget,
  now: number,
): ResourceReplicas {
  if (pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const groups = groupPods(pods, resource === 'cpu', now);
  if (groups.usage.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = new Map<string, number>();
  if (target.type === 'Utilization') {
    for (const pod of pods) {
      if (pod.request === undefined) {
        // Kubernetes' calculatePodRequests words it so.
        throw new ReplicaCalculationError(
          `missing request for ${resource} in container ${pod.containerWithoutRequest ?? ''} of Pod ${pod.name}`,
        );
      }
      requests.set(pod.name, pod.request);
    }
  }
  const first = usageRatio(groups.usage, requests, target);
  const result = (replicas: number): ResourceReplicas => ({ replicas, utilization: first.utilization, averageValue: first.average });
  const scaleUpWithUnready = groups.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return result(currentReplicas);
    return result(Math.ceil(first.ratio * groups.readyCount));
  }
  // Assume the uncounted pods pull against the change, then see whether it still holds.
  const usage = new Map(groups.usage);
  if (groups.missing.size > 0) {
    for (const name of groups.missing) {
      if (first.ratio < 1) {
        usage.set(
          name,
          target.type === 'Utilization'
            ? ((requests.get(name) ?? 0) * Math.max(100, target.averageUtilization)) / 100
            : target.averageValue,
        );
      } else if (first.ratio > 1) usage.set(name, 0);
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) usage.set(name, 0);
  const second = usageRatio(usage, requests, target);
  if (Math.abs(1 - second.ratio) <= TOLERANCE || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1)) {
    return result(currentReplicas);
  }
  const replicas = Math.ceil(second.ratio * usage.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
