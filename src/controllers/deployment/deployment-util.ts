// The arithmetic of Deployments (Kubernetes' pkg/controller/deployment/util): which
// ReplicaSet is the new one, revisions and the annotations that carry them, maxSurge and
// maxUnavailable resolved against the replica count, and proportional scaling. Pure
// functions over plain objects; nothing here talks to the API server.
import type { KubeObject } from '../../api/resource-type.ts';
import { equalIgnoreHash } from './pod-template-hash.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';

/** Deployment annotations that describe the Deployment itself and are not copied to its ReplicaSets. */
const annotationsNotCopied = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);

/** Longest revision-history annotation kept when a ReplicaSet is rolled back to more than once. */
const maxRevisionHistoryChars = 2000;

/** Go's math.MaxInt32: the "not set" value of progressDeadlineSeconds and revisionHistoryLimit. */
const maxInt32 = 2147483647;

// ---- small accessors -----------------------------------------------------------------

/** spec.replicas of a Deployment or ReplicaSet (defaulted by the server; 1 when absent). */
export function specReplicas(obj: KubeObject | undefined): number {
  const n = obj?.spec?.replicas;
  return typeof n === 'number' ? n : obj ? 1 : 0;
}

const statusInt = (obj: KubeObject | undefined, field: string): number => {
  const n = obj?.status?.[field];
  return typeof n === 'number' ? n : 0;
};

export const isRollingUpdate = (d: KubeObject): boolean => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
export const isRecreate = (d: KubeObject): boolean => d.spec?.strategy?.type === 'Recreate';

export function hasProgressDeadline(d: KubeObject): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return typeof s === 'number' && s !== maxInt32;
}

export function hasRevisionHistoryLimit(d: KubeObject): boolean {
  const n = d.spec?.revisionHistoryLimit;
  return typeof n === 'number' && n !== maxInt32;
}

// ---- maxSurge / maxUnavailable -------------------------------------------------------

/**
 * GetScaledValueFromIntOrPercent: an integer as is, or a percentage of `total` rounded up
 * (surge) or down (unavailability).
 */
export function scaledValue(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const percent = /^(\d+)%$/.exec(value);
    if (percent) {
      const exact = (Number(percent[1]) * total) / 100;
      return roundUp ? Math.ceil(exact) : Math.floor(exact);
    }
    if (/^\d+$/.test(value)) return Number(value);
  }
  if (value === undefined || value === null) return 0;
  throw new Error(`invalid value for IntOrString: ${JSON.stringify(value)}`);
}

/** ResolveFenceposts: surge and unavailability for `desired` replicas; both 0 means one may be unavailable. */
export function resolveFenceposts(maxSurge: unknown, maxUnavailable: unknown, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Pods the rollout may run above spec.replicas (0 for Recreate). */
export function maxSurge(d: KubeObject): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, specReplicas(d)).surge;
}

/** Pods the rollout may have unavailable (0 for Recreate or zero replicas; at most spec.replicas). */
export function maxUnavailable(d: KubeObject): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const { unavailable } = resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

// ---- counting over ReplicaSets ---------------------------------------------------------

/** Desired pods: the sum of spec.replicas. */
export const replicaCount = (rss: (KubeObject | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? specReplicas(rs) : 0), 0);
/** Pods that exist: the sum of status.replicas. */
export const actualReplicaCount = (rss: (KubeObject | undefined)[]): number => rss.reduce((n, rs) => n + statusInt(rs, 'replicas'), 0);
export const readyReplicaCount = (rss: (KubeObject | undefined)[]): number => rss.reduce((n, rs) => n + statusInt(rs, 'readyReplicas'), 0);
export const availableReplicaCount = (rss: (KubeObject | undefined)[]): number =>
  rss.reduce((n, rs) => n + statusInt(rs, 'availableReplicas'), 0);

/** ReplicaSets that want pods. */
export const filterActiveReplicaSets = (rss: (KubeObject | undefined)[]): KubeObject[] =>
  rss.filter((rs): rs is KubeObject => !!rs && specReplicas(rs) > 0);

