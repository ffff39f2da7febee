import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { DEFAULT_TERMINATED_POD_GC_THRESHOLD, PodGarbageCollector, terminatedPodsToDelete } from './pod-gc-controller.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let gc: PodGarbageCollector;

before(async () => {
  cluster = await startInProcessCluster();
  factory = new InformerFactory(cluster.client);
  gc = new PodGarbageCollector(cluster.client, factory, cluster.logger);
  factory.start();
  gc.run(1);
});

after(async () => {
  await gc.stop();
  await factory.stop();
  await cluster.stop();
});

const pod = (name: string, nodeName: string) => ({
  metadata: { name },
  spec: { nodeName, containers: [{ name: 'c', image: 'x', command: ['true'] }] },
});

test('pods bound to a deleted node are removed; pods on live nodes stay', async () => {
  for (const name of ['gone-node', 'live-node']) await cluster.client.create(resources.nodes, undefined, { metadata: { name } });
  await cluster.client.create(resources.pods, 'default', pod('orphan', 'gone-node'));
  await cluster.client.create(resources.pods, 'default', pod('kept', 'live-node'));
  await cluster.client.delete(resources.nodes, undefined, 'gone-node');
  await eventually('the orphaned pod to be deleted', async () => !(await cluster.tryGet(resources.pods, 'default', 'orphan')));
  assert.ok(await cluster.tryGet(resources.pods, 'default', 'kept'));
});

test('a pod created for a node that never existed is removed too', async () => {
  await cluster.client.create(resources.pods, 'default', pod('nowhere', 'no-such-node'));
  await eventually('the pod to be deleted', async () => !(await cluster.tryGet(resources.pods, 'default', 'nowhere')));
});

test('a collector started after the pod was orphaned finds it (events or the periodic sweep)', async () => {
  await cluster.client.create(resources.pods, 'default', pod('old-orphan', 'never-was'));
  const lateFactory = new InformerFactory(cluster.client);
  const late = new PodGarbageCollector(cluster.client, lateFactory, cluster.logger, { sweepIntervalMs: 100 });
  lateFactory.start();
  late.run(1);
  try {
    await eventually('the old orphan to be deleted', async () => !(await cluster.tryGet(resources.pods, 'default', 'old-orphan')));
  } finally {
    await late.stop();
    await lateFactory.stop();
  }
});

test('pods of a deleted node go even when a Node of that name is registered again at once', async () => {
  await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'comeback' } });
  await cluster.client.create(resources.pods, 'default', pod('before-delete', 'comeback'));
  await eventually('the pod in the cache', async () => (await cluster.tryGet(resources.pods, 'default', 'before-delete')) !== undefined);
  await new Promise((r) => setTimeout(r, 200));
  await cluster.client.delete(resources.nodes, undefined, 'comeback');
  // A running agent re-registers its Node right away.
  await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'comeback' } });
  await eventually('the old pod to be deleted', async () => !(await cluster.tryGet(resources.pods, 'default', 'before-delete')));
  await cluster.client.create(resources.pods, 'default', pod('after-return', 'comeback'));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(await cluster.tryGet(resources.pods, 'default', 'after-return'), 'a pod bound after the return stays');
});

