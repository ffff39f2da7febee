// The collector's decisions and patches, and its live check of owners it has not seen
// (the end-to-end cascades are in src/server/controllers.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { pino } from 'pino';
import { appsResources } from '../api/kinds/apps/index.ts';
import { coreResources } from '../api/kinds/core/index.ts';
import type { KubeObject } from '../api/resource-type.ts';
import { TokenAuthenticator } from '../apiserver/auth.ts';
import { ApiServer } from '../apiserver/server.ts';
import { isNotFound } from '../client/api-error.ts';
import { InformerFactory } from '../client/informer-factory.ts';
import { resources } from '../client/resources.ts';
import { RestClient } from '../client/rest-client.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { discoverResources } from './discovery-resources.ts';
import { decideForDependent, GarbageCollector, type OwnerReference, ownerRefPatch } from './garbage-collector.ts';

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: uid,
  uid,
  ...extra,
});

const dependent = (refs: OwnerReference[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'dep', namespace: 'default', uid: 'dep-uid', ownerReferences: refs },
});

const apply = (obj: KubeObject, ops: object[]) => jsonpatch.applyPatch(structuredClone(obj), ops as Operation[], true, false).newDocument;

test('a dependent with no living owner is deleted; in the foreground when an owner waits for it', () => {
  assert.deepEqual(decideForDependent([ref('a')], ['absent']), { action: 'delete', anyWaiting: false });
  assert.deepEqual(decideForDependent([ref('a'), ref('b')], ['absent', 'waiting']), { action: 'delete', anyWaiting: true });
});

test('a dependent with one living owner stays, dropping gone owners and unblocking waiting ones', () => {
  const refs = [
    ref('gone'),
    ref('alive'),
    ref('waiting', { blockOwnerDeletion: true }),
    ref('waiting-unblocked', { blockOwnerDeletion: false }),
  ];
  assert.deepEqual(decideForDependent(refs, ['absent', 'solid', 'waiting', 'waiting']), {
    action: 'keep',
    removeUids: ['gone'],
    unblockUids: ['waiting'],
  });
  assert.deepEqual(decideForDependent([ref('alive')], ['solid']), { action: 'keep', removeUids: [], unblockUids: [] });
});

test('ownerRefPatch removes references by index from the end, guarded by uid tests', () => {
  const obj = dependent([ref('a'), ref('b'), ref('c'), ref('d')]);
  const patched = apply(obj, ownerRefPatch(obj, ['a', 'c'], ['d']));
  assert.deepEqual(
    patched.metadata!.ownerReferences.map((r: OwnerReference) => [r.uid, r.blockOwnerDeletion]),
    [
      ['b', undefined],
      ['d', false],
    ],
  );
});

test('ownerRefPatch removes the whole list when no reference is left', () => {
  const obj = dependent([ref('a'), ref('b')]);
  const patched = apply(obj, ownerRefPatch(obj, ['a', 'b'], []));
  assert.equal('ownerReferences' in patched.metadata!, false);
});

test('ownerRefPatch fails instead of removing the wrong reference when the object changed', () => {
  const seen = dependent([ref('a'), ref('b')]);
  const ops = ownerRefPatch(seen, ['b'], []);
  const changedSince = dependent([ref('b'), ref('a')]);
  assert.throws(() => apply(changedSince, ops));
  const replaced = { ...seen, metadata: { ...seen.metadata, uid: 'another-uid' } };
  assert.throws(() => apply(replaced, ops));
});

test('ownerRefPatch is empty when there is nothing to change', () => {
  assert.deepEqual(ownerRefPatch(dependent([ref('a')]), [], []), []);
});

// ---- against a real API server -----------------------------------------------------

/** An API server on a memory store and a running collector against it, stopped after the test. */
async function startCollector(
  t: { after(fn: () => Promise<void>): void },
  opts: (client: RestClient) => ConstructorParameters<typeof GarbageCollector>[3],
): Promise<RestClient> {
  const logger = pino({ level: 'silent' });
  const authenticator = new TokenAuthenticator();
  authenticator.add('t', { name: 'admin', groups: [] });
  const store = new MemoryStore();
  const api = new ApiServer({ store, resources: [...coreResources, ...appsResources], authenticator, logger });
  const { port } = await api.listen(0, '127.0.0.1');
  const client = new RestClient({ server: `http://127.0.0.1:${port}`, token: 't' });
  const factory = new InformerFactory(client);
  const gc = new GarbageCollector(client, factory, logger, opts(client));
  t.after(async () => {
    await gc.stop();
    await factory.stop();
    client.close();
    await api.close();
    await store.close();
  });
  await gc.start();
  factory.start();
  assert.ok(await factory.waitForSync());
  gc.run();
  return client;
}

