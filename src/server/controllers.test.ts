// The controller-manager against a real in-process API server (plain HTTP, memory store):
// garbage collection (background, foreground, orphan) and namespace deletion end to end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { KubeObject, ResourceType } from '../api/resource-type.ts';
import { TokenAuthenticator } from '../apiserver/auth.ts';
import { ApiServer } from '../apiserver/server.ts';
import { ApiError, isNotFound } from '../client/api-error.ts';
import type { ResourceDescriptor } from '../client/resource-path.ts';
import { resources } from '../client/resources.ts';
import { RestClient } from '../client/rest-client.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { ensureSystemNamespaces } from './bootstrap.ts';
import { type RunningControllers, startControllers } from './controllers.ts';

let api: ApiServer;
let store: MemoryStore;
let client: RestClient;
let controllers: RunningControllers;

/** All built-in kinds once they load; the core and apps groups are enough for these tests. */
async function servedResources(): Promise<ResourceType[]> {
  try {
    return (await import('../api/resources.ts')).builtinResources;
  } catch {
    const [core, apps] = await Promise.all([import('../api/kinds/core/index.ts'), import('../api/kinds/apps/index.ts')]);
    return [...core.coreResources, ...apps.appsResources];
  }
}

before(async () => {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const authenticator = new TokenAuthenticator();
  authenticator.add('test-token', { name: 'system:admin', groups: ['system:masters'] });
  store = new MemoryStore();
  api = new ApiServer({ store, resources: await servedResources(), authenticator, logger });
  const address = await api.listen(0, '127.0.0.1');
  // The controller-manager's leader-election Lease lives in kube-system.
  await ensureSystemNamespaces(api.registry);
  client = new RestClient({ server: `http://127.0.0.1:${address.port}`, token: 'test-token' });
  controllers = await startControllers(client, logger, {
    namespace: { recheckMs: 20 },
    garbageCollector: { rediscoverMs: 0 },
  });
  assert.equal(await controllers.synced, true);
});

after(async () => {
  await controllers.stop();
  client.close();
  await api.close();
  await store.close();
});

// ---- helpers ---------------------------------------------------------------------

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function tryGet(res: ResourceDescriptor, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(res, namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const gone = (res: ResourceDescriptor, namespace: string | undefined, name: string) =>
  eventually(`${res.plural} ${name} to be gone`, async () => ((await tryGet(res, namespace, name)) ? undefined : true));

async function namespace(name: string): Promise<void> {
  await client.create(resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

function replicaSet(name: string): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'busybox' }] } },
    },
  };
}

function ownedBy(owner: KubeObject, extra: Partial<Record<string, unknown>> = {}) {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata?.name,
    uid: owner.metadata?.uid,
    ...extra,
  };
}

async function configMap(ns: string, name: string, metadata: Record<string, unknown> = {}): Promise<KubeObject> {
  return client.create(resources.configMaps, ns, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...metadata },
    data: { k: 'v' },
  });
}

async function dropFinalizers(res: ResourceDescriptor, ns: string, name: string): Promise<void> {
  await client.patch(res, ns, name, { metadata: { finalizers: null } }, 'merge');
}

// ---- garbage collector -----------------------------------------------------------

test('background deletion: dependents of a deleted owner are collected, co-owned ones only lose the reference', async () => {
  await namespace('gc-background');
  const rs = await client.create(resources.replicaSets, 'gc-background', replicaSet('web'));
  const keeper = await configMap('gc-background', 'keeper');
  await configMap('gc-background', 'child-1', { ownerReferences: [ownedBy(rs, { controller: true, blockOwnerDeletion: true })] });
  await configMap('gc-background', 'child-2', { ownerReferences: [ownedBy(rs)] });
  await configMap('gc-background', 'shared', { ownerReferences: [ownedBy(rs), ownedBy(keeper)] });

  await client.delete(resources.replicaSets, 'gc-background', 'web');

  await gone(resources.configMaps, 'gc-background', 'child-1');
  await gone(resources.configMaps, 'gc-background', 'child-2');
  const shared = await eventually('the dangling reference to be dropped', async () => {
    const cm = await tryGet(resources.configMaps, 'gc-background', 'shared');
    return cm?.metadata?.ownerReferences?.length === 1 ? cm : undefined;
  });
  assert.equal(shared.metadata?.ownerReferences[0].uid, keeper.metadata?.uid);
});

