// The Job controller (Kubernetes' pkg/controller/job): runs pods until enough succeed.
// Each sync reads the Job and its pods from the caches and makes one step of progress:
//   1. count pods that finished since the last sync (the batch.kubernetes.io/job-tracking
//      finalizer keeps every pod around until it is counted, through
//      status.uncountedTerminatedPods, so no success or failure is lost or counted twice);
//   2. decide whether the Job is done: success (completions reached) or failure
//      (podFailurePolicy FailJob, backoffLimit, activeDeadlineSeconds), announced first with
//      SuccessCriteriaMet/FailureTarget and made final (Complete/Failed) once no pod runs;
//   3. otherwise create or delete pods towards parallelism, waiting out the exponential
//      back-off after failures, or delete them all while the Job is suspended;
//   4. write status, remove the finalizers of counted pods, fold them into the counters.
// Finished Jobs with ttlSecondsAfterFinished are deleted when their time is up.
import type { Logger } from 'pino';
import { metaTime } from '../../api/meta-time.ts';
import { labelSelectorFromObject } from '../../api/selectors/label-selector.ts';
import { isNotFound } from '../../client/api-error.ts';
import { indexByOwnerUid, keyOf } from '../../client/indexer.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { claimObjects, getControllerOf, recheckOwner } from '../controller-ref.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { Expectations } from '../framework/expectations.ts';
import { isNamespaceTerminating, PodControl, type PodTemplateSpec, podNamePrefix } from '../pod-control.ts';
import { isPodActive, isPodReady, isPodTerminating } from '../pod-utils.ts';
import { type ApiObject, sameContent } from './api-object.ts';
import { addCompletionIndex, completionIndexOf, formatIndexes, indexesToCreate, parseIndexes } from './indexed-completion.ts';
import {
  getJobCondition,
  isJobFinished,
  type JobCondition,
  JobConditionType,
  JobMessage,
  JobReason,
  jobFinishTime,
  setJobCondition,
} from './job-conditions.ts';
import { OwnWrites } from './own-writes.ts';
import {
  type BackoffRecord,
  DEFAULT_POD_FAILURE_BACKOFF_MS,
  MAX_POD_FAILURE_BACKOFF_MS,
  nextBackoffRecord,
  remainingBackoffMs,
} from './pod-backoff.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';
import { requeueAfter } from './requeue-delay.ts';
import { matchSuccessPolicy } from './success-policy.ts';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';
const OWNER_UID_INDEX = 'ownerUid';
/** Keys of pods whose Job is gone but whose tracking finalizer remains. */
const ORPHAN_POD_PREFIX = 'orphan-pod:';
/** Kubernetes creates or deletes at most this many pods per sync. */
const maxPodChangesPerSync = 500;
const jobKind = { apiVersion: 'batch/v1', kind: 'Job' };

export interface JobControllerOptions {
  /** The controller's clock (tests move time by hand). */
  now?: () => Date;
  /** First delay before replacing failed pods; doubles per failure. Default 10 s. */
  podFailureBackoffMs?: number;
  /** Longest such delay. Default 6 minutes. */
  maxPodFailureBackoffMs?: number;
}

/** What the Job is heading for once its last pods are gone. */
interface Finishing {
  interim: 'SuccessCriteriaMet' | 'FailureTarget';
  final: 'Complete' | 'Failed';
  reason: string;
  message: string;
}