test("an orphaned pod is marked Failed with Kubernetes' DisruptionTarget condition before its deletion", async () => {
  await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'marked-node' } });
  // A finalizer keeps the deleted object, so the status the collector wrote can be read.
  const created = await cluster.client.create(resources.pods, 'default', {
    ...pod('marked', 'marked-node'),
    metadata: { name: 'marked', finalizers: ['test.hale.dev/hold'] },
  });
  await cluster.client.updateStatus(resources.pods, { ...created, status: { phase: 'Running' } });
  // A pod that already finished keeps its phase (Kubernetes patches only pods not yet terminal).
  const done = await cluster.client.create(resources.pods, 'default', {
    ...pod('done', 'marked-node'),
    metadata: { name: 'done', finalizers: ['test.hale.dev/hold'] },
  });
  await cluster.client.updateStatus(resources.pods, { ...done, status: { phase: 'Succeeded' } });
  await cluster.client.delete(resources.nodes, undefined, 'marked-node');
  try {
    const gone = await eventually('the orphaned pod to be deleted', async () => {
      const p = await cluster.tryGet(resources.pods, 'default', 'marked');
      return p?.metadata?.deletionTimestamp ? p : undefined;
    });
    assert.equal(gone.metadata?.deletionGracePeriodSeconds, 0);
    assert.equal(gone.status?.phase, 'Failed');
    const target = gone.status?.conditions?.find((c: { type: string }) => c.type === 'DisruptionTarget');
    assert.deepEqual([target?.status, target?.reason, target?.message], ['True', 'DeletionByPodGC', 'PodGC: node no longer exists']);
    assert.ok(target?.lastTransitionTime);
    const finished = await eventually('the finished pod to be deleted', async () => {
      const p = await cluster.tryGet(resources.pods, 'default', 'done');
      return p?.metadata?.deletionTimestamp ? p : undefined;
    });
    assert.equal(finished.status?.phase, 'Succeeded');
    assert.equal(
      finished.status?.conditions?.find((c: { type: string }) => c.type === 'DisruptionTarget'),
      undefined,
    );
  } finally {
    for (const name of ['marked', 'done']) {
      const p = await cluster.tryGet(resources.pods, 'default', name);
      if (p) await cluster.client.update(resources.pods, { ...p, metadata: { ...p.metadata, finalizers: [] } }).catch(() => undefined);
    }
  }
});

test('terminating pods on a node that is not Ready and carries the out-of-service taint are force-deleted and marked Failed, as Kubernetes does', async () => {
  const outOfService = { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' };
  const addNode = async (name: string, ready: string) => {
    const n = await cluster.client.create(resources.nodes, undefined, { metadata: { name }, spec: { taints: [outOfService] } });
    await cluster.client.updateStatus(resources.nodes, { ...n, status: { conditions: [{ type: 'Ready', status: ready }] } });
  };
  await addNode('down-node', 'Unknown');
  await addNode('up-node', 'True');
  const addTerminating = async (name: string, nodeName: string) => {
    const p = await cluster.client.create(resources.pods, 'default', {
      ...pod(name, nodeName),
      metadata: { name, finalizers: ['test.hale.dev/hold'] },
    });
    await cluster.client.updateStatus(resources.pods, { ...p, status: { phase: 'Running' } });
    await cluster.client.delete(resources.pods, 'default', name, { gracePeriodSeconds: 30 });
  };
  await addTerminating('stuck', 'down-node');
  await addTerminating('on-ready', 'up-node');
  // Not terminating: left to the taint manager (the collector only finishes deletions).
  await cluster.client.create(resources.pods, 'default', pod('running', 'down-node'));
  try {
    const forced = await eventually('the terminating pod to be force-deleted', async () => {
      const p = await cluster.tryGet(resources.pods, 'default', 'stuck');
      return p?.metadata?.deletionGracePeriodSeconds === 0 ? p : undefined;
    });
    assert.equal(forced.status?.phase, 'Failed');
    assert.equal(
      forced.status?.conditions?.find((c: { type: string }) => c.type === 'DisruptionTarget'),
      undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await cluster.tryGet(resources.pods, 'default', 'on-ready'))?.metadata?.deletionGracePeriodSeconds, 30);
    assert.equal((await cluster.tryGet(resources.pods, 'default', 'running'))?.metadata?.deletionTimestamp, undefined);
  } finally {
    for (const name of ['stuck', 'on-ready']) {
      const p = await cluster.tryGet(resources.pods, 'default', name);
      if (p) await cluster.client.update(resources.pods, { ...p, metadata: { ...p.metadata, finalizers: [] } }).catch(() => undefined);
    }
  }
});

