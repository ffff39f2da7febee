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

async function eventsOf(uid: string) {
  return (await cluster.client.list(resources.events, 'default', { fieldSelector: `involvedObject.uid=${uid}` })).items;
}

test('a source may record 25 events about an object, then the rest are dropped (client-go spam filter)', async () => {
  const cm = await cluster.client.create(resources.configMaps, 'default', { metadata: { name: 'spammed' } });
  const other = await cluster.client.create(resources.configMaps, 'default', { metadata: { name: 'quiet' } });
  const recorder = new EventRecorder(cluster.client, 'test-controller');
  for (let i = 0; i < 30; i++) await recorder.event(cm, 'Normal', `Reason${i}`, `event ${i}`);
  await recorder.event(other, 'Normal', 'Reason', 'about another object');
  assert.equal((await eventsOf(cm.metadata!.uid!)).length, 25);
  assert.equal((await eventsOf(other.metadata!.uid!)).length, 1);
});

test('repeats take from the same budget: a crashlooping container stops raising the count after 25', async () => {
  const cm = await cluster.client.create(resources.configMaps, 'default', { metadata: { name: 'backoff' } });
  const recorder = new EventRecorder(cluster.client, 'test-controller');
  for (let i = 0; i < 30; i++) await recorder.event(cm, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await recorder.event(cm, 'Normal', 'Other', 'dropped too');
  const events = await eventsOf(cm.metadata!.uid!);
  assert.equal(events.length, 1);
  assert.equal(events[0].count, 25);
});

test('from the tenth similar event with another message, they are combined into one Event', async () => {
  const cm = await cluster.client.create(resources.configMaps, 'default', { metadata: { name: 'similar' } });
  const recorder = new EventRecorder(cluster.client, 'test-controller');
  for (let i = 1; i <= 12; i++) await recorder.event(cm, 'Warning', 'FailedMount', `volume ${i} failed`);
  const events = await eventsOf(cm.metadata!.uid!);
  assert.equal(events.length, 10);
  const combined = events.filter((e) => e.message.startsWith('(combined'));
  assert.equal(combined.length, 1);
  assert.equal(combined[0].message, '(combined from similar events): volume 12 failed');
  assert.equal(combined[0].count, 3);
  assert.equal(combined[0].reason, 'FailedMount');
  assert.deepEqual(
    events.filter((e) => e !== combined[0]).map((e) => e.message),
    Array.from({ length: 9 }, (_, i) => `volume ${i + 1} failed`),
  );
});
