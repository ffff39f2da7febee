// The CronJob controller (Kubernetes' cronjob_controllerv2): creates a Job for each time
// the schedule fires, honouring the time zone, startingDeadlineSeconds, concurrencyPolicy
// and suspend; keeps status.active/lastScheduleTime/lastSuccessfulTime; deletes finished
// Jobs beyond the history limits. Timer-driven: every sync requeues itself for the next
// scheduled time, and Job changes wake it at once.
import type { Logger } from 'pino';
import { CronParseError, type CronSchedule, parseCronSchedule } from '../../api/kinds/batch/cron-schedule.ts';
import { metaTime } from '../../api/meta-time.ts';
import { isAlreadyExists, isNotFound } from '../../client/api-error.ts';
import { indexByOwnerUid, keyOf } from '../../client/indexer.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { controllerRefFor, getControllerOf } from '../controller-ref.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { type ApiObject, sameContent } from '../job/api-object.ts';
import { isJobFinished, jobFinishedType } from '../job/job-conditions.ts';
import { OwnWrites } from '../job/own-writes.ts';
import { requeueAfter } from '../job/requeue-delay.ts';
import { isNamespaceTerminating } from '../pod-control.ts';
import { MAX_MISSED_RUNS, missedRuns, nextScheduleTime } from './schedule-times.ts';
import { formatRfc1123zUtc, formatRfc3339InZone, isKnownTimeZone } from './time-zone.ts';

export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
const OWNER_UID_INDEX = 'ownerUid';
/** Kubernetes wakes up this long after the scheduled time, so the time has surely passed. */
const nextScheduleDeltaMs = 100;

export interface CronJobControllerOptions {
  /** The controller's clock (tests move time by hand). */
  now?: () => Date;
}

interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export class CronJobController extends Controller {
  private readonly cronJobs: Informer<ApiObject>;
  private readonly jobs: Informer<ApiObject>;
  private readonly recorder: EventRecorder;
  private readonly now: () => Date;
  private readonly written = new OwnWrites<ApiObject>();

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: CronJobControllerOptions = {},
  ) {
    super('cronjob', logger);
    this.now = opts.now ?? (() => new Date());
    this.recorder = new EventRecorder(client, 'cronjob-controller', logger);
    this.cronJobs = informers.informerFor<ApiObject>(resources.cronJobs);
    this.jobs = informers.informerFor<ApiObject>(resources.jobs, { indexers: { [OWNER_UID_INDEX]: indexByOwnerUid } });
    this.cronJobs.addEventHandler({
      onAdd: (cj) => this.enqueueObject(cj),
      onUpdate: (_old, cj) => this.enqueueObject(cj),
    });
    this.jobs.addEventHandler({
      onAdd: (job) => this.enqueueOwner(job),
      onUpdate: (old, job) => {
        this.enqueueOwner(job);
        if (getControllerOf(old)?.uid !== getControllerOf(job)?.uid) this.enqueueOwner(old);
      },
      onDelete: (job) => this.enqueueOwner(job),
    });
  }

  hasSynced(): boolean {
    return this.cronJobs.hasSynced() && this.jobs.hasSynced();
  }

  private enqueueObject(obj: ApiObject): void {
    this.enqueue(keyOf(obj.metadata?.namespace, obj.metadata?.name));
  }

  private enqueueOwner(job: ApiObject): void {
    const ref = getControllerOf(job);
    if (ref?.kind !== 'CronJob') return;
    const cj = this.cronJobs.get(job.metadata?.namespace, ref.name);
    if (cj?.metadata?.uid === ref.uid) this.enqueueObject(cj);
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) return { requeueAfterMs: 100 };
    const cached = this.cronJobs.getByKey(key);
    if (!cached) {
      this.written.forget(key);
      return undefined;
    }
    // Our own last status write may not have reached the cache yet: never act on older state.
    const cronJob = clone(this.written.freshest(key, cached));
    const before = clone(cronJob.status ?? {});
    const jobs = this.jobs.byIndex(OWNER_UID_INDEX, cronJob.metadata.uid).filter((j) => getControllerOf(j)?.uid === cronJob.metadata.uid);

    let requeueAfterMs: number | undefined;
    let syncError: unknown;
    try {
      requeueAfterMs = await this.syncCronJob(cronJob, jobs);
    } catch (err) {
      syncError = err;
    }
    if (!cronJob.metadata.deletionTimestamp) await this.cleanupFinishedJobs(cronJob, jobs);
    if (!sameContent(cronJob.status ?? {}, before)) {
      try {
        this.written.remember(key, await this.client.updateStatus<ApiObject>(resources.cronJobs, cronJob));
      } catch (err) {
        this.written.forget(key);
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    if (syncError) throw syncError;
    return requeueAfterMs === undefined ? undefined : requeueAfter(requeueAfterMs);
  }

  /** One pass of the CronJob state machine; mutates cronJob.status. Returns when to look again. */
  private async syncCronJob(cronJob: ApiObject, jobs: ApiObject[]): Promise<number | undefined> {
    cronJob.status ??= {};
    const status = cronJob.status;
    const now = this.now().getTime();
    const childUids = new Set<string>();
    for (const job of jobs) {
      childUids.add(job.metadata.uid);
      const active = inActiveList(cronJob, job.metadata.uid);
      const finished = jobFinishedType(job);
      if (!active && !finished) {
        this.recorder.warning(cronJob, 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
      } else if (active && finished) {
        removeFromActiveList(cronJob, job.metadata.uid);
        this.recorder.normal(cronJob, 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
      }
      if (finished === 'Complete' && job.status?.completionTime) {
        const last = Date.parse(status.lastSuccessfulTime ?? '');
        if (Number.isNaN(last) || Date.parse(job.status.completionTime) > last) status.lastSuccessfulTime = job.status.completionTime;
      }
    }
    // Active Jobs that are gone (read the API to be sure the cache is not just slow).
    for (const ref of [...((status.active ?? []) as ObjectReference[])]) {
      if (ref.uid && childUids.has(ref.uid)) continue;
      try {
        await this.client.get<ApiObject>(resources.jobs, ref.namespace ?? cronJob.metadata.namespace, ref.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.recorder.normal(cronJob, 'MissingJob', `Active job went missing: ${ref.name}`);
        removeFromActiveList(cronJob, ref.uid);
      }
    }

    if (cronJob.metadata.deletionTimestamp) return undefined;
    const spec = cronJob.spec ?? {};
    const timeZone: string | undefined = spec.timeZone ?? undefined;
    if (!isKnownTimeZone(timeZone)) {
      this.recorder.warning(cronJob, 'UnknownTimeZone', `invalid timeZone: "${timeZone}": unknown time zone ${timeZone}`);
      return undefined;
    }
    if (spec.suspend) return undefined;
    let schedule: CronSchedule;
    try {
      schedule = parseCronSchedule(spec.schedule ?? '');
    } catch (err) {
      if (!(err instanceof CronParseError)) throw err;
      this.recorder.warning(cronJob, 'UnparseableSchedule', `unparseable schedule: "${spec.schedule}" : ${err.message}`);
      return undefined;
    }
    const untilNext = () => {
      const next = nextScheduleTime(schedule, now, timeZone);
      return next === undefined ? undefined : next - now + nextScheduleDeltaMs;
    };

    const scheduledTime = this.mostRecentScheduleTime(cronJob, schedule, now, timeZone, true);
    const deadline = spec.startingDeadlineSeconds;
    if (scheduledTime === undefined) {
      // A run older than the deadline window: too late to start, but worth telling.
      if (typeof deadline === 'number') {
        const missed = this.mostRecentScheduleTime(cronJob, schedule, now, timeZone, false);
        if (missed !== undefined) this.reportMissed(cronJob, missed);
      }
      return untilNext();
    }
    if (typeof deadline === 'number' && scheduledTime + deadline * 1000 < now) {
      this.reportMissed(cronJob, scheduledTime);
      return untilNext();
    }
    const jobName = jobNameFor(cronJob.metadata.name, scheduledTime);
    const lastSchedule = Date.parse(status.lastScheduleTime ?? '');
    if ((status.active ?? []).some((ref: ObjectReference) => ref.name === jobName) || lastSchedule === scheduledTime) {
      return untilNext();
    }
    if (spec.concurrencyPolicy === 'Forbid' && (status.active ?? []).length > 0) {
      this.recorder.normal(
        cronJob,
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return untilNext();
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...((status.active ?? []) as ObjectReference[])]) await this.deleteJob(cronJob, ref.name, ref.uid);
    }

    const wanted = jobFromTemplate(cronJob, scheduledTime, timeZone);
    let created: ApiObject;
    let createdNow = true;
    try {
      created = await this.client.create<ApiObject>(resources.jobs, cronJob.metadata.namespace, wanted);
    } catch (err) {
      if (isNamespaceTerminating(err)) return undefined;
      if (!isAlreadyExists(err)) {
        this.recorder.warning(cronJob, 'FailedCreate', `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
      // Created earlier (the status write was lost): take it as ours when it is.
      const existing = await this.client.get<ApiObject>(resources.jobs, cronJob.metadata.namespace, jobName);
      if (getControllerOf(existing)?.uid !== cronJob.metadata.uid) {
        this.recorder.warning(cronJob, 'FailedCreate', `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
        return untilNext();
      }
      created = existing;
      createdNow = false;
    }
    if (createdNow) this.recorder.normal(cronJob, 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    if (!isJobFinished(created) && !inActiveList(cronJob, created.metadata.uid)) {
      status.active = [...(status.active ?? []), jobReference(created)];
    }
    status.lastScheduleTime = rfc3339(scheduledTime);
    return untilNext();
  }

  private reportMissed(cronJob: ApiObject, scheduledTime: number): void {
    this.recorder.warning(cronJob, 'MissSchedule', `Missed scheduled time to start a job: ${formatRfc1123zUtc(scheduledTime)}`);
  }

  /**
   * The latest scheduled time since the last run (or creation), warning when very many were
   * missed. With `withinDeadline`, only times inside startingDeadlineSeconds count.
   */
  private mostRecentScheduleTime(
    cronJob: ApiObject,
    schedule: CronSchedule,
    now: number,
    timeZone: string | undefined,
    withinDeadline: boolean,
  ): number | undefined {
    let earliest = Date.parse(cronJob.status?.lastScheduleTime ?? '');
    if (Number.isNaN(earliest)) earliest = Date.parse(cronJob.metadata.creationTimestamp ?? '');
    if (Number.isNaN(earliest)) earliest = now;
    const deadline = cronJob.spec?.startingDeadlineSeconds;
    if (withinDeadline && typeof deadline === 'number') earliest = Math.max(earliest, now - deadline * 1000);
    if (earliest > now) return undefined;
    const { mostRecent, missed } = missedRuns(schedule, earliest, now, timeZone);
    if (withinDeadline && missed > MAX_MISSED_RUNS) {
      this.recorder.warning(
        cronJob,
        'TooManyMissedTimes',
        `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
      );
    }
    return mostRecent;
  }

  /** Deletes finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first. */
  private async cleanupFinishedJobs(cronJob: ApiObject, jobs: ApiObject[]): Promise<void> {
    const spec = cronJob.spec ?? {};
    const limits: [string, unknown][] = [
      ['Complete', spec.successfulJobsHistoryLimit],
      ['Failed', spec.failedJobsHistoryLimit],
    ];
    for (const [type, limit] of limits) {
      if (typeof limit !== 'number') continue;
      const finished = jobs.filter((j) => jobFinishedType(j) === type && !j.metadata.deletionTimestamp).sort(byStartTime);
      for (const job of finished.slice(0, Math.max(0, finished.length - limit))) {
        try {
          await this.deleteJob(cronJob, job.metadata.name, job.metadata.uid);
        } catch (err) {
          this.logger.warn({ cronjob: cronJob.metadata.name, job: job.metadata.name, err: String(err) }, 'cannot delete old job');
        }
      }
    }
  }

  /** Deletes a Job with its pods (Background propagation) and drops it from status.active. */
  private async deleteJob(cronJob: ApiObject, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.client.delete(resources.jobs, cronJob.metadata.namespace, name, {
        propagationPolicy: 'Background',
        ...(uid ? { preconditions: { uid } } : {}),
      });
    } catch (err) {
      if (!isNotFound(err)) {
        this.recorder.warning(cronJob, 'FailedDelete', `Deleted job: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    }
    this.recorder.normal(cronJob, 'SuccessfulDelete', `Deleted job ${name}`);
    removeFromActiveList(cronJob, uid);
  }
}

/** "<cronjob>-<scheduled time in minutes since the epoch>": the name doubles as a lock against duplicates. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/** The Job for one scheduled run (Kubernetes' getJobFromTemplate2). */
export function jobFromTemplate(cronJob: ApiObject, scheduledMs: number, timeZone?: string): ApiObject {
  const template = cronJob.spec?.jobTemplate ?? {};
  const labels = { ...(template.metadata?.labels ?? {}) };
  const annotations = {
    ...(template.metadata?.annotations ?? {}),
    [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatRfc3339InZone(scheduledMs, timeZone),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob.metadata.name, scheduledMs),
      namespace: cronJob.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [controllerRefFor(cronJob, { apiVersion: 'batch/v1', kind: 'CronJob' })],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

function jobReference(job: ApiObject): ObjectReference {
  return {
    kind: 'Job',
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion,
  };
}

function inActiveList(cronJob: ApiObject, uid: string | undefined): boolean {
  return (cronJob.status?.active ?? []).some((ref: ObjectReference) => ref.uid === uid);
}

function removeFromActiveList(cronJob: ApiObject, uid: string | undefined): void {
  const active: ObjectReference[] = cronJob.status?.active ?? [];
  const kept = active.filter((ref) => ref.uid !== uid);
  if (kept.length === active.length) return;
  if (kept.length) cronJob.status.active = kept;
  else delete cronJob.status.active;
}

/** Oldest first: by status.startTime, Jobs that never started last, then by name. */
function byStartTime(a: ApiObject, b: ApiObject): number {
  const sa = Date.parse(a.status?.startTime ?? '');
  const sb = Date.parse(b.status?.startTime ?? '');
  if (Number.isNaN(sa) && Number.isNaN(sb)) return String(a.metadata.name).localeCompare(b.metadata.name);
  if (Number.isNaN(sa)) return 1;
  if (Number.isNaN(sb)) return -1;
  return sa - sb || String(a.metadata.name).localeCompare(b.metadata.name);
}

function rfc3339(ms: number): string {
  return metaTime(ms);
}
