// One pass of the StatefulSet algorithm (Kubernetes' defaultStatefulSetControl): work out
// the current and update revisions, sort the owned pods into live ordinals and condemned
// ones, then make progress in the order Kubernetes guarantees:
//   1. replace failed/finished pods and create missing ones (OrderedReady: one at a time,
//      each after its predecessors are Running and Ready; Parallel: all at once);
//   2. scale down from the highest ordinal, one at a time under OrderedReady;
//   3. RollingUpdate: delete the highest-ordinal pod at or above the partition that is not at
//      the update revision, waiting for each replacement to be healthy first. As in Kubernetes
//      the partition counts pods from spec.ordinals.start: with start 5 and partition 1, pod
//      -5 stays at the current revision (kubernetes/kubernetes#128529).
// A pod name is an identity: a replacement is only created once the old pod is gone.
import type { KubeObject } from '../../api/resource-type.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import type { ControllerHistory } from '../history/controller-history.ts';
import {
  applyRevision,
  CONTROLLER_REVISION_HASH_LABEL,
  equalRevision,
  findEqualRevisions,
  newControllerRevision,
  nextRevision,
  templatePatch,
} from '../history/controller-revision.ts';
import { msUntilAvailable } from '../pod-utils.ts';
import {
  getOrdinal,
  identityMatches,
  isCreated,
  isFailed,
  isHealthy,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newStatefulSetPod,
  podRevision,
  replicaCount,
  STATEFULSET_KIND,
  startOrdinal,
  storageMatches,
} from './stateful-pod.ts';
import type { StatefulPodControl } from './stateful-pod-control.ts';
import { completeRollingUpdate, countReplicas, type StatefulSetStatus } from './statefulset-status.ts';

export interface Revisions {
  current: KubeObject;
  update: KubeObject;
  collisionCount: number;
}

/** Kubernetes' newRevision: the set's template as a revision, labelled like its pods. */
export function revisionForSet(set: KubeObject, revisionNumber: number, collisionCount: number): KubeObject {
  const revision = newControllerRevision(
    set,
    STATEFULSET_KIND,
    set.spec?.template?.metadata?.labels,
    templatePatch(set),
    revisionNumber,
    collisionCount,
  );
  const annotations = set.metadata?.annotations;
  if (annotations && Object.keys(annotations).length) revision.metadata!.annotations = { ...annotations };
  return revision;
}

/**
 * getStatefulSetRevisions: the update revision is the set's template (an existing equal
 * revision is reused; one that is not the newest gets renumbered, which is a rollback);
 * the current revision is the one status.currentRevision names, else the update revision.
 * `revisions` is sorted oldest first.
 */
