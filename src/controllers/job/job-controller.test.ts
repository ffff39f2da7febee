// The Job controller against a real in-process API server. No kubelet runs: the tests play
// it, moving pods to Running/Succeeded/Failed through the status subresource.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { startControllerUnderTest, stopControllerUnderTest } from '../../testing/controller-under-test.ts';
import { eventually, type InProcessCluster } from '../../testing/in-process-cluster.ts';
import type { ApiObject } from './api-object.ts';
import { JOB_COMPLETION_INDEX_ANNOTATION } from './indexed-completion.ts';
import { JOB_TRACKING_FINALIZER, JobController } from './job-controller.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: JobController;
/** Offset added to the real clock for the controller (tests jump ahead in time with it). */
let clockSkewMs = 0;

before(async () => {
  ({ cluster, factory, controller } = await startControllerUnderTest(
    (c, f) =>
      new JobController(c.client, f, c.logger, {
        now: () => new Date(Date.now() + clockSkewMs),
        podFailureBackoffMs: 20,
        maxPodFailureBackoffMs: 100,
      }),
    4,
  ));
});

after(() => stopControllerUnderTest({ cluster, factory, controller }));

let nsCounter = 0;
async function freshNamespace(): Promise<string> {
  const ns = `job-${++nsCounter}`;
  await cluster.createNamespace(ns);
  return ns;
}

function jobSpec(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['work'] }] } },
    ...spec,
  };
}

async function createJob(ns: string, name: string, spec: Record<string, unknown> = {}): Promise<ApiObject> {
  return cluster.client.create<ApiObject>(resources.jobs, ns, { metadata: { name }, spec: jobSpec(spec) });
}

async function getJob(ns: string, name: string): Promise<ApiObject> {
  return cluster.client.get<ApiObject>(resources.jobs, ns, name);
}

async function podsOf(ns: string): Promise<ApiObject[]> {
  return (await cluster.client.list<ApiObject>(resources.pods, ns)).items;
}

/** Pods not yet finished or being deleted. */
async function livePods(ns: string): Promise<ApiObject[]> {
  return (await podsOf(ns)).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

async function waitForLivePods(ns: string, count: number): Promise<ApiObject[]> {
  return eventually(`${count} live pods`, async () => {
    const pods = await livePods(ns);
    return pods.length === count ? pods : undefined;
  });
}

async function waitForJob(ns: string, name: string, what: string, check: (job: ApiObject) => boolean): Promise<ApiObject> {
  return eventually(what, async () => {
    const job = await getJob(ns, name);
    return check(job) ? job : undefined;
  });
}

const condition = (job: ApiObject, type: string) => (job.status?.conditions ?? []).find((c: { type: string }) => c.type === type);

async function eventsOf(ns: string, uid: string): Promise<ApiObject[]> {
  return (await cluster.client.list<ApiObject>(resources.events, ns, { fieldSelector: `involvedObject.uid=${uid}` })).items;
}

async function waitForEvent(ns: string, uid: string, reason: string): Promise<ApiObject> {
  return eventually(`event ${reason}`, async () => (await eventsOf(ns, uid)).find((e) => e.reason === reason));
}

/** Plays the kubelet: the pod ran and its container exited with `exitCode`. */
async function finishPod(pod: ApiObject, exitCode: number, extraConditions: object[] = []): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const fresh = await cluster.client.get<ApiObject>(resources.pods, pod.metadata.namespace, pod.metadata.name);
  fresh.status = {
    ...fresh.status,
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }, ...extraConditions],
    containerStatuses: [
      {
        name: 'main',
        image: 'busybox',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now } },
      },
    ],
  };
  await cluster.client.updateStatus(resources.pods, fresh);
}

async function markReady(pod: ApiObject): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const fresh = await cluster.client.get<ApiObject>(resources.pods, pod.metadata.namespace, pod.metadata.name);
  fresh.status = { ...fresh.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
  await cluster.client.updateStatus(resources.pods, fresh);
}

