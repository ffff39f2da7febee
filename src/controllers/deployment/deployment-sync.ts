// One pass of the Deployment controller over one Deployment (Kubernetes'
// pkg/controller/deployment/sync.go and progress.go): find or create the new ReplicaSet
// and keep revisions in step, scale ReplicaSets with ScalingReplicaSet events, clean up
// old history, and write the status (with the Progressing condition) last.
//
// A DeploymentSync lives for one reconcile. It works on a private copy of the Deployment
// and replaces it with what the server returns after each write, so later steps of the
// same pass never trip over their own resourceVersion.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isAlreadyExists, isNotFound } from '../../client/api-error.ts';
import { clone } from '../../client/informer.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { controllerRefFor, getControllerOf } from '../controller-ref.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { isNamespaceTerminating } from '../pod-control.ts';
import {
  calculateStatus,
  type DeploymentCondition,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  msUntilProgressDeadline,
  newCondition,
  Reasons,
  removeCondition,
  sameStatus,
  setCondition,
} from './deployment-status.ts';
import {
  byRevision,
  DESIRED_REPLICAS_ANNOTATION,
  filterActiveReplicaSets,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  proportionalSizes,
  REVISION_ANNOTATION,
  replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
} from './deployment-util.ts';
import { computePodTemplateHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.ts';
import type { WriteOverlay } from './write-overlay.ts';

export const deploymentKind = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

export interface SyncContext {
  client: RestClient;
  recorder: EventRecorder;
  logger: Logger;
  /** Our own recent writes, so the next pass does not read stale copies. */
  overlay: WriteOverlay;
  now: () => number;
}

export interface NewAndOld {
  newRS: KubeObject | undefined;
  oldRSs: KubeObject[];
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class DeploymentSync {
  /** The working copy; replaced by the server's answer after each Deployment write. */
  d: KubeObject;
  /** Reconcile again after this long (to notice a missed progress deadline). */
  requeueAfterMs?: number;

  constructor(
    readonly ctx: SyncContext,
    deployment: KubeObject,
  ) {
    this.d = clone(deployment);
    // Objects from list responses may lack these; events need them.
    this.d.apiVersion = deploymentKind.apiVersion;
    this.d.kind = deploymentKind.kind;
    this.d.status ??= {};
  }

  get name(): string {
    return this.d.metadata?.name;
  }

  get namespace(): string {
    return this.d.metadata?.namespace;
  }

  // ---- ReplicaSets -----------------------------------------------------------------------

  /**
   * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked and missing)
   * and every old one, with revision annotations brought up to date.
   */
  async getAllReplicaSetsAndSyncRevision(list: KubeObject[], createIfNotExisted: boolean): Promise<NewAndOld> {
    // Earlier steps of this pass may have updated some of them.
    const rsList = list.map((rs) => this.ctx.overlay.fresh(rs));
    const oldRSs = findOldReplicaSets(this.d, rsList);
    const newRS = await this.getNewReplicaSet(rsList, oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(rsList: KubeObject[], oldRSs: KubeObject[], createIfNotExisted: boolean): Promise<KubeObject | undefined> {
    const existing = findNewReplicaSet(this.d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;

    if (existing) {
      const copy = clone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(this.d, copy, newRevision, true);
      const minReadySeconds = this.d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (copy.spec?.minReadySeconds ?? 0) !== minReadySeconds) {
        // The Deployment's revision follows on the next pass, when this update is seen.
        copy.spec.minReadySeconds = minReadySeconds;
        return this.updateReplicaSet(copy);
      }
      let needsUpdate = this.setDeploymentRevision(copy.metadata?.annotations?.[REVISION_ANNOTATION]);
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status, 'Progressing')) {
        setCondition(
          this.d.status,
          newCondition('Progressing', 'True', Reasons.foundNewReplicaSet, `Found new replica set "${copy.metadata?.name}"`, this.ctx.now()),
        );
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus();
      return copy;
    }

    if (!createIfNotExisted) return undefined;
    return this.createNewReplicaSet(oldRSs, newRevision);
  }

  private async createNewReplicaSet(oldRSs: KubeObject[], newRevision: number): Promise<KubeObject | undefined> {
    const d = this.d;
    const hash = computePodTemplateHash(d.spec?.template, d.status?.collisionCount);
    const template = clone(d.spec?.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const selector = clone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata?.name}-${hash}`;
    const newRS: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: this.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [controllerRefFor(d, deploymentKind)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: KubeObject;
    let alreadyExists = false;
    try {
      created = await this.ctx.client.create(resources.replicaSets, this.namespace, newRS);
      this.ctx.overlay.remember(created);
    } catch (err) {
      if (isAlreadyExists(err)) {
        // Ours from an earlier pass the cache has not shown yet, or a hash collision.
        const found = await this.ctx.client.get(resources.replicaSets, this.namespace, name);
        const ref = getControllerOf(found);
        if (ref?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
          created = found;
          alreadyExists = true;
        } else {
          await this.recordCollision();
          throw err;
        }
      } else if (isNamespaceTerminating(err)) {
        throw err;
      } else {
        const message = `Failed to create new replica set "${name}": ${errorText(err)}`;
        if (hasProgressDeadline(d)) {
          setCondition(this.d.status, newCondition('Progressing', 'False', Reasons.failedReplicaSetCreate, message, this.ctx.now()));
          await this.writeStatus().catch(() => undefined);
        }
        this.ctx.recorder.warning(this.d, Reasons.failedReplicaSetCreate, message);
        throw err;
      }
    }

    if (!alreadyExists && replicas > 0) {
      this.ctx.recorder.normal(this.d, 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${replicas}`);
    }
    let needsUpdate = this.setDeploymentRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(this.d)) {
      setCondition(
        this.d.status,
        newCondition('Progressing', 'True', Reasons.newReplicaSetCreated, `Created new replica set "${name}"`, this.ctx.now()),
      );
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus();
    return created;
  }

  /** A ReplicaSet of that name exists but is not ours: the next name comes from a higher collisionCount. */
  private async recordCollision(): Promise<void> {
    const before = this.d.status.collisionCount ?? 0;
    this.d.status.collisionCount = before + 1;
    try {
      await this.writeStatus();
      this.ctx.logger.info({ deployment: `${this.namespace}/${this.name}`, collisionCount: before + 1 }, 'pod-template-hash collision');
    } catch (err) {
      this.ctx.logger.debug({ err: errorText(err) }, 'could not record the hash collision');
    }
  }

  async updateReplicaSet(rs: KubeObject): Promise<KubeObject> {
    const updated = await this.ctx.client.update(resources.replicaSets, rs);
    this.ctx.overlay.remember(updated);
    return updated;
  }

  /** scaleReplicaSetAndRecordEvent: resizes unless already that size. */
  async scaleReplicaSetAndRecordEvent(rs: KubeObject, newScale: number): Promise<{ scaled: boolean; rs: KubeObject }> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, specReplicas(rs) < newScale ? 'up' : 'down');
  }

  /** scaleReplicaSet: sets the size and the desired/max replica annotations; one event per resize. */
  async scaleReplicaSet(rs: KubeObject, newScale: number, operation: 'up' | 'down'): Promise<{ scaled: boolean; rs: KubeObject }> {
    const replicas = specReplicas(this.d);
    const max = replicas + maxSurge(this.d);
    const sizeChanges = specReplicas(rs) !== newScale;
    if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, replicas, max)) return { scaled: false, rs };
    const oldScale = specReplicas(rs);
    const copy = clone(rs);
    copy.spec.replicas = newScale;
    setReplicasAnnotations(copy, replicas, max);
    const updated = await this.updateReplicaSet(copy);
    if (sizeChanges) {
      this.ctx.recorder.normal(
        this.d,
        'ScalingReplicaSet',
        `Scaled ${operation} replica set ${rs.metadata?.name} from ${oldScale} to ${newScale}`,
      );
    }
    return { scaled: sizeChanges, rs: updated };
  }

  /**
   * scale: resizes for a change of spec.replicas. With one active ReplicaSet it takes all
   * replicas; a saturated new ReplicaSet empties the old ones; mid-rollout every active
   * ReplicaSet grows or shrinks in proportion.
   */
  async scale(newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<void> {
    const replicas = specReplicas(this.d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) !== replicas) await this.scaleReplicaSetAndRecordEvent(activeOrLatest, replicas);
      return;
    }
    if (isSaturated(this.d, newRS)) {
      for (const old of filterActiveReplicaSets(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0);
      return;
    }
    if (!isRollingUpdate(this.d)) return;
    const { toAdd, sizes } = proportionalSizes(this.d, filterActiveReplicaSets([...oldRSs, newRS]));
    const operation = toAdd < 0 ? 'down' : 'up';
    for (const [rs, size] of sizes) await this.scaleReplicaSet(rs, size, operation);
  }

  /** isScalingEvent: spec.replicas differs from what an active ReplicaSet was last sized for. */
  async isScalingEvent(rsList: KubeObject[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
      const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      if (desired !== undefined && /^\d+$/.test(desired) && Number(desired) !== specReplicas(this.d)) return true;
    }
    return false;
  }

  /** sync: scaling (and, when paused, history cleanup) without rolling anything out. */
  async sync(rsList: KubeObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanupDeployment(oldRSs);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /**
   * cleanupDeployment: deletes the oldest old ReplicaSets beyond revisionHistoryLimit,
   * only those with no pods and whose status is current.
   */
  async cleanupDeployment(oldRSs: KubeObject[]): Promise<void> {
    if (!hasRevisionHistoryLimit(this.d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort(byRevision);
    const diff = cleanable.length - this.d.spec.revisionHistoryLimit;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.ctx.client.delete(resources.replicaSets, this.namespace, rs.metadata?.name, {
          preconditions: { uid: rs.metadata?.uid },
        });
        this.ctx.overlay.forget(rs.metadata?.uid);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  // ---- status ------------------------------------------------------------------------------

  /** syncDeploymentStatus: counts and Available, without touching Progressing. */
  async syncDeploymentStatus(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): Promise<void> {
    const newStatus = calculateStatus(allRSs, newRS, this.d, this.ctx.now());
    if (sameStatus(this.d.status, newStatus)) return;
    this.d.status = newStatus;
    await this.writeStatus();
  }

  /** syncRolloutStatus: counts, Available, Progressing (with the deadline) and ReplicaFailure. */
  async syncRolloutStatus(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): Promise<void> {
    const now = this.ctx.now();
    const d = this.d;
    const newStatus = calculateStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeCondition(newStatus, 'Progressing');

    const current = getCondition(d.status, 'Progressing');
    const isComplete = (newStatus.replicas ?? 0) === (newStatus.updatedReplicas ?? 0) && current?.reason === Reasons.newReplicaSetAvailable;
    if (hasProgressDeadline(d) && !isComplete) {
      const subject = newRS ? `ReplicaSet "${newRS.metadata?.name}"` : `Deployment "${d.metadata?.name}"`;
      if (deploymentComplete(d, newStatus)) {
        setCondition(
          newStatus,
          newCondition('Progressing', 'True', Reasons.newReplicaSetAvailable, `${subject} has successfully progressed.`, now),
        );
      } else if (deploymentProgressing(d, newStatus)) {
        // Progress refreshes lastUpdateTime (which restarts the deadline) but keeps the transition time.
        const condition = newCondition('Progressing', 'True', Reasons.replicaSetUpdated, `${subject} is progressing.`, now);
        if (current) {
          if (current.status === 'True') condition.lastTransitionTime = current.lastTransitionTime;
          removeCondition(newStatus, 'Progressing');
        }
        setCondition(newStatus, condition);
      } else if (deploymentTimedOut(d, newStatus, now)) {
        setCondition(newStatus, newCondition('Progressing', 'False', Reasons.timedOut, `${subject} has timed out progressing.`, now));
      }
    }

    const failure = replicaFailure(allRSs, newRS);
    if (failure) setCondition(newStatus, failure);
    else removeCondition(newStatus, 'ReplicaFailure');

    if (!sameStatus(d.status, newStatus)) {
      this.d.status = newStatus;
      await this.writeStatus();
    }
    this.requeueAfterMs = msUntilProgressDeadline(this.d, newStatus, this.ctx.now());
  }

  /** checkPausedConditions: Progressing Unknown with DeploymentPaused / DeploymentResumed. */
  async checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.d)) return;
    const current = getCondition(this.d.status, 'Progressing');
    // A reported lack of progress is not overwritten by pausing.
    if (current?.reason === Reasons.timedOut) return;
    const pausedShown = current?.reason === Reasons.paused;
    const paused = !!this.d.spec?.paused;
    if (paused && !pausedShown) {
      setCondition(this.d.status, newCondition('Progressing', 'Unknown', Reasons.paused, 'Deployment is paused', this.ctx.now()));
    } else if (!paused && pausedShown) {
      setCondition(this.d.status, newCondition('Progressing', 'Unknown', Reasons.resumed, 'Deployment is resumed', this.ctx.now()));
    } else {
      return;
    }
    await this.writeStatus();
  }

  /** Sets the Deployment's revision annotation in the working copy; true when it changed. */
  private setDeploymentRevision(revision: string | undefined): boolean {
    if (revision === undefined) return false;
    this.d.metadata ??= {};
    this.d.metadata.annotations ??= {};
    const annotations: Record<string, string> = this.d.metadata.annotations;
    if (annotations[REVISION_ANNOTATION] === revision) return false;
    annotations[REVISION_ANNOTATION] = revision;
    return true;
  }

  /**
   * Writes the working copy's status. Kubernetes carries the Deployment's revision
   * annotation in this same status update; when the server's status subresource keeps
   * status only (Hale's does), the annotation is patched on afterwards, guarded by the
   * resourceVersion just returned.
   */
  async writeStatus(): Promise<void> {
    const revision = this.d.metadata?.annotations?.[REVISION_ANNOTATION];
    this.adopt(await this.ctx.client.updateStatus(resources.deployments, this.d));
    if (revision === undefined || this.d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    const patch = { metadata: { resourceVersion: this.d.metadata?.resourceVersion, annotations: { [REVISION_ANNOTATION]: revision } } };
    this.adopt(await this.ctx.client.patch(resources.deployments, this.namespace, this.name, patch, 'merge'));
  }

  /** Takes the server's copy after a write as the new working state. */
  private adopt(written: KubeObject): void {
    this.ctx.overlay.remember(written);
    this.d.metadata = written.metadata;
    this.d.status = written.status ?? {};
  }
}

/** The ReplicaFailure condition of the new ReplicaSet (else of any), as a Deployment condition. */
function replicaFailure(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): DeploymentCondition | undefined {
  const fromRS = (rs: KubeObject | undefined) => (rs?.status?.conditions ?? []).find((c: { type: string }) => c?.type === 'ReplicaFailure');
  const c = fromRS(newRS) ?? allRSs.map(fromRS).find(Boolean);
  if (!c) return undefined;
  return {
    type: c.type,
    status: c.status,
    lastUpdateTime: c.lastTransitionTime,
    lastTransitionTime: c.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
}
