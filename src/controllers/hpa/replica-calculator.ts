// How many replicas a Resource metric asks for: Kubernetes' replica calculator
// (GetResourceReplicas / GetRawResourceReplicas). Pods being deleted or failed are ignored;
// pending and (for CPU) not-yet-ready pods do not count, and neither do pods without a
// reading — except that, when they could change the direction, they are assumed to use
// nothing (on a scale-up) or their whole request (on a scale-down) before deciding. A change
// within the tolerance (10 %) is no change.
//
// As in Kubernetes every amount is an integer number of milli-units (millicores, and for memory
// thousandths of a byte: Quantity.MilliValue), and the arithmetic is Go's int64 arithmetic:
// the utilization, the average usage and the usage assumed for a pod without a reading are
// truncated, never rounded (GetResourceUtilizationRatio, GetMetricUsageRatio).

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
  /** The summed request of the resource over the pod's containers, in milli-units; undefined: some container has none. */
  request?: number;
  /** When request is undefined: the first container without a request of the resource, for the message. */
  containerWithoutRequest?: string;
  /** The usage reading in milli-units (millicores; thousandths of a byte), with when and over what window it was taken. */
  usage?: { value: number; timestamp: number; windowMs: number };
}

/** An AverageValue target is in milli-units, as the pods' readings are. */
export type ResourceTarget = { type: 'Utilization'; averageUtilization: number } | { type: 'AverageValue'; averageValue: number };

export interface ResourceReplicas {
  replicas: number;
  /** Average utilization of the pods read, in % of their requests (Utilization targets). */
  utilization?: number;
  /** Average usage of the pods read, in milli-units, truncated (status.currentMetrics[].resource.current.averageValue). */
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

/** Go's int64 conversion of an amount (readings and requests are whole milli-units). */
const int = (v: number): bigint => BigInt(Math.trunc(v));

/**
 * Usage over requests (Utilization) or over the target value (AverageValue), as a ratio to the
 * target, with the integer utilization and average usage it was taken from.
 */
function usageRatio(
  usage: Map<string, number>,
  requests: Map<string, number>,
  target: ResourceTarget,
): { ratio: number; utilization?: number; average: number } {
  if (target.type === 'AverageValue') {
    // GetMetricUsageRatio: currentUsage = metricsTotal / len(metrics), then over the target.
    let total = 0n;
    for (const value of usage.values()) total += int(value);
    const average = usage.size > 0 ? Number(total / BigInt(usage.size)) : 0;
    return { ratio: average / target.averageValue, average };
  }
  // GetResourceUtilizationRatio: only pods with a request count; utilization and average truncated.
  let total = 0n;
  let requested = 0n;
  let entries = 0n;
  for (const [name, value] of usage) {
    const request = requests.get(name);
    if (request === undefined) continue;
    total += int(value);
    requested += int(request);
    entries++;
  }
  if (requested === 0n) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Number((total * 100n) / requested);
  return { ratio: utilization / target.averageUtilization, utilization, average: Number(total / entries) };
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
            ? Number((int(requests.get(name) ?? 0) * int(Math.max(100, target.averageUtilization))) / 100n)
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