test('runs pods in parallel until completions succeed, then completes', async () => {
  const ns = await freshNamespace();
  const job = await createJob(ns, 'work', { completions: 3, parallelism: 2 });
  const first = await waitForLivePods(ns, 2);
  for (const pod of first) {
    assert.ok(pod.metadata.finalizers.includes(JOB_TRACKING_FINALIZER));
    assert.equal(pod.metadata.generateName, 'work-');
    assert.equal(pod.metadata.labels['batch.kubernetes.io/job-name'], 'work');
    const owner = pod.metadata.ownerReferences[0];
    assert.deepEqual([owner.kind, owner.name, owner.uid, owner.controller], ['Job', 'work', job.metadata.uid, true]);
  }
  await markReady(first[0]);
  const running = await waitForJob(ns, 'work', 'active and ready', (j) => j.status?.active === 2 && j.status?.ready === 1);
  assert.ok(running.status.startTime);
  assert.equal(running.status.terminating, 0);

  // One succeeds: counted, its finalizer removed, and a replacement runs (2 still wanted).
  await finishPod(first[0], 0);
  await waitForJob(ns, 'work', 'one success', (j) => j.status?.succeeded === 1);
  const done = await eventually('finalizer removed', async () => {
    const pod = await cluster.client.get<ApiObject>(resources.pods, ns, first[0].metadata.name);
    return (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER) ? undefined : pod;
  });
  assert.equal(done.status.phase, 'Succeeded');
  const second = await waitForLivePods(ns, 2);
  // Only one more completion is needed: finishing both leaves the job complete.
  for (const pod of second) await finishPod(pod, 0);
  const complete = await waitForJob(ns, 'work', 'Complete', (j) => condition(j, 'Complete')?.status === 'True');
  assert.equal(complete.status.succeeded, 3);
  assert.equal(complete.status.active, undefined);
  assert.deepEqual(complete.status.uncountedTerminatedPods, {});
  assert.ok(complete.status.completionTime);
  const met = condition(complete, 'SuccessCriteriaMet');
  assert.deepEqual([met.status, met.reason, met.message], ['True', 'CompletionsReached', 'Reached expected number of succeeded pods']);
  const final = condition(complete, 'Complete');
  assert.deepEqual([final.reason, final.message], ['CompletionsReached', 'Reached expected number of succeeded pods']);
  const completed = await waitForEvent(ns, job.metadata.uid, 'Completed');
  assert.equal(completed.message, 'Job completed');
  const creates = (await eventsOf(ns, job.metadata.uid)).filter((e) => e.reason === 'SuccessfulCreate');
  assert.ok(creates.every((e) => e.message.startsWith('Created pod: work-')));
  // Every pod was released.
  await eventually('no finalizers left', async () =>
    (await podsOf(ns)).every((p) => !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)),
  );
});

test('failed pods are replaced after back-off until backoffLimit, then the job fails', async () => {
  const ns = await freshNamespace();
  const job = await createJob(ns, 'flaky', { backoffLimit: 1 });
  const [p1] = await waitForLivePods(ns, 1);
  await finishPod(p1, 1);
  const [p2] = await eventually('a replacement', async () => {
    const pods = await livePods(ns);
    return pods.length === 1 && pods[0].metadata.uid !== p1.metadata.uid ? pods : undefined;
  });
  const once = await waitForJob(ns, 'flaky', 'one failure', (j) => j.status?.failed === 1);
  assert.equal(condition(once, 'Failed'), undefined);
  await finishPod(p2, 1);
  const failed = await waitForJob(ns, 'flaky', 'Failed', (j) => condition(j, 'Failed')?.status === 'True');
  assert.equal(failed.status.failed, 2);
  assert.equal(failed.status.completionTime, undefined);
  const target = condition(failed, 'FailureTarget');
  assert.deepEqual([target.reason, target.message], ['BackoffLimitExceeded', 'Job has reached the specified backoff limit']);
  assert.equal(condition(failed, 'Failed').reason, 'BackoffLimitExceeded');
  const event = await waitForEvent(ns, job.metadata.uid, 'BackoffLimitExceeded');
  assert.equal(event.type, 'Warning');
  assert.equal(event.message, 'Job has reached the specified backoff limit');
  assert.equal((await livePods(ns)).length, 0);
});

