import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { InformerFactory } from '../client/informer-factory.ts';
import { resources } from '../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { createNode as createNodeVia, type NodeSpec } from './plugins/fixtures.ts';
import { Scheduler } from './scheduler.ts';

let cluster: InProcessCluster;
let informers: InformerFactory;
let scheduler: Scheduler;

before(async () => {
  cluster = await startInProcessCluster();
  informers = new InformerFactory(cluster.client);
  // Short back-off keeps retries quick in tests.
  scheduler = new Scheduler(cluster.client, informers, cluster.logger, { initialBackoffMs: 10, maxBackoffMs: 50 });
  informers.start();
  scheduler.run();
});
after(async () => {
  await scheduler.stop();
  await informers.stop();
  await cluster.stop();
});

const createNode = (n: NodeSpec) => createNodeVia(cluster.client, n);

async function createPod(
  namespace: string,
  name: string,
  opts: { cpu?: string; labels?: Record<string, string>; owner?: KubeObject; spec?: object } = {},
) {
  return cluster.client.create(resources.pods, namespace, {
    metadata: {
      name,
      labels: opts.labels,
      ownerReferences: opts.owner
        ? [{ apiVersion: 'v1', kind: 'ConfigMap', name: opts.owner.metadata!.name, uid: opts.owner.metadata!.uid, controller: true }]
        : undefined,
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: opts.cpu ? { cpu: opts.cpu } : {} } }],
      ...(opts.spec ?? {}),
    },
  });
}

const boundNode = (namespace: string, name: string) =>
  eventually(
    `${name} to be bound`,
    async () => (await cluster.tryGet(resources.pods, namespace, name))?.spec?.nodeName as string | undefined,
  );

async function eventsFor(namespace: string, name: string, reason: string) {
  const list = await cluster.client.list(resources.events, namespace, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.reason === reason);
}

test('pods are bound to a node that fits, with a Scheduled event and PodScheduled=True', async () => {
  await cluster.createNamespace('basic');
  await createNode({ name: 'basic-small', cpu: '1', labels: { pool: 'basic' } });
  await createNode({ name: 'basic-big', cpu: '8', labels: { pool: 'basic' } });
  await createPod('basic', 'web-1', { cpu: '2', spec: { nodeSelector: { pool: 'basic' } } });
  assert.equal(await boundNode('basic', 'web-1'), 'basic-big');
  const pod = await cluster.client.get(resources.pods, 'basic', 'web-1');
  assert.equal(pod.status.conditions.find((c: any) => c.type === 'PodScheduled')?.status, 'True');
  const event = await eventually('Scheduled event', async () => (await eventsFor('basic', 'web-1', 'Scheduled'))[0]);
  assert.equal(event.message, 'Successfully assigned basic/web-1 to basic-big');
  assert.equal(event.source.component, 'default-scheduler');
});

test('an unschedulable pod gets FailedScheduling and PodScheduled=False, and is placed once a node appears', async () => {
  await cluster.createNamespace('waiting');
  await createPod('waiting', 'needs-gpu-pool', { spec: { nodeSelector: { pool: 'gpu' } } });
  const pending = await eventually('PodScheduled=False', async () => {
    const pod = await cluster.client.get(resources.pods, 'waiting', 'needs-gpu-pool');
    return pod.status.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False');
  });
  assert.equal(pending.reason, 'Unschedulable');
  assert.match(
    pending.message,
    /^0\/\d+ nodes are available: \d+ node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/\d+ nodes are available: \d+ Preemption is not helpful for scheduling\.$/,
  );
  const event = await eventually(
    'FailedScheduling event',
    async () => (await eventsFor('waiting', 'needs-gpu-pool', 'FailedScheduling'))[0],
  );
  assert.equal(event.type, 'Warning');
  assert.equal(event.message, pending.message);
  await createNode({ name: 'gpu-1', labels: { pool: 'gpu' } });
  assert.equal(await boundNode('waiting', 'needs-gpu-pool'), 'gpu-1');
});

test('the message counts every node: affinity mismatches and insufficient cpu', async () => {
  await cluster.createNamespace('tight');
  // Every node in the cluster either lacks the label or is too small.
  await createNode({ name: 'tight-1', cpu: '1', labels: { pool: 'tight' } });
  await createPod('tight', 'too-big', { cpu: '2', spec: { nodeSelector: { pool: 'tight' } } });
  const message = await eventually('FailedScheduling', async () => (await eventsFor('tight', 'too-big', 'FailedScheduling'))[0]?.message);
  const total = (await cluster.client.list(resources.nodes)).items.length;
  assert.equal(
    message,
    `0/${total} nodes are available: 1 Insufficient cpu, ${total - 1} node(s) didn't match Pod's node affinity/selector. ` +
      // 1.33's NodeResourcesFit says Unschedulable even for more than the node has.
      `preemption: 0/${total} nodes are available: 1 No preemption victims found for incoming pod, ${total - 1} Preemption is not helpful for scheduling.`,
  );
});

test('replicas of one owner spread over the nodes', async () => {
  await cluster.createNamespace('spread');
  for (const name of ['spread-1', 'spread-2', 'spread-3']) await createNode({ name, labels: { pool: 'spread' } });
  await eventually('nodes in the scheduler cache', async () => scheduler.cache.nodeInfo('spread-3')?.node);
  const owner = await cluster.client.create(resources.configMaps, 'spread', { metadata: { name: 'owner' } });
  for (let i = 0; i < 3; i++) await createPod('spread', `replica-${i}`, { owner, cpu: '100m', spec: { nodeSelector: { pool: 'spread' } } });
  const nodes = await Promise.all([0, 1, 2].map((i) => boundNode('spread', `replica-${i}`)));
  assert.deepEqual(nodes.sort(), ['spread-1', 'spread-2', 'spread-3']);
});

test('a deleted pod frees its resources for a pending one', async () => {
  await cluster.createNamespace('free');
  await createNode({ name: 'free-1', cpu: '1', labels: { pool: 'free' } });
  await createPod('free', 'holder', { cpu: '800m', spec: { nodeSelector: { pool: 'free' } } });
  assert.equal(await boundNode('free', 'holder'), 'free-1');
  await createPod('free', 'waiter', { cpu: '800m', spec: { nodeSelector: { pool: 'free' } } });
  await eventually('waiter unschedulable', async () => (await eventsFor('free', 'waiter', 'FailedScheduling')).length > 0);
  await cluster.client.delete(resources.pods, 'free', 'holder', { gracePeriodSeconds: 0 });
  assert.equal(await boundNode('free', 'waiter'), 'free-1');
});

test('pods for another scheduler are left alone', async () => {
  await cluster.createNamespace('other');
  await createPod('other', 'custom', { spec: { schedulerName: 'my-scheduler' } });
  await createPod('other', 'mine');
  await boundNode('other', 'mine');
  const custom = await cluster.client.get(resources.pods, 'other', 'custom');
  assert.equal(custom.spec.nodeName, undefined);
  assert.equal(custom.status.conditions, undefined);
});
