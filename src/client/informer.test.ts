import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { indexByField } from './indexer.ts';
import { clone, Informer, type InformerOptions } from './informer.ts';
import { InformerFactory } from './informer-factory.ts';
import { resources } from './resources.ts';
import { RestClient } from './rest-client.ts';
import { FakeKubeServer } from './testing/fake-kube-server.ts';
import { eventually } from './testing/wait.ts';

const PODS = '/api/v1/pods';
let server: FakeKubeServer;
let client: RestClient;
const running: Informer<any>[] = [];

before(async () => {
  server = await new FakeKubeServer().start();
  client = new RestClient({ server: server.url });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
});
after(async () => {
  client.close();
  await server.close();
});

const pod = (ns: string, name: string, nodeName = '', extra: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name, namespace: ns },
  spec: { nodeName },
  ...extra,
});

/** Starts an informer on pods of one namespace and records what its handlers see. */
function startInformer(ns: string, opts: InformerOptions = {}) {
  const informer = new Informer(client, resources.pods, {
    namespace: ns,
    indexers: { byNode: indexByField('spec.nodeName') },
    backoff: { initialMs: 1, maxMs: 5, jitter: 0 },
    minWatchDurationMs: 0,
    ...opts,
  });
  const log: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => log.push(`add ${o.metadata?.name}`),
    onUpdate: (a, b) => log.push(`update ${a.metadata?.name} ${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`),
    onDelete: (o) => log.push(`delete ${o.metadata?.name}`),
  });
  running.push(informer);
  informer.start();
  return { informer, log };
}

const watchesFor = (ns: string) => server.watchRequests().filter((r) => r.path === `/api/v1/namespaces/${ns}/pods`);
const listsFor = (ns: string) => server.listRequests().filter((r) => r.path === `/api/v1/namespaces/${ns}/pods`);

test('lists, syncs, then follows watch events into an indexed cache', async () => {
  server.put(PODS, pod('sync', 'a', 'n1'));
  server.put(PODS, pod('sync', 'b', 'n2'));
  server.put(PODS, pod('other', 'x', 'n1'));
  const { informer, log } = startInformer('sync');
  assert.equal(informer.hasSynced(), false);
  assert.equal(await informer.waitForSync(), true);
  assert.deepEqual(log, ['add a', 'add b']);
  assert.equal(listsFor('sync')[0].query.get('limit'), '500');

  await eventually(() => watchesFor('sync').length === 1, 'the watch to start');
  const watch = watchesFor('sync')[0];
  assert.equal(watch.query.get('resourceVersion'), informer.lastSyncResourceVersion());
  assert.equal(watch.query.get('allowWatchBookmarks'), 'true');
  const timeout = Number(watch.query.get('timeoutSeconds'));
  assert.ok(timeout >= 300 && timeout <= 600, `timeoutSeconds ${timeout}`);

  const bBefore = informer.get('sync', 'b')!.metadata?.resourceVersion;
  server.put(PODS, pod('sync', 'c', 'n1'));
  const b2 = server.put(PODS, pod('sync', 'b', 'n1'));
  server.remove(PODS, 'sync', 'a');
  await eventually(() => log.length === 5, 'three watch events');
  assert.deepEqual(log.slice(2), ['add c', `update b ${bBefore}->${b2.metadata?.resourceVersion}`, 'delete a']);

  assert.deepEqual(informer.keys().sort(), ['sync/b', 'sync/c']);
  assert.deepEqual(
    informer
      .byIndex('byNode', 'n1')
      .map((p) => p.metadata?.name)
      .sort(),
    ['b', 'c'],
  );
  assert.deepEqual(informer.byIndex('byNode', 'n2'), []);
  assert.equal(informer.list('sync').length, 2);
  assert.equal(informer.get('sync', 'a'), undefined);
  assert.equal(informer.lastSyncResourceVersion(), String(server.resourceVersion));
});

