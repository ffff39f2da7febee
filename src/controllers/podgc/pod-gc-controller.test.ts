import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { PodGarbageCollector } from './pod-gc-controller.ts';

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
