import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { inRequestSlot, withConcurrencyLimit } from '../limited-client.ts';
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

test('a kept status is written before the statuses asked for after it, which do not replace it', async () => {
  const pod = await newPod('kept');
  const messages: string[] = [];
  const client = Object.create(cluster.client) as RestClient;
  client.updateStatus = (res, obj, opts) => {
    messages.push(obj.status.message);
    return cluster.client.updateStatus(res, obj, opts);
  };
  const writer = new PodStatusWriter(client);
  writer.set(pod, { phase: 'Running', message: 'running' });
  // While that write is in flight: the crash (kept), then the restart and what follows it.
  writer.set(pod, { phase: 'Running', message: 'pending, replaced by the crash' });
  writer.set(pod, { phase: 'Running', message: 'crashed' }, { keep: true });
  writer.set(pod, { phase: 'Running', message: 'restarted' });
  writer.set(pod, { phase: 'Running', message: 'restarted and ready' });
  await writer.flush(pod.metadata!.uid);
  assert.deepEqual(messages, ['running', 'crashed', 'restarted and ready']);

  // A kept status waiting for its slot is replaced only by a newer kept one.
  const gated = withConcurrencyLimit(client, 1);
  let release!: () => void;
  const busy = inRequestSlot(gated, () => new Promise<void>((resolve) => (release = resolve)));
  const waiting = new PodStatusWriter(gated);
  const written = writer.latest(pod.metadata!.uid)!;
  waiting.set(written, { phase: 'Running', message: 'first crash' }, { keep: true });
  waiting.set(written, { phase: 'Running', message: 'second crash' }, { keep: true });
  waiting.set(written, { phase: 'Running', message: 'back off' });
  release();
  await busy;
  await waiting.flush(pod.metadata!.uid);
  assert.deepEqual(messages.slice(3), ['second crash', 'back off']);
  await writer.stop();
  await waiting.stop();
});

test('a status asked for while the write waits for a request slot goes out in the same write', async () => {
  const pod = await newPod('slot');
  const { client, writes } = countingClient();
  const gated = withConcurrencyLimit(client, 1);
  let release!: () => void;
  const busy = inRequestSlot(gated, () => new Promise<void>((resolve) => (release = resolve)));
  const writer = new PodStatusWriter(gated);
  writer.set(pod, { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] });
  writer.set(pod, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
  await new Promise((r) => setImmediate(r));
  assert.equal(writes(), 0, 'the write waits for the slot');
  release();
  await busy;
  await writer.flush(pod.metadata!.uid);
  assert.equal(writes(), 1);
  const stored = await cluster.client.get(resources.pods, 'default', 'slot');
  assert.equal(stored.status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'True');
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

test('after a failed write the pod is read again: a change made meanwhile by others is not mistaken for ours', async () => {
  const pod = await newPod('outage');
  const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  const writer = new PodStatusWriter(cluster.client, undefined, { retryDelayMs: 10 });
  writer.set(pod, ready);
  await writer.flush(pod.metadata!.uid);

  // The API becomes unreachable for one write; meanwhile the node-lifecycle controller marks
  // the pod not ready, and the agent's own view returns to Ready before the retry.
  let failed = false;
  const client = Object.create(cluster.client) as RestClient;
  client.updateStatus = async (res, obj, opts) => {
    if (failed) return cluster.client.updateStatus(res, obj, opts);
    failed = true;
    const current = await cluster.client.get(resources.pods, 'default', 'outage');
    await cluster.client.updateStatus(resources.pods, {
      ...current,
      status: { ...current.status, conditions: [{ type: 'Ready', status: 'False', reason: 'NodeNotReady' }] },
    });
    flaky.set(pod, ready);
    throw new Error('connect ETIMEDOUT');
  };
  const flaky = new PodStatusWriter(client, undefined, { retryDelayMs: 10 });
  flaky.observe(writer.latest(pod.metadata!.uid)!);
  flaky.set(writer.latest(pod.metadata!.uid)!, { ...ready, message: 'briefly different' });
  await flaky.flush(pod.metadata!.uid);
  const stored = await cluster.client.get(resources.pods, 'default', 'outage');
  assert.equal(stored.status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  await writer.stop();
  await flaky.stop();
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
