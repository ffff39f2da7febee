// StatefulSet status as Kubernetes computes it: counts over the pods the set owns
// (created, ready, available, at the current and at the update revision), the two
// revision names `kubectl rollout status sts` compares, and completion of a rolling update.
import type { KubeObject } from '../../api/resource-type.ts';
import { isCreated, isRunningAndAvailable, isRunningAndReady, isTerminating, podRevision } from './stateful-pod.ts';

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: KubeObject[];
}

export interface ReplicaCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

/** computeReplicaStatus over every pod list (live ordinals and condemned ones). */
export function countReplicas(
  pods: Iterable<KubeObject>,
  minReadySeconds: number,
  currentRevision: string,
  updateRevision: string,
  now: number,
): ReplicaCounts {
  const counts: ReplicaCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    if (isCreated(pod)) counts.replicas++;
    if (isRunningAndReady(pod)) {
      counts.readyReplicas++;
      if (isRunningAndAvailable(pod, minReadySeconds, now)) counts.availableReplicas++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      const revision = podRevision(pod);
      if (revision === currentRevision) counts.currentReplicas++;
      if (revision === updateRevision) counts.updatedReplicas++;
    }
  }
  return counts;
}

/** Once every pod is updated and ready, the update revision becomes the current one. */
export function completeRollingUpdate(set: KubeObject, status: StatefulSetStatus): void {
  if (
    set.spec?.updateStrategy?.type === 'RollingUpdate' &&
    (status.updatedReplicas ?? 0) === status.replicas &&
    (status.readyReplicas ?? 0) === status.replicas
  ) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

const statusFields = [
  'observedGeneration',
  'replicas',
  'readyReplicas',
  'currentReplicas',
  'updatedReplicas',
  'availableReplicas',
  'currentRevision',
  'updateRevision',
  'collisionCount',
] as const;

/** The stored status differs from the computed one in a field the controller owns. */
export function statusChanged(stored: KubeObject | undefined, status: StatefulSetStatus): boolean {
  return statusFields.some((field) => (stored?.[field] ?? 0) !== (status[field] ?? 0));
}

/** The status object to store: zero counters that Kubernetes omits are left out, conditions kept. */
export function statusToStore(stored: KubeObject | undefined, status: StatefulSetStatus): KubeObject {
  const out: KubeObject = { ...(stored ?? {}) };
  for (const field of statusFields) {
    const value = status[field];
    const omitEmpty = field !== 'replicas' && field !== 'availableReplicas' && field !== 'collisionCount';
    if (value === undefined || (omitEmpty && (value === 0 || value === ''))) delete out[field];
    else out[field] = value;
  }
  return out;
}