test('an owner the cache has not seen is confirmed with a live read before its dependent is judged', async (t) => {
  // ReplicaSets are known by kind but not watched: the collector can only learn about them by asking.
  const client = await startCollector(t, (c) => ({
    discover: async () =>
      (await discoverResources(c)).map((r) => (r.plural === 'replicasets' ? { ...r, verbs: r.verbs.filter((v) => v !== 'watch') } : r)),
    rediscoverMs: 0,
  }));

  await client.create(resources.namespaces, undefined, { metadata: { name: 'live' } });
  const labels = { app: 'web' };
  const rs = await client.create(resources.replicaSets, 'live', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web' },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    },
  });
  const ownerRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid };
  const danglingRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-4000-8000-000000000009' };
  await client.create(resources.configMaps, 'live', { metadata: { name: 'owned', ownerReferences: [ownerRef] } });
  // Collected after "owned" was judged: once it is gone, "owned" has had its turn.
  await client.create(resources.configMaps, 'live', { metadata: { name: 'marker', ownerReferences: [danglingRef] } });

  const exists = async (name: string) =>
    client.get(resources.configMaps, 'live', name).then(
      () => true,
      (err) => (isNotFound(err) ? false : Promise.reject(err)),
    );
  const waitGone = async (name: string) => {
    for (let i = 0; i < 500 && (await exists(name)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await exists(name), false, `${name} should have been collected`);
  };
  await waitGone('marker');
  assert.equal(await exists('owned'), true, 'a dependent of a living owner must stay');

  // The owner goes; the collector hears nothing of it until the dependent changes.
  await client.delete(resources.replicaSets, 'live', 'web');
  await client.patch(resources.configMaps, 'live', 'owned', { metadata: { ownerReferences: [ownerRef, danglingRef] } }, 'merge');
  await waitGone('owned');
});

test('an owner in another namespace counts as absent and is reported as OwnerRefInvalidNamespace, as are coordinates that do not match', async (t) => {
  const client = await startCollector(t, () => ({ rediscoverMs: 0 }));

  for (const name of ['a', 'b', 'default']) await client.create(resources.namespaces, undefined, { metadata: { name } });
  const owner = await client.create(resources.configMaps, 'a', { metadata: { name: 'owner' } });
  const uid = owner.metadata?.uid;
  const ownerRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid };
  await client.create(resources.configMaps, 'b', { metadata: { name: 'elsewhere', ownerReferences: [ownerRef] } });
  await client.create(resources.configMaps, 'a', { metadata: { name: 'wrong-name', ownerReferences: [{ ...ownerRef, name: 'other' }] } });
  await client.create(resources.configMaps, 'a', { metadata: { name: 'wrong-kind', ownerReferences: [{ ...ownerRef, kind: 'Secret' }] } });
  await client.create(resources.configMaps, 'a', { metadata: { name: 'right', ownerReferences: [ownerRef] } });
  // A cluster-scoped dependent of a namespaced owner cannot be judged: it stays, reported.
  await client.create(resources.namespaces, undefined, { metadata: { name: 'cluster-dep', ownerReferences: [ownerRef] } });

  const exists = async (ns: string, name: string) =>
    client.get(resources.configMaps, ns, name).then(
      () => true,
      (err) => (isNotFound(err) ? false : Promise.reject(err)),
    );
  const eventsIn = async (ns: string) =>
    ((await client.list(resources.events, ns)).items ?? []).filter((e: KubeObject) => e.reason === 'OwnerRefInvalidNamespace');
  for (let i = 0; i < 500; i++) {
    const gone = !(await exists('b', 'elsewhere')) && !(await exists('a', 'wrong-name')) && !(await exists('a', 'wrong-kind'));
    if (gone && (await eventsIn('b')).length && (await eventsIn('default')).length) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(await exists('b', 'elsewhere'), false, 'an owner in another namespace does not keep its dependent');
  assert.equal(await exists('a', 'wrong-name'), false, 'a reference whose name does not match the uid is dangling');
  assert.equal(await exists('a', 'wrong-kind'), false, 'a reference whose kind does not match the uid is dangling');
  assert.equal(await exists('a', 'right'), true);
  assert.ok(await client.get(resources.namespaces, undefined, 'cluster-dep'));

  const [inB] = await eventsIn('b');
  assert.equal(inB?.type, 'Warning');
  assert.equal(inB?.message, `ownerRef [v1/ConfigMap, namespace: b, name: owner, uid: ${uid}] does not exist in namespace "b"`);
  assert.equal(inB?.source?.component, 'garbage-collector-controller');
  assert.deepEqual([inB?.involvedObject?.kind, inB?.involvedObject?.namespace, inB?.involvedObject?.name], ['ConfigMap', 'b', 'elsewhere']);
  const [inDefault] = await eventsIn('default');
  assert.equal(inDefault?.message, `ownerRef [v1/ConfigMap, namespace: , name: owner, uid: ${uid}] does not exist in namespace ""`);
  assert.deepEqual([inDefault?.involvedObject?.kind, inDefault?.involvedObject?.name], ['Namespace', 'cluster-dep']);
  assert.equal((await eventsIn('a')).length, 0, 'mismatched coordinates in the same namespace are not reported');
});