test('restartPolicy OnFailure: container restarts count against backoffLimit, then the job fails and its pods go', async () => {
  const ns = await freshNamespace();
  const template = { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox', command: ['work'] }] } };
  await createJob(ns, 'crashy', { backoffLimit: 2, template });
  const [pod] = await waitForLivePods(ns, 1);
  // The agent restarts the failing container in the pod, which stays Running.
  const restarted = async (restartCount: number) => {
    const fresh = await cluster.client.get<ApiObject>(resources.pods, ns, pod.metadata.name);
    fresh.status = { ...fresh.status, phase: 'Running', containerStatuses: [{ name: 'main', ready: false, restartCount }] };
    await cluster.client.updateStatus(resources.pods, fresh);
  };
  await restarted(1);
  const once = await waitForJob(ns, 'crashy', 'the restart seen', (j) => (j.status?.active ?? 0) === 1);
  assert.equal(condition(once, 'Failed'), undefined, 'one restart is under the limit of 2');
  await restarted(2);
  const failed = await waitForJob(ns, 'crashy', 'Failed', (j) => condition(j, 'Failed')?.status === 'True');
  assert.equal(condition(failed, 'Failed').reason, 'BackoffLimitExceeded');
  assert.equal(condition(failed, 'Failed').message, 'Job has reached the specified backoff limit');
  await eventually('its pod deleted', async () => ((await livePods(ns)).length === 0 ? true : undefined));
});

test('pod failure policy: FailJob on an exit code fails the job at once; Ignore does not count', async () => {
  const ns = await freshNamespace();
  const podFailurePolicy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    ],
  };
  await createJob(ns, 'strict', { backoffLimit: 6, podFailurePolicy });
  const [p1] = await waitForLivePods(ns, 1);
  // Disrupted: ignored, replaced, not counted.
  await finishPod(p1, 137, [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }]);
  const [p2] = await eventually('a replacement', async () => {
    const pods = await livePods(ns);
    return pods.length === 1 && pods[0].metadata.uid !== p1.metadata.uid ? pods : undefined;
  });
  await eventually('ignored pod released', async () => {
    const pod = await cluster.client.get<ApiObject>(resources.pods, ns, p1.metadata.name);
    return !(pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
  });
  assert.equal((await getJob(ns, 'strict')).status.failed, undefined);
  await finishPod(p2, 42);
  const failed = await waitForJob(ns, 'strict', 'Failed', (j) => condition(j, 'Failed')?.status === 'True');
  assert.equal(condition(failed, 'Failed').reason, 'PodFailurePolicy');
  assert.equal(
    condition(failed, 'Failed').message,
    `Container main for pod ${ns}/${p2.metadata.name} failed with exit code 42 matching FailJob rule at index 1`,
  );
  assert.equal(failed.status.failed, 1);
});

test('activeDeadlineSeconds fails the job and removes its pods', async () => {
  const ns = await freshNamespace();
  const job = await createJob(ns, 'slow', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 });
  await waitForLivePods(ns, 2);
  await waitForJob(ns, 'slow', 'started', (j) => !!j.status?.startTime);
  clockSkewMs = 31_000;
  try {
    controller.enqueue(`${ns}/slow`);
    const failed = await waitForJob(ns, 'slow', 'Failed', (j) => condition(j, 'Failed')?.status === 'True');
    assert.deepEqual(
      [condition(failed, 'Failed').reason, condition(failed, 'Failed').message],
      ['DeadlineExceeded', 'Job was active longer than specified deadline'],
    );
    assert.equal(failed.status.active, undefined);
    assert.equal(failed.status.failed, 2, 'the deleted pods count as failed');
    await waitForEvent(ns, job.metadata.uid, 'DeadlineExceeded');
    await eventually('pods gone', async () => (await podsOf(ns)).length === 0);
  } finally {
    clockSkewMs = 0;
  }
});