test('an ended watch is resumed from the last seen resourceVersion without relisting', async () => {
  server.put(PODS, pod('resume', 'a'));
  const { informer, log } = startInformer('resume');
  await informer.waitForSync();
  await eventually(() => server.openWatches() === 1, 'watch open');
  server.put(PODS, pod('resume', 'b'));
  await eventually(() => log.length === 2, 'event b');
  server.sendBookmarks();
  const bookmarkRv = String(server.resourceVersion);
  server.put(PODS, pod('elsewhere', 'z')); // moves the global version without an event here
  server.sendBookmarks();
  await eventually(() => informer.lastSyncResourceVersion() === String(server.resourceVersion), 'bookmark applied');
  assert.notEqual(bookmarkRv, informer.lastSyncResourceVersion());

  server.endWatches();
  await eventually(() => watchesFor('resume').length === 2, 'a second watch');
  assert.equal(watchesFor('resume')[1].query.get('resourceVersion'), String(server.resourceVersion));
  assert.equal(listsFor('resume').length, 1);
  server.put(PODS, pod('resume', 'c'));
  await eventually(() => log.length === 3, 'event c on the new watch');
  assert.deepEqual(log, ['add a', 'add b', 'add c']);
});

async function relistScenario(ns: string, breakWatch: () => void) {
  server.put(PODS, pod(ns, 'stays'));
  server.put(PODS, pod(ns, 'changes'));
  server.put(PODS, pod(ns, 'goes'));
  const { informer, log } = startInformer(ns);
  await informer.waitForSync();
  await eventually(() => server.openWatches() === 1, 'watch open');
  const changesRv = informer.get(ns, 'changes')!.metadata?.resourceVersion;

  // While the informer is not watching, the world changes and history is lost.
  server.endWatches();
  server.put(PODS, pod(ns, 'changes', 'n9'));
  server.remove(PODS, ns, 'goes');
  server.put(PODS, pod(ns, 'arrives'));
  server.compact();
  breakWatch();

  await eventually(() => listsFor(ns).length === 2, 'a relist');
  await eventually(() => log.length === 6, 'synthesized events');
  const newRv = server.getObject(PODS, ns, 'changes')!.metadata?.resourceVersion;
  assert.deepEqual(log.slice(3).sort(), ['add arrives', 'delete goes', `update changes ${changesRv}->${newRv}`].sort());
  assert.deepEqual(informer.keys().sort(), [`${ns}/arrives`, `${ns}/changes`, `${ns}/stays`]);
  assert.equal(informer.get(ns, 'changes')!.spec.nodeName, 'n9');
  await eventually(() => server.openWatches() === 1, 'watching again');
}

test('410 Gone on the watch request triggers a relist that reconciles the cache', async () => {
  server.goneMode = 'http';
  await relistScenario('gone-http', () => {});
});

test('an ERROR event with code 410 triggers a relist', async () => {
  server.goneMode = 'event';
  try {
    await relistScenario('gone-event', () => {});
  } finally {
    server.goneMode = 'http';
  }
});

test('an expired watch mid-stream (ERROR 410 event) triggers a relist', async () => {
  const { informer, log } = startInformer('expire');
  await informer.waitForSync();
  await eventually(() => server.openWatches() === 1, 'watch open');
  server.put(PODS, pod('expire', 'a'));
  await eventually(() => log.length === 1, 'add a');
  server.expireWatches();
  await eventually(() => listsFor('expire').length === 2, 'a relist');
  assert.deepEqual(log, ['add a']);
});

test('a broken connection relists after back-off', async () => {
  const { informer, log } = startInformer('broken');
  await informer.waitForSync();
  await eventually(() => server.openWatches() === 1, 'watch open');
  server.breakWatches();
  server.put(PODS, pod('broken', 'while-down'));
  await eventually(() => listsFor('broken').length === 2, 'a relist');
  await eventually(() => log.includes('add while-down'), 'the missed object');
});