// ---- ordering --------------------------------------------------------------------------

const createdAt = (obj: KubeObject): number => Date.parse(obj.metadata?.creationTimestamp ?? '') || 0;

/** Oldest first; ties by name. */
export function byCreationTimestamp(a: KubeObject, b: KubeObject): number {
  const diff = createdAt(a) - createdAt(b);
  if (diff !== 0) return diff;
  return String(a.metadata?.name).localeCompare(String(b.metadata?.name));
}

/** Lowest revision first; ties oldest first. */
export function byRevision(a: KubeObject, b: KubeObject): number {
  const diff = (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0);
  return diff !== 0 ? diff : byCreationTimestamp(a, b);
}

/** Largest first; ties oldest first (for scaling down). */
export const bySizeOlder = (a: KubeObject, b: KubeObject): number => specReplicas(b) - specReplicas(a) || byCreationTimestamp(a, b);
/** Largest first; ties newest first (for scaling up). */
export const bySizeNewer = (a: KubeObject, b: KubeObject): number => specReplicas(b) - specReplicas(a) || byCreationTimestamp(b, a);

// ---- new and old ReplicaSets -----------------------------------------------------------

/** The oldest ReplicaSet whose template equals the Deployment's (ignoring pod-template-hash). */
export function findNewReplicaSet(d: KubeObject, rss: KubeObject[]): KubeObject | undefined {
  return [...rss].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(d: KubeObject, rss: KubeObject[]): KubeObject[] {
  const newRS = findNewReplicaSet(d, rss);
  return rss.filter((rs) => rs.metadata?.uid !== newRS?.metadata?.uid);
}

/**
 * FindActiveOrLatest: the only ReplicaSet with replicas, or (with none) the new one or
 * the newest old one; undefined when several still have replicas (a rollout is running).
 */
export function findActiveOrLatest(newRS: KubeObject | undefined, oldRSs: KubeObject[]): KubeObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort(byCreationTimestamp);
  const active = filterActiveReplicaSets([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[olds.length - 1];
  if (active.length === 1) return active[0];
  return undefined;
}

// ---- revisions and annotations -----------------------------------------------------------

/** The revision annotation as a number: 0 when missing, undefined when unparsable. */
export function revisionOf(obj: KubeObject | undefined): number | undefined {
  const value = obj?.metadata?.annotations?.[REVISION_ANNOTATION];
  if (value === undefined) return 0;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

export function maxRevision(rss: KubeObject[]): number {
  let max = 0;
  for (const rs of rss) max = Math.max(max, revisionOf(rs) ?? 0);
  return max;
}

function annotationsOf(obj: KubeObject): Record<string, string> {
  obj.metadata ??= {};
  obj.metadata.annotations ??= {};
  return obj.metadata.annotations;
}

/** Copies the Deployment's own annotations (e.g. change-cause) to the ReplicaSet; true when one changed. */
export function copyDeploymentAnnotationsToReplicaSet(d: KubeObject, rs: KubeObject): boolean {
  let changed = false;
  const target = annotationsOf(rs);
  for (const [key, value] of Object.entries<string>(d.metadata?.annotations ?? {})) {
    if (annotationsNotCopied.has(key) || target[key] === value) continue;
    target[key] = value;
    changed = true;
  }
  return changed;
}

export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const annotations = annotationsOf(rs);
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: KubeObject, desired: number, max: number): boolean {
  const annotations = rs.metadata?.annotations;
  if (!annotations) return true;
  return annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || annotations[MAX_REPLICAS_ANNOTATION] !== String(max);
}

const intAnnotation = (rs: KubeObject, key: string): number | undefined => {
  const value = rs.metadata?.annotations?.[key];
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
};

/**
 * SetNewReplicaSetAnnotations: copies the Deployment's annotations, raises the revision to
 * `newRevision` (remembering the old one in revision-history when an old ReplicaSet is
 * brought back by a rollback) and, for a ReplicaSet about to be created, the replica
 * annotations. Returns true when something changed.
 */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const annotations = annotationsOf(rs);
  const oldRevisionText = annotations[REVISION_ANNOTATION];
  let oldRevision = 0;
  if (oldRevisionText !== undefined) {
    if (!/^\d+$/.test(oldRevisionText)) return changed;
    oldRevision = Number(oldRevisionText);
  }
  if (oldRevision < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevisionText !== undefined) recordRevisionHistory(annotations, oldRevisionText);
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/** Appends `oldRevision` to revision-history, dropping the oldest entries beyond the length limit. */
function recordRevisionHistory(annotations: Record<string, string>, oldRevision: string): void {
  const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
  if (history === '') {
    annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
    return;
  }
  const revisions = history.split(',');
  let length = history.length + oldRevision.length + 1;
  let start = 0;
  while (length > maxRevisionHistoryChars && start < revisions.length) {
    length -= revisions[start].length + 1;
    start++;
  }
  if (length <= maxRevisionHistoryChars) {
    annotations[REVISION_HISTORY_ANNOTATION] = [...revisions.slice(start), oldRevision].join(',');
  }
}

// ---- scaling ---------------------------------------------------------------------------

/** IsSaturated: the new ReplicaSet has all the Deployment's replicas, and all are available. */
export function isSaturated(d: KubeObject, rs: KubeObject | undefined): boolean {
  if (!rs) return false;
  const replicas = specReplicas(d);
  return (
    intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION) === replicas &&
    specReplicas(rs) === replicas &&
    statusInt(rs, 'availableReplicas') === replicas
  );
}

/** NewRSNewReplicas: how big the new ReplicaSet may be now without exceeding the surge. */
export function newRSNewReplicas(d: KubeObject, allRSs: (KubeObject | undefined)[], newRS: KubeObject): number {
  if (!isRollingUpdate(d)) return specReplicas(d);
  const replicas = specReplicas(d);
  const current = replicaCount(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

/** Go's math.Round: halves away from zero. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** getReplicaSetFraction: this ReplicaSet's share of a resize, from its max-replicas annotation. */
function replicaSetFraction(rs: KubeObject, d: KubeObject): number {
  if (specReplicas(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = specReplicas(d) + maxSurge(d);
  const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? statusInt(d, 'replicas');
  // A zero denominator only happens for objects Kubernetes would never produce; stay put.
  if (annotated === 0) return 0;
  const newSize = (specReplicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAway(newSize) - specReplicas(rs);
}

/** GetProportion: the share of `toAdd` (positive or negative) this ReplicaSet takes, within what is left. */
export function proportion(rs: KubeObject | undefined, d: KubeObject, toAdd: number, added: number): number {
  if (!rs || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * The sizes proportional scaling gives the active ReplicaSets when spec.replicas changes
 * mid-rollout: each keeps its share, the largest takes the rounding leftover. `toAdd`
 * is the total change; `sizes` lists [ReplicaSet, new size] in the order to apply them.
 */
export function proportionalSizes(d: KubeObject, active: KubeObject[]): { toAdd: number; sizes: [KubeObject, number][] } {
  const allowedSize = specReplicas(d) > 0 ? specReplicas(d) + maxSurge(d) : 0;
  const toAdd = allowedSize - replicaCount(active);
  const sorted = [...active];
  if (toAdd > 0) sorted.sort(bySizeNewer);
  else if (toAdd < 0) sorted.sort(bySizeOlder);
  let added = 0;
  const sizes = new Map<KubeObject, number>();
  for (const rs of sorted) {
    const share = proportion(rs, d, toAdd, added);
    sizes.set(rs, specReplicas(rs) + share);
    added += share;
  }
  if (sorted.length > 0 && toAdd !== 0) {
    // The leftover goes to the first (largest) ReplicaSet.
    const first = sorted[0];
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return { toAdd, sizes: sorted.map((rs) => [rs, sizes.get(rs)!]) };
}