test('indexed jobs: one pod per index with annotation, label, hostname; completedIndexes', async () => {
  const ns = await freshNamespace();
  await createJob(ns, 'idx', { completions: 3, parallelism: 2, completionMode: 'Indexed' });
  const pods = await waitForLivePods(ns, 2);
  const byIndex = new Map(pods.map((p) => [p.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION], p]));
  assert.deepEqual([...byIndex.keys()].sort(), ['0', '1']);
  const p1 = byIndex.get('1')!;
  assert.equal(p1.metadata.labels[JOB_COMPLETION_INDEX_ANNOTATION], '1');
  assert.equal(p1.spec.hostname, 'idx-1');
  assert.equal(p1.metadata.generateName, 'idx-1-');
  assert.ok(p1.spec.containers[0].env.some((e: { name: string }) => e.name === 'JOB_COMPLETION_INDEX'));
  await finishPod(p1, 0);
  await waitForJob(ns, 'idx', 'index 1 done', (j) => j.status?.completedIndexes === '1' && j.status?.succeeded === 1);
  // Index 2 is started next; index 0 keeps running.
  const next = await eventually('index 2', async () =>
    (await livePods(ns)).find((p) => p.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION] === '2'),
  );
  await finishPod(next, 0);
  await finishPod(byIndex.get('0')!, 0);
  const done = await waitForJob(ns, 'idx', 'Complete', (j) => condition(j, 'Complete')?.status === 'True');
  assert.equal(done.status.completedIndexes, '0-2');
  assert.equal(done.status.succeeded, 3);
});

test('suspended jobs run nothing; resuming starts pods and resets startTime', async () => {
  const ns = await freshNamespace();
  const job = await createJob(ns, 'held', { suspend: true, parallelism: 2, completions: 2 });
  const suspended = await waitForJob(ns, 'held', 'Suspended', (j) => condition(j, 'Suspended')?.status === 'True');
  assert.deepEqual(
    [condition(suspended, 'Suspended').reason, condition(suspended, 'Suspended').message],
    ['JobSuspended', 'Job suspended'],
  );
  assert.equal(suspended.status.startTime, undefined);
  assert.equal((await podsOf(ns)).length, 0);
  await waitForEvent(ns, job.metadata.uid, 'Suspended');
  const current = await getJob(ns, 'held');
  current.spec.suspend = false;
  await cluster.client.update(resources.jobs, current);
  await waitForLivePods(ns, 2);
  const resumed = await waitForJob(ns, 'held', 'resumed', (j) => condition(j, 'Suspended')?.status === 'False');
  assert.equal(condition(resumed, 'Suspended').reason, 'JobResumed');
  assert.ok(resumed.status.startTime);
  // Suspending again deletes the running pods, without counting them as failures.
  const again = await getJob(ns, 'held');
  again.spec.suspend = true;
  await cluster.client.update(resources.jobs, again);
  await eventually('pods gone', async () => (await podsOf(ns)).length === 0);
  const held = await waitForJob(ns, 'held', 'suspended again', (j) => condition(j, 'Suspended')?.status === 'True' && !j.status.active);
  assert.equal(held.status.failed, undefined);
});