export class JobController extends Controller {
  private readonly jobs: Informer<ApiObject>;
  private readonly pods: Informer<ApiObject>;
  private readonly recorder: EventRecorder;
  private readonly podControl: PodControl;
  private readonly expectations: Expectations;
  private readonly backoffs = new Map<string, BackoffRecord>();
  private readonly written = new OwnWrites<ApiObject>();
  private readonly now: () => Date;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: JobControllerOptions = {},
  ) {
    super('job', logger);
    this.now = opts.now ?? (() => new Date());
    this.backoffBaseMs = opts.podFailureBackoffMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS;
    this.backoffMaxMs = opts.maxPodFailureBackoffMs ?? MAX_POD_FAILURE_BACKOFF_MS;
    this.expectations = new Expectations(() => this.now().getTime());
    this.recorder = new EventRecorder(client, 'job-controller', logger);
    this.podControl = new PodControl(client, this.recorder);
    this.jobs = informers.informerFor<ApiObject>(resources.jobs);
    this.pods = informers.informerFor<ApiObject>(resources.pods, { indexers: { [OWNER_UID_INDEX]: indexByOwnerUid } });
    this.jobs.addEventHandler({
      onAdd: (job) => this.enqueue(objectKey(job)),
      onUpdate: (_old, job) => this.enqueue(objectKey(job)),
      onDelete: (job) => {
        this.enqueue(objectKey(job));
        // Its pods may still carry our finalizer: release them so they can go.
        for (const pod of this.pods.byIndex(OWNER_UID_INDEX, job.metadata?.uid)) this.enqueueOrphanIfTracked(pod);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => {
        const key = this.jobKeyOf(pod);
        if (key) {
          this.expectations.creationObserved(key);
          if (pod.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, pod.metadata.uid);
        }
        this.enqueueForPod(pod);
      },
      onUpdate: (old, pod) => {
        if (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
          const key = this.jobKeyOf(pod);
          if (key) this.expectations.deletionObserved(key, pod.metadata.uid);
        }
        this.enqueueForPod(pod);
        if (getControllerOf(old)?.uid !== getControllerOf(pod)?.uid) this.enqueueForPod(old);
      },
      onDelete: (pod) => {
        const key = this.jobKeyOf(pod);
        if (key) this.expectations.deletionObserved(key, pod.metadata?.uid);
        this.enqueueForPod(pod);
      },
    });
  }

  hasSynced(): boolean {
    return this.jobs.hasSynced() && this.pods.hasSynced();
  }

  // --- event routing ---

  /** The key of the Job controlling the pod, when that Job is in the cache. */
  private jobKeyOf(pod: ApiObject): string | undefined {
    const ref = getControllerOf(pod);
    if (ref?.kind !== 'Job') return undefined;
    const job = this.jobs.get(pod.metadata?.namespace, ref.name);
    return job?.metadata?.uid === ref.uid ? objectKey(job) : undefined;
  }

  private enqueueForPod(pod: ApiObject): void {
    const ref = getControllerOf(pod);
    if (ref) {
      if (ref.kind !== 'Job') return;
      const key = this.jobKeyOf(pod);
      if (key) this.enqueue(key);
      else this.enqueueOrphanIfTracked(pod);
      return;
    }
    this.enqueueOrphanIfTracked(pod);
    // An orphan: any Job whose selector matches may adopt it.
    for (const job of this.jobs.list(pod.metadata?.namespace)) {
      if (matchesSelector(job, pod)) this.enqueue(objectKey(job));
    }
  }

  private enqueueOrphanIfTracked(pod: ApiObject): void {
    if ((pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) this.enqueue(ORPHAN_POD_PREFIX + objectKey(pod));
  }

  // --- reconcile ---

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) return { requeueAfterMs: 100 };
    if (key.startsWith(ORPHAN_POD_PREFIX)) {
      await this.releaseOrphanPod(key.slice(ORPHAN_POD_PREFIX.length));
      return undefined;
    }
    const cached = this.jobs.getByKey(key);
    if (!cached) {
      this.expectations.forget(key);
      this.backoffs.delete(key);
      this.written.forget(key);
      return undefined;
    }
    const managedBy = cached.spec?.managedBy;
    if (managedBy && managedBy !== JOB_CONTROLLER_NAME) return undefined;
    const job = clone(this.written.freshest(key, cached));
    job.apiVersion ??= jobKind.apiVersion;
    job.kind ??= jobKind.kind;
    const pods = await this.claimPods(job);
    if (isJobFinished(job) || job.metadata.deletionTimestamp) {
      // Nothing more to run or count: let every pod go.
      const errors: unknown[] = [];
      await this.removeTrackingFinalizers(pods.filter(hasTrackingFinalizer), errors);
      if (errors.length) throw errors[0];
      return this.expireFinished(job);
    }
    return this.syncJob(key, job, pods);
  }

  /** The pods the Job controls, after adopting matching orphans and releasing non-matching ones. */
  private async claimPods(job: ApiObject): Promise<ApiObject[]> {
    const { namespace, name, uid } = job.metadata;
    const owned = this.pods.byIndex(OWNER_UID_INDEX, uid);
    const orphans = this.pods.list(namespace).filter((p) => !getControllerOf(p) && matchesSelector(job, p));
    let selector: ReturnType<typeof labelSelectorFromObject>;
    try {
      selector = labelSelectorFromObject(job.spec?.selector);
    } catch {
      return owned.filter((p) => getControllerOf(p)?.uid === uid);
    }
    return claimObjects({
      client: this.client,
      resource: resources.pods,
      owner: job,
      ownerKind: jobKind,
      selector,
      objects: [...owned, ...orphans],
      canAdopt: recheckOwner(() => this.client.get<ApiObject>(resources.jobs, namespace, name), uid),
    });
  }

  private async syncJob(key: string, job: ApiObject, pods: ApiObject[]): Promise<ReconcileResult | undefined> {
    const now = this.now();
    const nowMs = now.getTime();
    const nowText = rfc3339(now);
    const spec = job.spec ?? {};
    const status = job.status ?? {};
    const indexed = spec.completionMode === 'Indexed';
    const completions: number | undefined = typeof spec.completions === 'number' ? spec.completions : undefined;
    const parallelism: number = typeof spec.parallelism === 'number' ? spec.parallelism : 1;
    const backoffLimit: number = typeof spec.backoffLimit === 'number' ? spec.backoffLimit : 6;
    const suspended = spec.suspend === true;
    const onlyReplaceFailed = spec.podReplacementPolicy === 'Failed' || !!spec.podFailurePolicy;

    // 1. Pods that finished since the last sync.
    const uncounted = {
      succeeded: new Set<string>(status.uncountedTerminatedPods?.succeeded ?? []),
      failed: new Set<string>(status.uncountedTerminatedPods?.failed ?? []),
    };
    const completed = indexed ? parseIndexes(status.completedIndexes, completions ?? 0) : new Set<number>();
    const active = pods.filter(isPodActive);
    const terminating = pods.filter(isPodTerminating).length;
    const tracked = pods.filter(hasTrackingFinalizer);
    const newSucceeded: ApiObject[] = [];
    const newFailed: ApiObject[] = [];
    /** Finished pods that are not counted: their finalizer just goes. */
    const releaseOnly: ApiObject[] = [];
    let failJobMessage: string | undefined;
    for (const pod of tracked) {
      const uid = pod.metadata.uid;
      if (uncounted.succeeded.has(uid) || uncounted.failed.has(uid)) continue;
      if (pod.status?.phase === 'Succeeded') {
        const index = completionIndexOf(pod);
        if (indexed && (index === undefined || index >= (completions ?? 0) || completed.has(index))) {
          releaseOnly.push(pod);
          continue;
        }
        if (indexed) completed.add(index!);
        newSucceeded.push(pod);
      } else if (isPodFailed(pod, onlyReplaceFailed)) {
        const verdict = pod.status?.phase === 'Failed' ? matchPodFailurePolicy(job, pod) : { action: 'Count' as const };
        if (verdict.action === 'Ignore') {
          releaseOnly.push(pod);
          continue;
        }
        if (verdict.action === 'FailJob') failJobMessage ??= verdict.message;
        newFailed.push(pod);
      }
    }
    for (const pod of newSucceeded) uncounted.succeeded.add(pod.metadata.uid);
    for (const pod of newFailed) uncounted.failed.add(pod.metadata.uid);
    const succeeded = (status.succeeded ?? 0) + uncounted.succeeded.size;
    const failed = (status.failed ?? 0) + uncounted.failed.size;
    const backoff = nextBackoffRecord(this.backoffs.get(key) ?? this.seedBackoff(pods, nowMs), newSucceeded, newFailed, nowMs);

    // 2. Is the Job done?
    const finishing = this.finishing(job, {
      failJobMessage,
      failed,
      backoffLimit,
      restartsOnFailure: restartsOnFailure(job, pods),
      succeeded: indexed ? completed.size : succeeded,
      completions,
      activeCount: active.length,
      nowMs,
      successPolicyMessage: indexed ? matchSuccessPolicy(spec.successPolicy, completions ?? 0, completed) : undefined,
    });

    // 3. Pods.
    let created = 0;
    let deleted = 0;
    let deletedReady = 0;
    let requeueAfterMs: number | undefined;
    const errors: unknown[] = [];
    if (finishing) {
      // Deleted with their finalizer: they are counted (as failed) when they go.
      ({ deleted, deletedReady } = await this.deletePods(key, job, active, false, errors));
    } else if (this.expectations.satisfied(key)) {
      if (suspended) {
        ({ deleted, deletedReady } = await this.deletePods(key, job, active, true, errors));
      } else {
        const outcome = await this.managePods(key, job, active, {
          indexed,
          completions,
          parallelism,
          succeeded,
          completed,
          backoff,
          nowMs,
          errors,
        });
        created = outcome.created;
        deleted = outcome.deleted;
        deletedReady = outcome.deletedReady;
        requeueAfterMs = outcome.requeueAfterMs;
      }
    }

    // 4a. Status with the newly finished pods recorded as uncounted.
    const next = clone(status);
    setCount(next, 'active', active.length + created - deleted);
    next.ready = active.filter(isPodReady).length - deletedReady;
    next.terminating = terminating + deleted;
    if (!suspended && !next.startTime) next.startTime = nowText;
    let conditions: JobCondition[] = next.conditions ?? [];
    if (!finishing) {
      const before = conditions;
      conditions = suspended
        ? setJobCondition(conditions, JobConditionType.Suspended, 'True', 'JobSuspended', 'Job suspended', nowText)
        : setJobCondition(conditions, JobConditionType.Suspended, 'False', 'JobResumed', 'Job resumed', nowText);
      if (conditions !== before) {
        if (suspended) this.recorder.normal(job, 'Suspended', 'Job suspended');
        else {
          this.recorder.normal(job, 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts continuous activity: restart the clock.
          next.startTime = nowText;
        }
      }
    } else {
      conditions = setJobCondition(conditions, finishing.interim, 'True', finishing.reason, finishing.message, nowText);
    }
    if (conditions.length) next.conditions = conditions;
    if (indexed) setCompletedIndexes(next, completed);
    next.uncountedTerminatedPods = uncountedStatus(uncounted);
    job = await this.writeStatus(key, job, next);
    this.backoffs.set(key, backoff);

    // 4b. Remove finalizers of counted (and never-to-be-counted) pods.
    const toRelease = [
      ...releaseOnly,
      ...pods.filter((p) => uncounted.succeeded.has(p.metadata.uid) || uncounted.failed.has(p.metadata.uid)),
    ];
    const released = await this.removeTrackingFinalizers(toRelease.filter(hasTrackingFinalizer), errors);
    const present = new Map(pods.map((p) => [p.metadata.uid as string, p]));
    const stillTracked = (uid: string) => {
      const pod = present.get(uid);
      return !!pod && hasTrackingFinalizer(pod) && !released.has(uid);
    };

    // 4c. Fold released pods into the counters; finish the Job when nothing is left.
    const after = clone(job.status ?? {});
    let countedSucceeded = after.succeeded ?? 0;
    let countedFailed = after.failed ?? 0;
    for (const uid of [...uncounted.succeeded]) {
      if (stillTracked(uid)) continue;
      uncounted.succeeded.delete(uid);
      countedSucceeded++;
    }
    for (const uid of [...uncounted.failed]) {
      if (stillTracked(uid)) continue;
      uncounted.failed.delete(uid);
      countedFailed++;
    }
    setCount(after, 'succeeded', countedSucceeded);
    setCount(after, 'failed', countedFailed);
    after.uncountedTerminatedPods = uncountedStatus(uncounted);
    let finishedNow: Finishing | undefined;
    if (finishing && uncounted.succeeded.size + uncounted.failed.size === 0 && terminating === 0 && deleted === 0) {
      after.conditions = setJobCondition(after.conditions ?? [], finishing.final, 'True', finishing.reason, finishing.message, nowText);
      if (finishing.final === 'Complete') after.completionTime = nowText;
      after.ready = 0;
      finishedNow = finishing;
    }
    job = await this.writeStatus(key, job, after);
    if (finishedNow) {
      if (finishedNow.final === 'Complete') this.recorder.normal(job, 'Completed', 'Job completed');
      else this.recorder.warning(job, finishedNow.reason, finishedNow.message);
      if (isJobFinished(job)) return this.expireFinished(job);
    }
    if (errors.length) throw errors[0];

    // Look again when the active deadline passes.
    const deadlineMs = activeDeadlineAt(job, suspended);
    if (!finishing && deadlineMs !== undefined) requeueAfterMs = minDefined(requeueAfterMs, Math.max(0, deadlineMs - nowMs));
    return requeueAfterMs === undefined ? undefined : requeueAfter(requeueAfterMs);
  }

  /** Success or failure reached by this sync (or an earlier one, recorded in the interim conditions). */
  private finishing(
    job: ApiObject,
    c: {
      failJobMessage?: string;
      failed: number;
      backoffLimit: number;
      /** Container restarts of the running and pending pods, with restartPolicy OnFailure (else 0). */
      restartsOnFailure: number;
      succeeded: number;
      completions?: number;
      activeCount: number;
      nowMs: number;
      /** Set when spec.successPolicy matches the succeeded indexes (Indexed Jobs). */
      successPolicyMessage?: string;
    },
  ): Finishing | undefined {
    const failureTarget = getJobCondition(job, JobConditionType.FailureTarget);
    if (failureTarget?.status === 'True') {
      return { interim: 'FailureTarget', final: 'Failed', reason: failureTarget.reason ?? '', message: failureTarget.message ?? '' };
    }
    const successMet = getJobCondition(job, JobConditionType.SuccessCriteriaMet);
    if (successMet?.status === 'True') {
      return { interim: 'SuccessCriteriaMet', final: 'Complete', reason: successMet.reason ?? '', message: successMet.message ?? '' };
    }
    const fail = (reason: string, message: string): Finishing => ({ interim: 'FailureTarget', final: 'Failed', reason, message });
    if (c.failJobMessage) return fail(JobReason.PodFailurePolicy, c.failJobMessage);
    if (c.failed > c.backoffLimit || pastBackoffLimitOnFailure(c.restartsOnFailure, c.backoffLimit)) {
      return fail(JobReason.BackoffLimitExceeded, JobMessage.BackoffLimitExceeded);
    }
    const deadline = activeDeadlineAt(job, job.spec?.suspend === true);
    if (deadline !== undefined && c.nowMs >= deadline) return fail(JobReason.DeadlineExceeded, JobMessage.DeadlineExceeded);
    // Failures take precedence; then the success policy, before the completions count.
    if (c.successPolicyMessage) {
      return { interim: 'SuccessCriteriaMet', final: 'Complete', reason: JobReason.SuccessPolicy, message: c.successPolicyMessage };
    }
    const complete = c.completions === undefined ? c.succeeded > 0 && c.activeCount === 0 : c.succeeded >= c.completions;
    if (complete) {
      return {
        interim: 'SuccessCriteriaMet',
        final: 'Complete',
        reason: JobReason.CompletionsReached,
        message: JobMessage.CompletionsReached,
      };
    }
    return undefined;
  }

  /** Creates or deletes pods towards the wanted number of active ones. */
  private async managePods(
    key: string,
    job: ApiObject,
    active: ApiObject[],
    c: {
      indexed: boolean;
      completions?: number;
      parallelism: number;
      succeeded: number;
      completed: Set<number>;
      backoff: BackoffRecord;
      nowMs: number;
      errors: unknown[];
    },
  ): Promise<{ created: number; deleted: number; deletedReady: number; requeueAfterMs?: number }> {
    let keep = active;
    let surplus: ApiObject[] = [];
    let wantActive: number;
    if (c.indexed) {
      // One pod per unfinished index: duplicates and pods of finished or bad indexes go.
      const byIndex = new Map<number, ApiObject>();
      keep = [];
      for (const pod of [...active].sort(olderFirst)) {
        const index = completionIndexOf(pod);
        if (index === undefined || index >= (c.completions ?? 0) || c.completed.has(index) || byIndex.has(index)) surplus.push(pod);
        else {
          byIndex.set(index, pod);
          keep.push(pod);
        }
      }
      wantActive = Math.min(c.parallelism, Math.max(0, (c.completions ?? 0) - c.completed.size));
    } else if (c.completions === undefined) {
      // A work queue: once one pod succeeded, no new ones; the rest finish on their own.
      wantActive = c.succeeded > 0 ? active.length : c.parallelism;
    } else {
      wantActive = Math.min(c.parallelism, Math.max(0, c.completions - c.succeeded));
    }
    if (keep.length > wantActive) {
      surplus = [...surplus, ...[...keep].sort(deletionOrder).slice(0, keep.length - wantActive)];
      keep = keep.filter((p) => !surplus.includes(p));
    }
    let deleted = 0;
    let deletedReady = 0;
    if (surplus.length)
      ({ deleted, deletedReady } = await this.deletePods(key, job, surplus.slice(0, maxPodChangesPerSync), true, c.errors));
    const missing = Math.min(wantActive - keep.length, maxPodChangesPerSync);
    if (missing <= 0) return { created: 0, deleted, deletedReady };
    const waitMs = remainingBackoffMs(c.backoff, c.nowMs, this.backoffBaseMs, this.backoffMaxMs);
    if (waitMs > 0) return { created: 0, deleted, deletedReady, requeueAfterMs: waitMs };
    const indexes = c.indexed
      ? indexesToCreate(c.completions ?? 0, c.completed, new Set(keep.map((p) => completionIndexOf(p)!)), missing)
      : Array.from({ length: missing }, () => undefined);
    const created = await this.createPods(key, job, indexes, c.errors);
    return { created, deleted, deletedReady };
  }

  /** Creates pods in batches of 1, 2, 4, … (Kubernetes' slow start), stopping at the first failure. */
  private async createPods(key: string, job: ApiObject, indexes: (number | undefined)[], errors: unknown[]): Promise<number> {
    const template: PodTemplateSpec = clone(job.spec?.template ?? {});
    template.metadata ??= {};
    template.metadata.finalizers = [...(template.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
    this.expectations.expectCreations(key, indexes.length);
    let created = 0;
    let next = 0;
    for (let batch = 1; next < indexes.length; batch *= 2) {
      const slice = indexes.slice(next, next + batch);
      next += slice.length;
      const results = await Promise.allSettled(
        slice.map((index) =>
          this.podControl.createPod(job.metadata.namespace, template, job, {
            ownerKind: jobKind,
            generateName: index === undefined ? podNamePrefix(job.metadata.name) : podNamePrefix(`${job.metadata.name}-${index}`),
            mutate: index === undefined ? undefined : (pod) => addCompletionIndex(pod, job.metadata.name, index),
          }),
        ),
      );
      let failedHere = false;
      for (const r of results) {
        if (r.status === 'fulfilled') created++;
        else {
          failedHere = true;
          this.expectations.creationFailed(key);
          if (!isNamespaceTerminating(r.reason)) errors.push(r.reason);
        }
      }
      if (failedHere) {
        // The rest are not attempted: they will never be observed either.
        for (let i = next; i < indexes.length; i++) this.expectations.creationFailed(key);
        break;
      }
    }
    return created;
  }

  /**
   * Deletes pods. With `release`, their tracking finalizer is removed first so they are
   * not counted as failures (scale-down, suspend); otherwise they keep it and are counted
   * when they go (the Job is failing or done).
   */
  private async deletePods(
    key: string,
    job: ApiObject,
    pods: ApiObject[],
    release: boolean,
    errors: unknown[],
  ): Promise<{ deleted: number; deletedReady: number }> {
    if (!pods.length) return { deleted: 0, deletedReady: 0 };
    this.expectations.expectDeletions(
      key,
      pods.map((p) => p.metadata.uid),
    );
    let deleted = 0;
    let deletedReady = 0;
    await Promise.all(
      pods.map(async (pod) => {
        const { namespace, name, uid } = pod.metadata;
        try {
          if (release && hasTrackingFinalizer(pod)) await this.patchOutFinalizer(pod);
          const outcome = await this.podControl.deletePod(namespace, name, uid, job);
          if (outcome === 'gone') this.expectations.deletionObserved(key, uid);
          deleted++;
          if (isPodReady(pod)) deletedReady++;
        } catch (err) {
          this.expectations.deletionObserved(key, uid);
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    );
    return { deleted, deletedReady };
  }

  /** Removes the tracking finalizer; returns the UIDs of pods that no longer carry it. */
  private async removeTrackingFinalizers(pods: ApiObject[], errors: unknown[]): Promise<Set<string>> {
    const released = new Set<string>();
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.patchOutFinalizer(pod);
          released.add(pod.metadata.uid);
        } catch (err) {
          if (isNotFound(err)) released.add(pod.metadata.uid);
          else errors.push(err);
        }
      }),
    );
    return released;
  }

  private async patchOutFinalizer(pod: ApiObject): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    // The uid guards against touching a same-named successor.
    const patch = { metadata: { uid, '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };
    try {
      await this.client.patch(resources.pods, namespace, name, patch, 'strategic');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** A pod with our finalizer whose Job is gone: let it go. */
  private async releaseOrphanPod(podKey: string): Promise<void> {
    const pod = this.pods.getByKey(podKey);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = getControllerOf(pod);
    if (ref?.kind === 'Job') {
      // Trust only the API server that the Job is really gone (the cache may lag).
      try {
        const job = await this.client.get<ApiObject>(resources.jobs, pod.metadata.namespace, ref.name);
        if (job.metadata?.uid === ref.uid) return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await this.patchOutFinalizer(pod);
  }

  /** ttlSecondsAfterFinished: delete the finished Job (and, in the background, its pods). */
  private async expireFinished(job: ApiObject): Promise<ReconcileResult | undefined> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (typeof ttl !== 'number' || job.metadata.deletionTimestamp) return undefined;
    const finishedAt = jobFinishTime(job);
    if (finishedAt === undefined) return undefined;
    const remaining = finishedAt + ttl * 1000 - this.now().getTime();
    if (remaining > 0) return requeueAfter(remaining);
    try {
      await this.client.delete(resources.jobs, job.metadata.namespace, job.metadata.name, {
        propagationPolicy: 'Background',
        preconditions: { uid: job.metadata.uid },
      });
      this.logger.info({ job: objectKey(job) }, 'finished job deleted after its ttlSecondsAfterFinished');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return undefined;
  }

  /** Writes status when it changed; returns the Job as stored. */
  private async writeStatus(key: string, job: ApiObject, status: ApiObject): Promise<ApiObject> {
    if (sameContent(status, job.status ?? {})) return job;
    const updated = await this.client.updateStatus<ApiObject>(resources.jobs, { ...job, status });
    this.written.remember(key, updated);
    updated.apiVersion ??= jobKind.apiVersion;
    updated.kind ??= jobKind.kind;
    return updated;
  }

  /** After a restart there is no in-memory record: rebuild it from the counted pods still around. */
  private seedBackoff(pods: ApiObject[], nowMs: number): BackoffRecord {
    const counted = pods.filter((p) => !hasTrackingFinalizer(p));
    const failed = counted.filter((p) => p.status?.phase === 'Failed');
    const succeeded = counted.filter((p) => p.status?.phase === 'Succeeded');
    return nextBackoffRecord(undefined, succeeded, failed, nowMs);
  }
}

function objectKey(obj: ApiObject): string {
  return keyOf(obj.metadata?.namespace, obj.metadata?.name);
}

function hasTrackingFinalizer(pod: ApiObject): boolean {
  return (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

function matchesSelector(job: ApiObject, pod: ApiObject): boolean {
  try {
    return labelSelectorFromObject(job.spec?.selector).matches(pod.metadata?.labels);
  } catch {
    return false;
  }
}

/**
 * Failed for the Job's accounting: phase Failed, or being deleted before succeeding
 * (unless only Failed pods are replaced; a pod never scheduled cannot fail otherwise).
 */
function isPodFailed(pod: ApiObject, onlyReplaceFailed: boolean): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (!pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded') return false;
  return !onlyReplaceFailed || !pod.spec?.nodeName;
}

/** When activeDeadlineSeconds runs out (epoch ms), if it applies. */
function activeDeadlineAt(job: ApiObject, suspended: boolean): number | undefined {
  const seconds = job.spec?.activeDeadlineSeconds;
  const start = Date.parse(job.status?.startTime ?? '');
  if (typeof seconds !== 'number' || Number.isNaN(start) || suspended) return undefined;
  return start + seconds * 1000;
}

function uncountedStatus(u: { succeeded: Set<string>; failed: Set<string> }): { succeeded?: string[]; failed?: string[] } {
  const out: { succeeded?: string[]; failed?: string[] } = {};
  if (u.succeeded.size) out.succeeded = [...u.succeeded];
  if (u.failed.size) out.failed = [...u.failed];
  return out;
}

/** Counters are omitted at zero, as Kubernetes' omitempty does. */
function setCount(status: ApiObject, field: 'active' | 'succeeded' | 'failed', value: number): void {
  if (value > 0) status[field] = value;
  else delete status[field];
}

function setCompletedIndexes(status: ApiObject, completed: Set<number>): void {
  if (completed.size) status.completedIndexes = formatIndexes(completed);
  else delete status.completedIndexes;
}

function minDefined(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.min(a, b);
}

function olderFirst(a: ApiObject, b: ApiObject): number {
  return String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? ''));
}

/** Least useful first: unscheduled, then not running, then not ready, then the newest. */
function deletionOrder(a: ApiObject, b: ApiObject): number {
  const rank = (p: ApiObject) => [p.spec?.nodeName ? 1 : 0, p.status?.phase === 'Running' ? 1 : 0, isPodReady(p) ? 1 : 0];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return -olderFirst(a, b);
}

function rfc3339(d: Date): string {
  return metaTime(d);
}

/**
 * With restartPolicy OnFailure a failing container restarts in its pod, which never fails: the
 * Job counts the restarts of its running and pending pods instead, as Kubernetes'
 * pastBackoffLimitOnFailure does.
 */
function restartsOnFailure(job: ApiObject, pods: ApiObject[]): number {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return 0;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Pending') continue;
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      restarts += typeof cs.restartCount === 'number' ? cs.restartCount : 0;
    }
  }
  return restarts;
}

/** Kubernetes' rule: any restart is too many with a limit of 0, else reaching the limit is. */
function pastBackoffLimitOnFailure(restarts: number, backoffLimit: number): boolean {
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
}