test('a dependent whose owner never existed is collected; one with a live owner stays', async () => {
  await namespace('gc-dangling');
  const owner = await configMap('gc-dangling', 'owner');
  await configMap('gc-dangling', 'orphaned', {
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-4000-8000-000000000000' }],
  });
  await configMap('gc-dangling', 'owned', { ownerReferences: [ownedBy(owner)] });

  await gone(resources.configMaps, 'gc-dangling', 'orphaned');
  // A dependent created after the one that was collected is processed after it too.
  await configMap('gc-dangling', 'marker', {
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-4000-8000-000000000001' }],
  });
  await gone(resources.configMaps, 'gc-dangling', 'marker');
  assert.ok(await tryGet(resources.configMaps, 'gc-dangling', 'owned'), 'a dependent with a living owner must stay');
});

test('foreground deletion: the owner stays until its dependents are gone, then disappears', async () => {
  await namespace('gc-foreground');
  const rs = await client.create(resources.replicaSets, 'gc-foreground', replicaSet('web'));
  // The finalizer holds the dependent in deletion, so the owner must wait for it.
  await configMap('gc-foreground', 'held', {
    ownerReferences: [ownedBy(rs, { blockOwnerDeletion: true })],
    finalizers: ['example.com/hold'],
  });
  await configMap('gc-foreground', 'free', { ownerReferences: [ownedBy(rs, { blockOwnerDeletion: true })] });

  await client.delete(resources.replicaSets, 'gc-foreground', 'web', { propagationPolicy: 'Foreground' });

  await gone(resources.configMaps, 'gc-foreground', 'free');
  const held = await eventually('the held dependent to be marked for deletion', async () => {
    const cm = await tryGet(resources.configMaps, 'gc-foreground', 'held');
    return cm?.metadata?.deletionTimestamp ? cm : undefined;
  });
  assert.ok(held);
  const owner = await client.get(resources.replicaSets, 'gc-foreground', 'web');
  assert.ok(owner.metadata?.deletionTimestamp);
  assert.deepEqual(owner.metadata?.finalizers, ['foregroundDeletion']);

  await dropFinalizers(resources.configMaps, 'gc-foreground', 'held');
  await gone(resources.configMaps, 'gc-foreground', 'held');
  await gone(resources.replicaSets, 'gc-foreground', 'web');
});

test('foreground deletion cascades through several levels', async () => {
  await namespace('gc-chain');
  const rs = await client.create(resources.replicaSets, 'gc-chain', replicaSet('top'));
  const middle = await configMap('gc-chain', 'middle', { ownerReferences: [ownedBy(rs, { blockOwnerDeletion: true })] });
  await configMap('gc-chain', 'leaf', {
    ownerReferences: [ownedBy(middle, { blockOwnerDeletion: true })],
    finalizers: ['example.com/hold'],
  });

  await client.delete(resources.replicaSets, 'gc-chain', 'top', { propagationPolicy: 'Foreground' });

  await eventually('the leaf to be marked for deletion', async () =>
    (await tryGet(resources.configMaps, 'gc-chain', 'leaf'))?.metadata?.deletionTimestamp ? true : undefined,
  );
  // The middle object waits in the foreground for the leaf, and the top waits for the middle.
  const mid = await client.get(resources.configMaps, 'gc-chain', 'middle');
  assert.deepEqual(mid.metadata?.finalizers, ['foregroundDeletion']);
  assert.ok(await tryGet(resources.replicaSets, 'gc-chain', 'top'));

  await dropFinalizers(resources.configMaps, 'gc-chain', 'leaf');
  await gone(resources.replicaSets, 'gc-chain', 'top');
  assert.equal(await tryGet(resources.configMaps, 'gc-chain', 'middle'), undefined);
});