test("a terminating pod never scheduled is marked Failed and force-deleted, as Kubernetes' gcUnscheduledTerminating", async () => {
  await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'steady-node' } });
  // A finalizer (a Job's tracking finalizer, say) keeps the deleted pods, so what the collector wrote can be read.
  const addTerminating = async (name: string, nodeName?: string) => {
    const p = await cluster.client.create(resources.pods, 'default', {
      metadata: { name, finalizers: ['test.hale.dev/hold'] },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'x', command: ['true'] }] },
    });
    await cluster.client.updateStatus(resources.pods, { ...p, status: { phase: nodeName ? 'Running' : 'Pending' } });
    await cluster.client.delete(resources.pods, 'default', name, { gracePeriodSeconds: 30 });
  };
  await addTerminating('never-scheduled');
  await addTerminating('scheduled', 'steady-node');
  try {
    const forced = await eventually('the unscheduled pod to be force-deleted', async () => {
      const p = await cluster.tryGet(resources.pods, 'default', 'never-scheduled');
      return p?.metadata?.deletionGracePeriodSeconds === 0 && p.status?.phase === 'Failed' ? p : undefined;
    });
    assert.equal(
      forced.status?.conditions?.find((c: { type: string }) => c.type === 'DisruptionTarget'),
      undefined,
    );
    // A terminating pod on a node that is there is its agent's to finish.
    await new Promise((r) => setTimeout(r, 300));
    const scheduled = await cluster.tryGet(resources.pods, 'default', 'scheduled');
    assert.deepEqual([scheduled?.metadata?.deletionGracePeriodSeconds, scheduled?.status?.phase], [30, 'Running']);
  } finally {
    for (const name of ['never-scheduled', 'scheduled']) {
      const p = await cluster.tryGet(resources.pods, 'default', name);
      if (p) await cluster.client.update(resources.pods, { ...p, metadata: { ...p.metadata, finalizers: [] } }).catch(() => undefined);
    }
  }
});

const finished = (name: string, created: string, phase: string, reason?: string) => ({
  metadata: { name, namespace: 'default', creationTimestamp: created },
  status: { phase, ...(reason ? { reason } : {}) },
});

test("finished pods over the threshold are chosen as Kubernetes' gcTerminated does: evicted first, then oldest, then by name", () => {
  const pods = [
    finished('new', '2026-01-01T00:00:09Z', 'Succeeded'),
    finished('b-old', '2026-01-01T00:00:01Z', 'Failed'),
    finished('a-old', '2026-01-01T00:00:01Z', 'Succeeded'),
    finished('evicted', '2026-01-01T00:00:08Z', 'Failed', 'Evicted'),
    finished('running', '2026-01-01T00:00:00Z', 'Running'),
    finished('pending', '2026-01-01T00:00:00Z', 'Pending'),
  ];
  const names = (threshold: number) => terminatedPodsToDelete(pods, threshold).map((p) => p.metadata?.name);
  assert.deepEqual(names(1), ['evicted', 'a-old', 'b-old']);
  assert.deepEqual(names(3), ['evicted']);
  assert.deepEqual(names(4), []);
  assert.deepEqual(names(0), [], '0 turns the threshold off, as in Kubernetes');
  assert.equal(DEFAULT_TERMINATED_POD_GC_THRESHOLD, 12_500);
});

test('with more finished pods than --terminated-pod-gc-threshold the oldest go on the next sweep; running pods stay', async () => {
  const addFinished = async (name: string, phase: string) => {
    const p = await cluster.client.create(resources.pods, 'default', pod(name, ''));
    await cluster.client.updateStatus(resources.pods, { ...p, status: { phase } });
  };
  await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'busy-node' } });
  const onNode = async (name: string, phase: string) => {
    const p = await cluster.client.create(resources.pods, 'default', pod(name, 'busy-node'));
    await cluster.client.updateStatus(resources.pods, { ...p, status: { phase } });
  };
  await onNode('gc-oldest', 'Succeeded');
  // creationTimestamp has whole seconds: the next pods are younger.
  await new Promise((r) => setTimeout(r, 1100));
  await onNode('gc-a', 'Failed');
  await addFinished('gc-b', 'Succeeded');
  await onNode('gc-running', 'Running');
  const lateFactory = new InformerFactory(cluster.client);
  const limited = new PodGarbageCollector(cluster.client, lateFactory, cluster.logger, { sweepIntervalMs: 100, terminatedPodThreshold: 2 });
  lateFactory.start();
  limited.run(1);
  try {
    await eventually('the oldest finished pod to be deleted', async () => !(await cluster.tryGet(resources.pods, 'default', 'gc-oldest')));
    await new Promise((r) => setTimeout(r, 300));
    for (const name of ['gc-a', 'gc-b', 'gc-running']) assert.ok(await cluster.tryGet(resources.pods, 'default', name), `${name} stays`);
  } finally {
    await limited.stop();
    await lateFactory.stop();
    for (const name of ['gc-a', 'gc-b', 'gc-running'])
      await cluster.client.delete(resources.pods, 'default', name, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
});