test('list failures are retried until the informer syncs', async () => {
  server.respondOnce((r) => r.path === '/api/v1/namespaces/flaky/pods', { code: 500, body: 'boom' });
  server.respondOnce((r) => r.path === '/api/v1/namespaces/flaky/pods', { code: 503, body: 'boom' });
  server.put(PODS, pod('flaky', 'a'));
  const { informer, log } = startInformer('flaky');
  assert.equal(await informer.waitForSync(), true);
  assert.equal(listsFor('flaky').length, 3);
  assert.deepEqual(log, ['add a']);
});

test('a watch that ends at once without events counts as a failure', async () => {
  const { informer } = startInformer('short', { minWatchDurationMs: 60_000 });
  await informer.waitForSync();
  await eventually(() => server.openWatches() === 1, 'watch open');
  server.endWatches();
  await eventually(() => listsFor('short').length === 2, 'a relist instead of a hot re-watch');
});

test('late handlers get the cached objects; a throwing handler does not stop delivery', async () => {
  server.put(PODS, pod('late', 'a'));
  const { informer, log } = startInformer('late');
  await informer.waitForSync();
  const lateSeen: string[] = [];
  informer.addEventHandler({ onAdd: (o) => lateSeen.push(o.metadata?.name) });
  assert.deepEqual(lateSeen, ['a']);
  informer.addEventHandler({
    onAdd: () => {
      throw new Error('handler bug');
    },
  });
  await eventually(() => server.openWatches() === 1, 'watch open');
  server.put(PODS, pod('late', 'b'));
  await eventually(() => log.length === 2 && lateSeen.length === 2, 'b delivered to all handlers');
});

test('resync re-delivers every cached object as an update', async () => {
  server.put(PODS, pod('resync', 'a'));
  const { informer, log } = startInformer('resync', { resyncPeriodMs: 5 });
  await informer.waitForSync();
  await eventually(() => log.filter((l) => l.startsWith('update a')).length >= 2, 'two resyncs');
  const rv = informer.get('resync', 'a')!.metadata?.resourceVersion;
  assert.ok(log.includes(`update a ${rv}->${rv}`));
});

test('stop closes the watch and waitForSync reports false when never synced', async () => {
  const { informer } = startInformer('stopping');
  await informer.waitForSync();
  await eventually(() => server.openWatches() === 1, 'watch open');
  await informer.stop();
  await eventually(() => server.openWatches() === 0, 'watch closed');

  const unreachable = new RestClient({ server: 'http://127.0.0.1:1' });
  const never = new Informer(unreachable, resources.pods, { backoff: { initialMs: 1, maxMs: 2 } });
  never.start();
  const waiting = never.waitForSync();
  await never.stop();
  assert.equal(await waiting, false);
  unreachable.close();
});

test('the factory shares one informer per resource and selection', async () => {
  server.put(PODS, pod('shared', 'a', 'n1'));
  const factory = new InformerFactory(client, { backoff: { initialMs: 1 } });
  const first = factory.informerFor(resources.pods, { namespace: 'shared' });
  const second = factory.informerFor(resources.pods, { namespace: 'shared', indexers: { node: indexByField('spec.nodeName') } });
  const other = factory.informerFor(resources.pods, { namespace: 'shared', fieldSelector: 'spec.nodeName=n2' });
  assert.equal(first, second);
  assert.notEqual(first, other);
  factory.start();
  const late = factory.informerFor(resources.nodes);
  assert.equal(await factory.waitForSync(), true);
  assert.equal(late.hasSynced(), true);
  assert.deepEqual(
    first.byIndex('node', 'n1').map((p) => p.metadata?.name),
    ['a'],
  );
  assert.equal(other.list().length, 0);
  const copy = clone(first.get('shared', 'a')!);
  copy.spec.nodeName = 'changed';
  assert.equal(first.get('shared', 'a')!.spec.nodeName, 'n1');
  await factory.stop();
});
