import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { EventRecorder } from './event-recorder.ts';

let cluster: InProcessCluster;
before(async () => {
  cluster = await startInProcessCluster();
});
after(async () => {
  await cluster.stop();
});

test('events are written once and repeats raise the count', async () => {
  const cm = await cluster.client.create(resources.configMaps, 'default', { metadata: { name: 'evented' } });
  const recorder = new EventRecorder(cluster.client, 'test-controller');
  await recorder.event(cm, 'Normal', 'Tested', 'first');
  await recorder.event(cm, 'Normal', 'Tested', 'first');
  await recorder.event(cm, 'Warning', 'Failed', 'second');
  const events = await eventually('events', async () => {
    const list = await cluster.client.list(resources.events, 'default', { fieldSelector: `involvedObject.uid=${cm.metadata!.uid}` });
    return list.items.length === 2 ? list.items : undefined;
  });
  const tested = events.find((e) => e.reason === 'Tested')!;
  assert.equal(tested.count, 2);
  assert.equal(tested.involvedObject.name, 'evented');
  assert.equal(tested.source.component, 'test-controller');
  assert.equal(events.find((e) => e.reason === 'Failed')!.type, 'Warning');
});

test('a repeat recorded while the first Event is still being created counts on it', async () => {
  const cm = await cluster.client.create(resources.configMaps, 'default', { metadata: { name: 'slow-events' } });
  // A client whose creates wait until released, as Events do behind a busy request lane.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const slow = Object.create(cluster.client) as typeof cluster.client;
  const create = cluster.client.create.bind(cluster.client);
  slow.create = (async (res, namespace, obj, opts) => {
    await released;
    return create(res, namespace, obj, opts);
  }) as typeof create;
  const recorder = new EventRecorder(slow, 'test-controller');
  const writes = [recorder.event(cm, 'Warning', 'Unhealthy', 'probe failed'), recorder.event(cm, 'Warning', 'Unhealthy', 'probe failed')];
  const third = recorder.event(cm, 'Warning', 'Unhealthy', 'probe failed');
  release();
  await Promise.all([...writes, third]);
  const list = await cluster.client.list(resources.events, 'default', { fieldSelector: `involvedObject.uid=${cm.metadata!.uid}` });
  assert.equal(list.items.length, 1, 'one Event, not one per repeat');
  assert.equal(list.items[0].count, 3);
});

test('Events are named after their object and the time, so that a list shows them in order', async () => {
  const cm = await cluster.client.create(resources.configMaps, 'default', { metadata: { name: 'ordered' } });
  const recorder = new EventRecorder(cluster.client, 'test-controller');
  const reasons = ['Scheduled', 'Pulled', 'Created', 'Started', 'Killing'];
  // Recorded in one go, as the agent does: all within the same second.
  await Promise.all(reasons.map((reason) => recorder.event(cm, 'Normal', reason, reason)));
  const list = await cluster.client.list(resources.events, 'default', { fieldSelector: `involvedObject.uid=${cm.metadata!.uid}` });
  assert.deepEqual(
    list.items.map((e) => e.reason),
    reasons,
  );
  for (const e of list.items) assert.match(e.metadata!.name!, /^ordered\.[0-9a-f]{16}$/);
});
