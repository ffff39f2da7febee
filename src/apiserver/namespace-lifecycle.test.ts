// NamespaceLifecycle against an in-process API server: the system namespaces cannot be deleted
// (not even in a dry run), namespaces serve no deletecollection, and creating into a
// terminating namespace is refused with Kubernetes' message.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resources } from '../client/resources.ts';
import { apiRefusal } from '../testing/api-refusal.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;

before(async () => {
  cluster = await startInProcessCluster();
});

after(() => cluster.stop());

test('default, kube-system and kube-public may not be deleted, not even in a dry run', async () => {
  for (const name of ['default', 'kube-system', 'kube-public']) {
    for (const dryRun of [false, true]) {
      const err = await apiRefusal(cluster.client.delete(resources.namespaces, undefined, name, { dryRun }));
      assert.equal(err.code, 403);
      assert.equal(err.reason, 'Forbidden');
      assert.equal(err.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
      assert.deepEqual(err.details, { name, kind: 'namespaces' });
    }
    const ns = await cluster.tryGet(resources.namespaces, undefined, name);
    assert.equal(ns?.metadata?.deletionTimestamp, undefined, `${name} is not marked for deletion`);
  }
});

test('namespaces serve no deletecollection, and discovery does not list it', async () => {
  await cluster.createNamespace('keep-me');
  const err = await apiRefusal(cluster.client.deleteCollection(resources.namespaces, undefined));
  assert.equal(err.code, 405);
  assert.equal(err.reason, 'MethodNotAllowed');
  assert.equal(err.message, 'the server does not allow this method on the requested resource');
  const kept = await cluster.tryGet(resources.namespaces, undefined, 'keep-me');
  assert.equal(kept?.metadata?.deletionTimestamp, undefined);

  const discovery = (await cluster.client.request('GET', '/api/v1')) as { resources: { name: string; verbs: string[] }[] };
  const namespaces = discovery.resources.find((r) => r.name === 'namespaces');
  assert.deepEqual(namespaces?.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
});

test('other namespaces can still be deleted', async () => {
  await cluster.createNamespace('short-lived');
  const deleted = await cluster.client.delete(resources.namespaces, undefined, 'short-lived');
  assert.ok(deleted.metadata?.deletionTimestamp);
});

test('creating into a terminating namespace names the refused object, as Kubernetes does', async () => {
  await cluster.createNamespace('leaving');
  await cluster.client.create(resources.configMaps, 'leaving', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
  await cluster.client.delete(resources.namespaces, undefined, 'leaving');
  const err = await apiRefusal(cluster.client.create(resources.configMaps, 'leaving', { metadata: { name: 'new1' } }));
  assert.equal(err.code, 403);
  assert.equal(
    err.message,
    'configmaps "new1" is forbidden: unable to create new content in namespace leaving because it is being terminated',
  );
  assert.equal(err.details?.name, 'new1');
  assert.equal(err.details?.kind, 'configmaps');
  assert.deepEqual(err.details?.causes, [
    { reason: 'NamespaceTerminating', message: 'namespace leaving is being terminated', field: 'metadata.namespace' },
  ]);

  const deployment = await apiRefusal(
    cluster.client.create(resources.deployments, 'leaving', {
      metadata: { generateName: 'web-' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    }),
  );
  assert.equal(
    deployment.message,
    'deployments.apps "web-" is forbidden: unable to create new content in namespace leaving because it is being terminated',
  );
  assert.equal(deployment.details?.group, 'apps');
});