test('orphan deletion: dependents live on without the reference, the owner disappears', async () => {
  await namespace('gc-orphan');
  const rs = await client.create(resources.replicaSets, 'gc-orphan', replicaSet('web'));
  const other = await configMap('gc-orphan', 'other');
  await configMap('gc-orphan', 'child', { ownerReferences: [ownedBy(rs, { controller: true, blockOwnerDeletion: true })] });
  await configMap('gc-orphan', 'co-owned', { ownerReferences: [ownedBy(other), ownedBy(rs)] });

  await client.delete(resources.replicaSets, 'gc-orphan', 'web', { propagationPolicy: 'Orphan' });

  await gone(resources.replicaSets, 'gc-orphan', 'web');
  const child = await client.get(resources.configMaps, 'gc-orphan', 'child');
  assert.equal(child.metadata?.ownerReferences, undefined);
  const coOwned = await client.get(resources.configMaps, 'gc-orphan', 'co-owned');
  assert.deepEqual(
    coOwned.metadata?.ownerReferences.map((r: { uid: string }) => r.uid),
    [other.metadata?.uid],
  );
  // Orphaned for good: a dangling dependent created afterwards is collected while the child stays.
  await configMap('gc-orphan', 'marker', {
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-4000-8000-000000000002' }],
  });
  await gone(resources.configMaps, 'gc-orphan', 'marker');
  assert.ok(await tryGet(resources.configMaps, 'gc-orphan', 'child'));
});

// ---- namespace controller --------------------------------------------------------

test('deleting a namespace removes its content, refuses new content, then removes the namespace', async () => {
  await namespace('doomed');
  await configMap('doomed', 'a');
  await configMap('doomed', 'b');
  await client.create(resources.replicaSets, 'doomed', replicaSet('web'));
  await configMap('doomed', 'held', { finalizers: ['example.com/hold'] });
  await namespace('bystander');
  await configMap('bystander', 'a');

  await client.delete(resources.namespaces, undefined, 'doomed');

  await gone(resources.configMaps, 'doomed', 'a');
  await gone(resources.replicaSets, 'doomed', 'web');
  const ns = await eventually('the remaining content to be reported', async () => {
    const got = await client.get(resources.namespaces, undefined, 'doomed');
    const remaining = got.status?.conditions?.find((c: { type: string }) => c.type === 'NamespaceContentRemaining');
    return remaining?.status === 'True' ? got : undefined;
  });
  assert.equal(ns.status.phase, 'Terminating');
  const byType = Object.fromEntries(ns.status.conditions.map((c: { type: string; message: string }) => [c.type, c.message]));
  assert.equal(byType.NamespaceContentRemaining, 'Some resources are remaining: configmaps. has 1 resource instances');
  assert.equal(
    byType.NamespaceFinalizersRemaining,
    'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
  );
  assert.deepEqual(ns.spec.finalizers, ['kubernetes']);

  await assert.rejects(configMap('doomed', 'late'), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 403);
    assert.match(err.message, /unable to create new content in namespace doomed because it is being terminated/);
    return true;
  });

  await dropFinalizers(resources.configMaps, 'doomed', 'held');
  await gone(resources.namespaces, undefined, 'doomed');
  assert.ok(await tryGet(resources.configMaps, 'bystander', 'a'), 'other namespaces are untouched');
});

test('an empty namespace is removed promptly', async () => {
  await namespace('empty');
  await client.delete(resources.namespaces, undefined, 'empty');
  await gone(resources.namespaces, undefined, 'empty');
});