test('a deleted pod is replaced at once and counted as failed', async () => {
  const ns = await freshNamespace();
  await createJob(ns, 'resilient', { backoffLimit: 3 });
  const [p1] = await waitForLivePods(ns, 1);
  await cluster.client.delete(resources.pods, ns, p1.metadata.name);
  const [p2] = await eventually('a replacement', async () => {
    const pods = await livePods(ns);
    return pods.length === 1 && pods[0].metadata.uid !== p1.metadata.uid ? pods : undefined;
  });
  assert.notEqual(p2.metadata.name, p1.metadata.name);
  await waitForJob(ns, 'resilient', 'counted', (j) => j.status?.failed === 1);
  // The deleted pod's finalizer was removed, so it is really gone.
  await eventually('old pod gone', async () => !(await cluster.tryGet(resources.pods, ns, p1.metadata.name)));
});

test('ttlSecondsAfterFinished deletes the finished job', async () => {
  const ns = await freshNamespace();
  await createJob(ns, 'ephemeral', { ttlSecondsAfterFinished: 0 });
  const [pod] = await waitForLivePods(ns, 1);
  await finishPod(pod, 0);
  await eventually('job deleted', async () => !(await cluster.tryGet(resources.jobs, ns, 'ephemeral')));
});

test('pods of a deleted job lose the tracking finalizer', async () => {
  const ns = await freshNamespace();
  await createJob(ns, 'gone', { parallelism: 2, completions: 2 });
  await waitForLivePods(ns, 2);
  await cluster.client.delete(resources.jobs, ns, 'gone', { propagationPolicy: 'Orphan' });
  await eventually('finalizers removed', async () => {
    const pods = await podsOf(ns);
    return pods.length === 2 && pods.every((p) => !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER));
  });
});

test('an Indexed Job whose success policy matches completes early: its other pods go, reason SuccessPolicy', async () => {
  const ns = await freshNamespace();
  const job = await createJob(ns, 'leader', {
    completionMode: 'Indexed',
    completions: 3,
    parallelism: 3,
    successPolicy: { rules: [{ succeededIndexes: '0' }] },
  });
  const pods = await waitForLivePods(ns, 3);
  const leader = pods.find((p) => p.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION] === '0')!;
  await finishPod(leader, 0);
  const done = await waitForJob(ns, 'leader', 'complete', (j) => condition(j, 'Complete')?.status === 'True');
  for (const type of ['SuccessCriteriaMet', 'Complete']) {
    const c = condition(done, type);
    assert.deepEqual([c.status, c.reason, c.message], ['True', 'SuccessPolicy', 'Matched rules at index 0'], type);
  }
  assert.equal(done.status.succeeded, 1);
  assert.equal(done.status.completedIndexes, '0');
  assert.equal(done.status.active ?? 0, 0);
  assert.ok(done.status.completionTime);
  assert.equal(condition(done, 'Failed'), undefined);
  assert.deepEqual(await livePods(ns), []);
  await waitForEvent(ns, job.metadata.uid, 'Completed');
});

test('a success policy rule with succeededCount matches once that many of its indexes succeeded', async () => {
  const ns = await freshNamespace();
  await createJob(ns, 'quorum', {
    completionMode: 'Indexed',
    completions: 4,
    parallelism: 4,
    successPolicy: { rules: [{ succeededIndexes: '1-3', succeededCount: 2 }] },
  });
  const pods = await waitForLivePods(ns, 4);
  const byIndex = (i: string) => pods.find((p) => p.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION] === i)!;
  // Index 0 is outside the rule: it does not count towards it.
  await finishPod(byIndex('0'), 0);
  await finishPod(byIndex('1'), 0);
  await waitForJob(ns, 'quorum', 'two succeeded', (j) => j.status?.succeeded === 2);
  assert.equal(condition(await getJob(ns, 'quorum'), 'SuccessCriteriaMet'), undefined);
  await finishPod(byIndex('3'), 0);
  const done = await waitForJob(ns, 'quorum', 'complete', (j) => condition(j, 'Complete')?.status === 'True');
  assert.equal(condition(done, 'Complete').reason, 'SuccessPolicy');
  assert.equal(done.status.completedIndexes, '0-1,3');
});
