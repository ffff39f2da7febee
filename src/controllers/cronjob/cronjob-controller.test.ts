import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { startControllerUnderTest, stopControllerUnderTest } from '../../testing/controller-under-test.ts';
import { eventually, type InProcessCluster } from '../../testing/in-process-cluster.ts';
import type { ApiObject } from '../job/api-object.ts';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, CronJobController, jobNameFor } from './cronjob-controller.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: CronJobController;
/** The controller's clock; tests move it forward by hand. */
let fakeNow = Date.now();

before(async () => {
  ({ cluster, factory, controller } = await startControllerUnderTest(
    (c, f) => new CronJobController(c.client, f, c.logger, { now: () => new Date(fakeNow) }),
    2,
  ));
});

after(() => stopControllerUnderTest({ cluster, factory, controller }));

let nsCounter = 0;
async function freshNamespace(): Promise<string> {
  const ns = `cron-${++nsCounter}`;
  await cluster.createNamespace(ns);
  return ns;
}

const fiveMinutes = 5 * 60_000;
/** The first "every five minutes" run after `ms`. */
const nextFiveMinuteMark = (ms: number) => (Math.floor(ms / fiveMinutes) + 1) * fiveMinutes;

function cronJob(name: string, spec: Record<string, unknown> = {}): ApiObject {
  return {
    metadata: { name },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } },
        },
      },
      ...spec,
    },
  };
}

async function createCronJob(ns: string, obj: ApiObject): Promise<ApiObject> {
  return cluster.client.create<ApiObject>(resources.cronJobs, ns, obj);
}

async function jobsOf(ns: string): Promise<ApiObject[]> {
  return (await cluster.client.list<ApiObject>(resources.jobs, ns)).items;
}

async function eventsOf(ns: string, uid: string): Promise<ApiObject[]> {
  return (await cluster.client.list<ApiObject>(resources.events, ns, { fieldSelector: `involvedObject.uid=${uid}` })).items;
}

async function waitForEvent(ns: string, uid: string, reason: string): Promise<ApiObject> {
  return eventually(`event ${reason}`, async () => (await eventsOf(ns, uid)).find((e) => e.reason === reason));
}

async function finishJob(ns: string, name: string, type: 'Complete' | 'Failed', at: number): Promise<void> {
  const job = await cluster.client.get<ApiObject>(resources.jobs, ns, name);
  const time = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const conditions = [
    { type: type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget', status: 'True', lastTransitionTime: time },
    { type, status: 'True', lastTransitionTime: time },
  ];
  job.status = { ...job.status, startTime: time, conditions, ...(type === 'Complete' ? { completionTime: time, succeeded: 1 } : {}) };
  await cluster.client.updateStatus<ApiObject>(resources.jobs, job);
}

/** Moves the clock to `ms` and makes the controller look at the CronJob now. */
function advanceTo(ms: number, ns: string, name: string): void {
  fakeNow = ms;
  controller.enqueue(`${ns}/${name}`);
}

test('a Job is created at the scheduled time, named after it and recorded in status', async () => {
  const ns = await freshNamespace();
  const cj = await createCronJob(ns, cronJob('tick'));
  const scheduled = nextFiveMinuteMark(Date.parse(cj.metadata!.creationTimestamp));
  // Before the first scheduled time nothing happens.
  advanceTo(scheduled - 1000, ns, 'tick');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await jobsOf(ns)).length, 0);
  advanceTo(scheduled + 10_000, ns, 'tick');
  const job = await eventually('the job', async () => (await jobsOf(ns))[0]);
  assert.equal(job.metadata.name, jobNameFor('tick', scheduled));
  assert.equal(job.metadata.name, `tick-${scheduled / 60_000}`);
  assert.equal(job.metadata.labels.app, 'tick');
  assert.equal(job.metadata.annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION], new Date(scheduled).toISOString().replace('.000Z', 'Z'));
  const owner = job.metadata.ownerReferences[0];
  assert.deepEqual(
    { kind: owner.kind, name: owner.name, uid: owner.uid, controller: owner.controller },
    { kind: 'CronJob', name: 'tick', uid: cj.metadata!.uid, controller: true },
  );
  const status = await eventually('status.active', async () => {
    const got = await cluster.client.get<ApiObject>(resources.cronJobs, ns, 'tick');
    return got.status?.active?.length === 1 ? got.status : undefined;
  });
  assert.equal(status.active[0].name, job.metadata.name);
  assert.equal(status.lastScheduleTime, new Date(scheduled).toISOString().replace('.000Z', 'Z'));
  const created = await waitForEvent(ns, cj.metadata!.uid, 'SuccessfulCreate');
  assert.equal(created.message, `Created job ${job.metadata.name}`);

  // Looking again at the same time creates nothing more.
  advanceTo(scheduled + 20_000, ns, 'tick');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await jobsOf(ns)).length, 1);

  // The Job completes: it leaves status.active and sets lastSuccessfulTime.
  await finishJob(ns, job.metadata.name, 'Complete', scheduled + 30_000);
  const saw = await waitForEvent(ns, cj.metadata!.uid, 'SawCompletedJob');
  assert.equal(saw.message, `Saw completed job: ${job.metadata.name}, condition: Complete`);
  const done = await eventually('lastSuccessfulTime', async () => {
    const got = await cluster.client.get<ApiObject>(resources.cronJobs, ns, 'tick');
    return got.status?.lastSuccessfulTime && !got.status.active ? got.status : undefined;
  });
  assert.equal(done.lastSuccessfulTime, new Date(scheduled + 30_000).toISOString().replace('.000Z', 'Z'));
});

