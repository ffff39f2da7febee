import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { NodeIpamController } from './node-ipam-controller.ts';

let cluster: InProcessCluster;

before(async () => {
  cluster = await startInProcessCluster();
});

after(async () => {
  await cluster.stop();
});

async function withController<T>(fn: () => Promise<T>): Promise<T> {
  const factory = new InformerFactory(cluster.client);
  // A /22 cut into /24s: four node ranges, so exhaustion is easy to reach.
  const ipam = new NodeIpamController(cluster.client, factory, cluster.logger, { clusterCidr: '10.77.0.0/22', exhaustedRetryMs: 100 });
  factory.start();
  ipam.run(2);
  try {
    return await fn();
  } finally {
    await ipam.stop();
    await factory.stop();
  }
}

const podCidr = async (name: string) => (await cluster.tryGet(resources.nodes, undefined, name))?.spec?.podCIDR as string | undefined;

test('each node gets its own range; a deleted node frees it; exhaustion is an event', async () => {
  // A node that already holds a range (from an earlier leader) keeps it and is not handed out again.
  await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'old' }, spec: { podCIDR: '10.77.0.0/24' } });
  await withController(async () => {
    for (const name of ['a', 'b', 'c']) await cluster.client.create(resources.nodes, undefined, { metadata: { name } });
    const ranges = await eventually('three ranges', async () => {
      const got = await Promise.all(['a', 'b', 'c'].map(podCidr));
      return got.every(Boolean) && got;
    });
    assert.deepEqual([...ranges].sort(), ['10.77.1.0/24', '10.77.2.0/24', '10.77.3.0/24']);
    const a = await cluster.client.get(resources.nodes, undefined, 'a');
    assert.deepEqual(a.spec?.podCIDRs, [a.spec?.podCIDR]);

    await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'd' } });
    await eventually('a CIDRNotAvailable event for d', async () => {
      const events = await cluster.client.list(resources.events, 'default');
      return events.items.some((e) => e.reason === 'CIDRNotAvailable' && e.involvedObject?.name === 'd');
    });
    assert.equal(await podCidr('d'), undefined);

    const freed = await podCidr('b');
    await cluster.client.delete(resources.nodes, undefined, 'b');
    assert.equal(await eventually('d to get the freed range', () => podCidr('d')), freed);
  });
  for (const name of ['old', 'a', 'c', 'd']) await cluster.client.delete(resources.nodes, undefined, name);
});

test('a range set at creation is kept and taken; one another Node holds too is reported', async () => {
  await withController(async () => {
    // An agent re-creating its deleted Node with the range its pods use.
    await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'keep' }, spec: { podCIDR: '10.77.2.0/24' } });
    await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'fresh' } });
    assert.equal(await eventually('fresh to get a range', () => podCidr('fresh')), '10.77.0.0/24');
    assert.equal(await podCidr('keep'), '10.77.2.0/24');

    await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'twin' }, spec: { podCIDR: '10.77.2.0/24' } });
    await eventually('a CIDRAssignmentFailed event', async () => {
      const events = await cluster.client.list(resources.events, 'default');
      return events.items.some((e) => e.reason === 'CIDRAssignmentFailed' && e.type === 'Warning');
    });
  });
  for (const name of ['keep', 'fresh', 'twin']) await cluster.client.delete(resources.nodes, undefined, name);
});