export async function statefulSetRevisions(set: KubeObject, revisions: KubeObject[], history: ControllerHistory): Promise<Revisions> {
  let collisionCount = Number(set.status?.collisionCount ?? 0);
  const wanted = revisionForSet(set, nextRevision(revisions), collisionCount);
  const equal = findEqualRevisions(revisions, wanted);
  let update: KubeObject;
  if (equal.length && equalRevision(revisions[revisions.length - 1], equal[equal.length - 1])) {
    update = revisions[revisions.length - 1];
  } else if (equal.length) {
    update = await history.updateRevisionNumber(equal[equal.length - 1], Number(wanted.revision));
  } else {
    const created = await history.create(set, wanted, collisionCount);
    update = created.revision;
    collisionCount = created.collisionCount;
  }
  const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

export interface SyncOutcome {
  status: StatefulSetStatus;
  /** Look again after this long (a pod becomes available once minReadySeconds have passed). */
  requeueAfterMs?: number;
}

interface PassContext {
  set: KubeObject;
  currentSet: KubeObject;
  updateSet: KubeObject;
  revisions: Revisions;
  monotonic: boolean;
  minReadySeconds: number;
  now: number;
}

/** Runs `fn` over every index: in order, stopping at the first "exit" (OrderedReady); or all at once (Parallel). */
async function runForAll(count: number, monotonic: boolean, fn: (i: number) => Promise<boolean>): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await fn(i)) return true;
    return false;
  }
  // Slow start: batches of 1, 2, 4, … so a systemic failure costs few calls.
  let next = 0;
  for (let batch = 1; next < count; batch *= 2) {
    const indexes = Array.from({ length: Math.min(batch, count - next) }, (_, k) => next + k);
    next += indexes.length;
    const results = await Promise.allSettled(indexes.map((i) => fn(i)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
  return false;
}

export class StatefulSetUpdater {
  constructor(
    private readonly control: StatefulPodControl,
    private readonly history: ControllerHistory,
    private readonly recorder: EventRecorder,
  ) {}

  /** One pass for `set` over its claimed `pods` and `revisions` (oldest first). */
  async sync(set: KubeObject, pods: KubeObject[], revisions: KubeObject[], now = Date.now()): Promise<SyncOutcome & Revisions> {
    const revs = await statefulSetRevisions(set, revisions, this.history);
    const ctx: PassContext = {
      set,
      currentSet: applyRevision(set, revs.current),
      updateSet: applyRevision(set, revs.update),
      revisions: revs,
      monotonic: set.spec?.podManagementPolicy !== 'Parallel',
      minReadySeconds: Number(set.spec?.minReadySeconds ?? 0),
      now,
    };
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata?.generation,
      replicas: 0,
      availableReplicas: 0,
      currentRevision: revs.current.metadata?.name,
      updateRevision: revs.update.metadata?.name,
      collisionCount: revs.collisionCount,
    };

    const start = startOrdinal(set);
    const count = replicaCount(set);
    const replicas: KubeObject[] = new Array(count);
    const condemned: KubeObject[] = [];
    for (const pod of pods) {
      const ordinal = getOrdinal(pod);
      if (ordinal >= start && ordinal < start + count) replicas[ordinal - start] = pod;
      else if (ordinal >= 0) condemned.push(pod);
    }
    for (let i = 0; i < count; i++) replicas[i] ??= this.newVersionedPod(ctx, start + i);
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));

    const firstUnhealthy = [...replicas, ...condemned].find((pod) => !isHealthy(pod));
    const finish = () => this.finishStatus(ctx, status, replicas, condemned);

    if (set.metadata?.deletionTimestamp) return finish();

    if (await runForAll(count, ctx.monotonic, (i) => this.processReplica(ctx, replicas, i))) return finish();

    // Claims of pods about to be scaled away take the owner references the policy asks for.
    for (const pod of condemned) {
      if (!this.control.claimsMatchRetentionPolicy(set, pod)) await this.control.updateClaimsForRetentionPolicy(set, pod);
    }

    if (await runForAll(condemned.length, ctx.monotonic, (i) => this.processCondemned(ctx, condemned, i, firstUnhealthy))) {
      return finish();
    }

    const outcome = finish();
    if (set.spec?.updateStrategy?.type !== 'RollingUpdate') return outcome;

    // Rolling update: the highest ordinal whose index is at or above the partition and that is
    // not yet updated goes first; nothing else is touched while an updated pod is not yet healthy.
    const partition = Number(set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
    const updateRevision = revs.update.metadata?.name;
    for (let i = count - 1; i >= 0 && i >= partition; i--) {
      const pod = replicas[i];
      if (podRevision(pod) !== updateRevision && !isTerminating(pod)) {
        await this.control.deletePod(set, pod);
        outcome.status.currentReplicas = Math.max(0, (outcome.status.currentReplicas ?? 0) - 1);
        return outcome;
      }
      if (!isHealthy(pod)) return outcome;
    }
    return outcome;
  }

  /** newVersionedStatefulSetPod: pods whose index (ordinal - start) is below the partition stay at the current revision. */
  private newVersionedPod(ctx: PassContext, ordinal: number): KubeObject {
    const strategy = ctx.currentSet.spec?.updateStrategy ?? {};
    const index = ordinal - startOrdinal(ctx.currentSet);
    const atCurrent =
      strategy.type === 'RollingUpdate' &&
      (strategy.rollingUpdate
        ? index < Number(strategy.rollingUpdate.partition ?? 0)
        : index < Number(ctx.set.status?.currentReplicas ?? 0));
    const name = atCurrent ? ctx.revisions.current.metadata?.name : ctx.revisions.update.metadata?.name;
    return newStatefulSetPod(atCurrent ? ctx.currentSet : ctx.updateSet, ordinal, name ?? '');
  }

  /** Returns true when the pass must stop here (OrderedReady waits on this pod). */
  private async processReplica(ctx: PassContext, replicas: KubeObject[], i: number): Promise<boolean> {
    const { set, monotonic } = ctx;
    const ordinal = startOrdinal(set) + i;
    let pod = replicas[i];

    // A pod whose containers are done for good (failed, or evicted, or completed) is
    // replaced: delete it, then re-create the ordinal once the old one is gone.
    if (isCreated(pod) && !isTerminating(pod) && (isFailed(pod) || isSucceeded(pod))) {
      const ns = set.metadata?.namespace;
      if (isFailed(pod)) {
        this.recorder.warning(
          set,
          'RecreatingFailedPod',
          `StatefulSet ${ns}/${set.metadata?.name} is recreating failed Pod ${pod.metadata?.name}`,
        );
      } else {
        this.recorder.normal(
          set,
          'RecreatingTerminatedPod',
          `StatefulSet ${ns}/${set.metadata?.name} is recreating terminated Pod ${pod.metadata?.name}`,
        );
      }
      await this.control.deletePod(set, pod);
      pod = replicas[i] = this.newVersionedPod(ctx, ordinal);
    }

    if (!isCreated(pod)) {
      // A claim still held by an earlier incarnation (being deleted): wait for it to go.
      if (this.control.podClaimIsStale(set, pod)) return true;
      const created = await this.control.createPod(set, pod);
      if (created) replicas[i] = created;
      // OrderedReady creates one pod per pass; the created pod's events drive the next.
      return monotonic;
    }

    // The claims of a pending pod may have been deleted under it: put them back.
    if (isPending(pod)) await this.control.createMissingClaims(set, pod);

    // The old incarnation is still terminating: its ordinal waits.
    if (isTerminating(pod)) return monotonic;

    // Every predecessor must be Running, Ready and Available before OrderedReady goes on.
    if (monotonic && !isRunningAndAvailable(pod, ctx.minReadySeconds, ctx.now)) return true;

    // Volumes of an existing pod cannot change; its claims can at least be there.
    if (!storageMatches(set, pod)) await this.control.createMissingClaims(set, pod);
    if (!identityMatches(set, pod)) await this.control.repairPod(set, pod);
    if (!this.control.claimsMatchRetentionPolicy(ctx.updateSet, pod)) await this.control.updateClaimsForRetentionPolicy(ctx.updateSet, pod);
    return false;
  }

  private async processCondemned(ctx: PassContext, condemned: KubeObject[], i: number, firstUnhealthy?: KubeObject): Promise<boolean> {
    const pod = condemned[i];
    if (isTerminating(pod)) return ctx.monotonic;
    if (ctx.monotonic && pod !== firstUnhealthy) {
      if (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, ctx.minReadySeconds, ctx.now)) return true;
    }
    await this.control.deletePod(ctx.set, pod);
    return true;
  }

  /** Status over the pods as this pass left them, with the rolling update completed if it is. */
  private finishStatus(
    ctx: PassContext,
    status: StatefulSetStatus,
    replicas: KubeObject[],
    condemned: KubeObject[],
  ): SyncOutcome & Revisions {
    const currentName = ctx.revisions.current.metadata?.name ?? '';
    const updateName = ctx.revisions.update.metadata?.name ?? '';
    const counts = countReplicas([...replicas, ...condemned], ctx.minReadySeconds, currentName, updateName, ctx.now);
    Object.assign(status, counts);
    completeRollingUpdate(ctx.set, status);
    let requeueAfterMs: number | undefined;
    if (ctx.minReadySeconds > 0) {
      for (const pod of [...replicas, ...condemned]) {
        if (!isCreated(pod)) continue;
        const wait = msUntilAvailable(pod, ctx.minReadySeconds, ctx.now);
        if (wait !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? wait, wait);
      }
    }
    return { status, requeueAfterMs, ...ctx.revisions };
  }
}

/** Revision names still in use: the current and update revisions and every pod's. */
export function liveRevisionNames(pods: KubeObject[], current?: KubeObject, update?: KubeObject): Set<string> {
  const live = new Set<string>();
  if (current?.metadata?.name) live.add(current.metadata.name);
  if (update?.metadata?.name) live.add(update.metadata.name);
  for (const pod of pods) {
    const revision = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
    if (revision) live.add(revision);
  }
  return live;
}