test('time zones set the annotation offset and the wall-clock schedule', async () => {
  const ns = await freshNamespace();
  const cj = await createCronJob(ns, cronJob('zoned', { schedule: '*/5 * * * *', timeZone: 'Asia/Kolkata' }));
  const scheduled = nextFiveMinuteMark(Date.parse(cj.metadata!.creationTimestamp));
  advanceTo(scheduled + 1000, ns, 'zoned');
  const job = await eventually('the job', async () => (await jobsOf(ns))[0]);
  const stamp: string = job.metadata.annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION];
  assert.match(stamp, /\+05:30$/);
  assert.equal(Date.parse(stamp), scheduled);
});

test('Forbid skips a run while a Job is active; Replace deletes it and starts anew', async () => {
  const ns = await freshNamespace();
  const forbid = await createCronJob(ns, cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
  const first = nextFiveMinuteMark(Date.parse(forbid.metadata!.creationTimestamp));
  advanceTo(first + 1000, ns, 'forbid');
  await eventually('first job', async () => (await jobsOf(ns)).length === 1);
  await eventually(
    'active',
    async () => (await cluster.client.get<ApiObject>(resources.cronJobs, ns, 'forbid')).status?.active?.length === 1,
  );
  advanceTo(first + fiveMinutes + 1000, ns, 'forbid');
  const skipped = await waitForEvent(ns, forbid.metadata!.uid, 'JobAlreadyActive');
  assert.equal(skipped.message, 'Not starting job because prior execution is running and concurrency policy is Forbid');
  assert.equal((await jobsOf(ns)).length, 1);

  const ns2 = await freshNamespace();
  const replace = await createCronJob(ns2, cronJob('replace', { concurrencyPolicy: 'Replace' }));
  const start = nextFiveMinuteMark(Date.parse(replace.metadata!.creationTimestamp));
  advanceTo(start + 1000, ns2, 'replace');
  const old = await eventually('first job', async () => (await jobsOf(ns2))[0]);
  await eventually(
    'active',
    async () => (await cluster.client.get<ApiObject>(resources.cronJobs, ns2, 'replace')).status?.active?.length === 1,
  );
  advanceTo(start + fiveMinutes + 1000, ns2, 'replace');
  const jobs = await eventually('the replacement', async () => {
    const list = await jobsOf(ns2);
    return list.length === 1 && list[0].metadata.name !== old.metadata.name ? list : undefined;
  });
  assert.equal(jobs[0].metadata.name, jobNameFor('replace', start + fiveMinutes));
  const deleted = await waitForEvent(ns2, replace.metadata!.uid, 'SuccessfulDelete');
  assert.equal(deleted.message, `Deleted job ${old.metadata.name}`);
});

test('a run missed by more than startingDeadlineSeconds is not started but reported', async () => {
  const ns = await freshNamespace();
  const cj = await createCronJob(ns, cronJob('late', { startingDeadlineSeconds: 30 }));
  const scheduled = nextFiveMinuteMark(Date.parse(cj.metadata!.creationTimestamp));
  // 60 s late: outside the 30 s window.
  advanceTo(scheduled + 60_000, ns, 'late');
  const missed = await waitForEvent(ns, cj.metadata!.uid, 'MissSchedule');
  assert.match(missed.message, /^Missed scheduled time to start a job: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:00 \+0000$/);
  assert.equal(missed.type, 'Warning');
  assert.equal((await jobsOf(ns)).length, 0);
  // 20 s late: within the deadline, it starts.
  advanceTo(scheduled + fiveMinutes + 20_000, ns, 'late');
  const job = await eventually('the job', async () => (await jobsOf(ns))[0]);
  assert.equal(job.metadata.name, jobNameFor('late', scheduled + fiveMinutes));
});

test('suspended CronJobs start nothing', async () => {
  const ns = await freshNamespace();
  const cj = await createCronJob(ns, cronJob('paused', { suspend: true }));
  const scheduled = nextFiveMinuteMark(Date.parse(cj.metadata!.creationTimestamp));
  advanceTo(scheduled + 1000, ns, 'paused');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal((await jobsOf(ns)).length, 0);
  // Resumed, it starts the run it missed.
  const current = await cluster.client.get<ApiObject>(resources.cronJobs, ns, 'paused');
  current.spec.suspend = false;
  await cluster.client.update<ApiObject>(resources.cronJobs, current);
  await eventually('the job', async () => (await jobsOf(ns)).length === 1);
});

test('finished Jobs beyond the history limits are deleted, oldest first', async () => {
  const ns = await freshNamespace();
  const cj = await createCronJob(ns, cronJob('history', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0, suspend: true }));
  const base = Date.parse(cj.metadata!.creationTimestamp);
  const owner = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    name: 'history',
    uid: cj.metadata!.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  const outcomes: ['a' | 'b' | 'c' | 'd', 'Complete' | 'Failed', number][] = [
    ['a', 'Complete', 1],
    ['b', 'Complete', 2],
    ['c', 'Failed', 3],
    ['d', 'Complete', 4],
  ];
  for (const [suffix, type, minutes] of outcomes) {
    await cluster.client.create<ApiObject>(resources.jobs, ns, {
      metadata: { name: `history-${suffix}`, ownerReferences: [owner] },
      spec: cronJob('history').spec.jobTemplate.spec,
    });
    await finishJob(ns, `history-${suffix}`, type, base + minutes * 60_000);
  }
  controller.enqueue(`${ns}/history`);
  const left = await eventually('cleanup', async () => {
    const names = (await jobsOf(ns)).filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name);
    return names.length === 1 ? names : undefined;
  });
  assert.deepEqual(left, ['history-d']);
  const deletions = (await eventsOf(ns, cj.metadata!.uid)).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
  assert.deepEqual(deletions.sort(), ['Deleted job history-a', 'Deleted job history-b', 'Deleted job history-c']);
});
