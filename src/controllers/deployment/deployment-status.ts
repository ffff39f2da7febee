// The Deployment's status as Kubernetes computes it: replica counts summed over its
// ReplicaSets, and the Available and Progressing conditions whose reasons and messages
// `kubectl rollout status` and `kubectl describe` show. Pure functions; `now` is epoch ms.
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import {
  actualReplicaCount,
  availableReplicaCount,
  hasProgressDeadline,
  maxUnavailable,
  readyReplicaCount,
  replicaCount,
  specReplicas,
} from './deployment-util.ts';
import { canonicalize } from './pod-template-hash.ts';

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** Condition reasons (deploymentutil's constants), exactly as Kubernetes spells them. */
export const Reasons = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  failedReplicaSetCreate: 'ReplicaSetCreateError',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
} as const;

/** metav1.Time on the wire: RFC 3339 with second precision. */
export function timestamp(now: number): string {
  return metaTime(now);
}

export function newCondition(
  type: string,
  status: DeploymentCondition['status'],
  reason: string,
  message: string,
  now: number,
): DeploymentCondition {
  const at = timestamp(now);
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

export function getCondition(status: KubeObject | undefined, type: string): DeploymentCondition | undefined {
  return (status?.conditions ?? []).find((c: DeploymentCondition) => c?.type === type);
}

/**
 * SetDeploymentCondition: replaces the condition of that type (moving it to the end)
 * unless status and reason are unchanged; keeps lastTransitionTime when only the reason
 * changes.
 */
export function setCondition(status: KubeObject, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c: DeploymentCondition) => c?.type !== condition.type), next];
}

export function removeCondition(status: KubeObject, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c: DeploymentCondition) => c?.type !== type);
}

/** calculateStatus: counts from the ReplicaSets plus the Available condition. */
export function calculateStatus(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined, d: KubeObject, now: number): KubeObject {
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, replicaCount(allRSs) - available);
  const status: KubeObject = {
    observedGeneration: d.metadata?.generation,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    collisionCount: d.status?.collisionCount,
    conditions: (d.status?.conditions ?? []).map((c: DeploymentCondition) => ({ ...c })),
  };
  // Kubernetes omits zero counts (omitempty).
  for (const key of Object.keys(status)) {
    if (status[key] === 0 || status[key] === undefined) delete status[key];
  }
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', Reasons.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(
      status,
      newCondition('Available', 'False', Reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now),
    );
  }
  return status;
}

const count = (status: KubeObject | undefined, field: string): number => {
  const n = status?.[field];
  return typeof n === 'number' ? n : 0;
};

/** DeploymentComplete: every replica is updated and available, and the spec was observed. */
export function deploymentComplete(d: KubeObject, status: KubeObject): boolean {
  const replicas = specReplicas(d);
  return (
    count(status, 'updatedReplicas') === replicas &&
    count(status, 'replicas') === replicas &&
    count(status, 'availableReplicas') === replicas &&
    count(status, 'observedGeneration') >= (d.metadata?.generation ?? 0)
  );
}

/** DeploymentProgressing: more new pods, fewer old pods, or more ready/available pods than before. */
export function deploymentProgressing(d: KubeObject, status: KubeObject): boolean {
  const old = d.status ?? {};
  const oldOld = count(old, 'replicas') - count(old, 'updatedReplicas');
  const newOld = count(status, 'replicas') - count(status, 'updatedReplicas');
  return (
    count(status, 'updatedReplicas') > count(old, 'updatedReplicas') ||
    newOld < oldOld ||
    count(status, 'readyReplicas') > count(old, 'readyReplicas') ||
    count(status, 'availableReplicas') > count(old, 'availableReplicas')
  );
}

/** DeploymentTimedOut: no progress recorded for progressDeadlineSeconds. */
export function deploymentTimedOut(d: KubeObject, status: KubeObject, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = getCondition(status, 'Progressing');
  if (!condition) return false;
  if (condition.reason === Reasons.newReplicaSetAvailable) return false;
  if (condition.reason === Reasons.timedOut) return true;
  const from = Date.parse(condition.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return false;
  return from + d.spec.progressDeadlineSeconds * 1000 < now;
}

/**
 * When to look again at a rollout that shows no progress, so that the deadline fires
 * without any other event (requeueStuckDeployment). Undefined when there is no deadline
 * to watch.
 */
export function msUntilProgressDeadline(d: KubeObject, newStatus: KubeObject, now: number): number | undefined {
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, newStatus) || current.reason === Reasons.timedOut) return undefined;
  const from = Date.parse(current.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return undefined;
  const after = from + d.spec.progressDeadlineSeconds * 1000 - now;
  // Just past the deadline: "strictly before now" must hold when we look.
  return Math.max(0, after) + 1000;
}

/** Status equality as Kubernetes' DeepEqual sees it: absent and zero counts are the same. */
export function sameStatus(a: KubeObject | undefined, b: KubeObject | undefined): boolean {
  const norm = (s: KubeObject | undefined) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s ?? {})) {
      if (v === 0 || v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
      out[k] = v;
    }
    return JSON.stringify(canonicalize(out));
  };
  return norm(a) === norm(b);
}
