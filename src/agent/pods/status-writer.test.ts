import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { mergePodStatus, PodStatusWriter } from './status-writer.ts';

let cluster: InProcessCluster;
before(async () => {
  cluster = await startInProcessCluster();
});
after(async () => {
  await cluster.stop();
});

/** Counts status writes going through the real client. */
function countingClient(): { client: RestClient; writes: () => number } {
  let writes = 0;
  const client = Object.create(cluster.client) as RestClient;
  client.updateStatus = (res, obj, opts) => {
    writes++;
    return cluster.client.updateStatus(res, obj, opts);
  };
  return { client, writes: () => writes };
}

async function newPod(name: string) {
  return cluster.client.create(resources.pods, 'default', {
    metadata: { name },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', command: ['x'] }] },
  });
}

test('rapid status changes are coalesced: one write in flight, then the newest status', async () => {
  const pod = await newPod('coalesce');
  const { client, writes } = countingClient();
  const writer = new PodStatusWriter(client);
  for (let i = 0; i < 20; i++) writer.set(pod, { phase: 'Pending', message: `step ${i}` });
  await writer.flush(pod.metadata!.uid);
  assert.equal(writes(), 2, 'the first write, then one carrying the latest status');
  const stored = await cluster.client.get(resources.pods, 'default', 'coalesce');
  assert.equal(stored.status.message, 'step 19');

  // An unchanged status is not written again.
  writer.set(pod, { phase: 'Pending', message: 'step 19' });
  await writer.flush(pod.metadata!.uid);
  assert.equal(writes(), 2);
  await writer.stop();
});

test('a conflict is retried on a fresh copy, keeping fields written by others', async () => {
  const pod = await newPod('conflict');
  // Someone else changes the status after the writer's copy was taken.
  await cluster.client.updateStatus(resources.pods, {
    ...pod,
    status: { ...pod.status, conditions: [{ type: 'example.com/gate', status: 'True' }] },
  });
  const writer = new PodStatusWriter(cluster.client);
  writer.set(pod, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
  await writer.flush(pod.metadata!.uid);
  const stored = await cluster.client.get(resources.pods, 'default', 'conflict');
  assert.equal(stored.status.phase, 'Running');
  assert.deepEqual(
    stored.status.conditions.map((c: any) => c.type),
    ['example.com/gate', 'Ready'],
  );
  await writer.stop();
});

test('merging keeps the transition time of a condition whose status did not change', () => {
  const old = {
    conditions: [
      { type: 'Ready', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z' },
      { type: 'ContainersReady', status: 'False', lastTransitionTime: '2020-01-01T00:00:00Z' },
    ],
  };
  const merged = mergePodStatus(
    old,
    {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
      ],
    },
    new Date('2026-05-05T05:05:05.123Z'),
  );
  assert.equal(merged.conditions[0].lastTransitionTime, '2020-01-01T00:00:00Z');
  assert.equal(merged.conditions[1].lastTransitionTime, '2026-05-05T05:05:05Z');
});
