// The status a replica controller reports (Kubernetes' calculateStatus): counts of the pods
// it controls and the ReplicaFailure condition while creating or deleting pods fails.
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { labelSelectorFromSet } from '../../api/selectors/label-selector.ts';
import { isPodAvailable, isPodReady, msUntilAvailable } from '../pod-utils.ts';

export const REPLICA_FAILURE = 'ReplicaFailure';

export interface ReplicaCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

/** Why the last manageReplicas pass failed; undefined when it worked or did not run. */
export interface ManageFailure {
  /** FailedCreate or FailedDelete. */
  reason: string;
  message: string;
}

function timestamp(now: number): string {
  return metaTime(now);
}

/**
 * The new status for `owner` given the active pods it controls. Zero counts are left out, as
 * Kubernetes' omitempty does (replicas is always present). The failure condition is added
 * when a pass failed and none is set yet, and removed once a pass succeeds.
 */
export function calculateStatus(owner: KubeObject, pods: KubeObject[], failure: ManageFailure | undefined, now: number): ReplicaStatus {
  const minReadySeconds = Number(owner.spec?.minReadySeconds ?? 0);
  const templateLabels = labelSelectorFromSet(owner.spec?.template?.metadata?.labels);
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }

  const previous: ReplicaStatus = owner.status ?? { replicas: 0 };
  let conditions: ReplicaCondition[] = [...(previous.conditions ?? [])];
  const hasFailure = conditions.some((c) => c.type === REPLICA_FAILURE);
  if (failure && !hasFailure) {
    conditions.push({
      type: REPLICA_FAILURE,
      status: 'True',
      lastTransitionTime: timestamp(now),
      reason: failure.reason,
      message: failure.message,
    });
  } else if (!failure && hasFailure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }

  const status: ReplicaStatus = { replicas: pods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (previous.observedGeneration) status.observedGeneration = previous.observedGeneration;
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** True when writing `next` (with observedGeneration = metadata.generation) would change nothing. */
export function statusUpToDate(owner: KubeObject, next: ReplicaStatus): boolean {
  const current: ReplicaStatus = owner.status ?? { replicas: 0 };
  return (
    (current.replicas ?? 0) === next.replicas &&
    (current.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (current.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (current.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (current.observedGeneration ?? 0) === (owner.metadata?.generation ?? 0) &&
    JSON.stringify(current.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}

/**
 * Milliseconds until the next ready pod becomes available (minReadySeconds), so the
 * controller can report it right then; undefined when no pod is waiting.
 */
export function nextAvailabilityCheckMs(owner: KubeObject, pods: KubeObject[], now: number): number | undefined {
  const minReadySeconds = Number(owner.spec?.minReadySeconds ?? 0);
  let soonest: number | undefined;
  for (const pod of pods) {
    const ms = msUntilAvailable(pod, minReadySeconds, now);
    if (ms !== undefined && (soonest === undefined || ms < soonest)) soonest = ms;
  }
  return soonest;
}
