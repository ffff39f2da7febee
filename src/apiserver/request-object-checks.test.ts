// PUT, PATCH and DELETE against an in-process API server: the object must keep the URL's name and
// namespace, a resourceVersion in a patch is a precondition (kubectl label --resource-version),
// and so is the uid of a PUT; a patch may not change the uid; a DELETE's failed preconditions
// are worded as Kubernetes words them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resources } from '../client/resources.ts';
import { apiRefusal } from '../testing/api-refusal.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace('checks');
});

after(() => cluster.stop());

async function configMap(name: string) {
  return cluster.client.create(resources.configMaps, 'checks', {
    metadata: { name, labels: { app: 'x' }, annotations: { note: 'kept' }, finalizers: ['example.com/keep'] },
    data: { a: '1' },
  });
}

test('a patch carrying a stale resourceVersion is a conflict; the current one or none is applied', async () => {
  const cm = await configMap('rv');
  const stale = '5';
  for (const [type, patch] of [
    ['merge', { metadata: { resourceVersion: stale }, data: { rv: '1' } }],
    ['strategic', { metadata: { resourceVersion: stale, labels: { x: 'y' } } }],
    ['json', [{ op: 'replace', path: '/metadata/resourceVersion', value: stale }]],
  ] as const) {
    const err = await apiRefusal(cluster.client.patch(resources.configMaps, 'checks', 'rv', patch, type));
    assert.equal(err.code, 409, type);
    assert.equal(err.reason, 'Conflict');
    assert.equal(
      err.message,
      'Operation cannot be fulfilled on configmaps "rv": the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  assert.equal((await cluster.client.get(resources.configMaps, 'checks', 'rv')).metadata?.resourceVersion, cm.metadata?.resourceVersion);

  const current = cm.metadata?.resourceVersion;
  const patched = await cluster.client.patch(
    resources.configMaps,
    'checks',
    'rv',
    { metadata: { resourceVersion: current }, data: { b: '2' } },
    'merge',
  );
  assert.equal(patched.data?.b, '2');
  const unconditional = await cluster.client.patch(
    resources.configMaps,
    'checks',
    'rv',
    { metadata: { resourceVersion: null }, data: { c: '3' } },
    'merge',
  );
  assert.equal(unconditional.data?.c, '3');
});

test('a patch may not rename an object or move it to another namespace', async () => {
  await configMap('fixed');
  const renamed = await apiRefusal(
    cluster.client.patch(resources.configMaps, 'checks', 'fixed', [{ op: 'replace', path: '/metadata/name', value: 'zz' }], 'json'),
  );
  assert.equal(renamed.code, 400);
  assert.equal(renamed.reason, 'BadRequest');
  assert.equal(renamed.message, 'the name of the object (zz) does not match the name on the URL (fixed)');

  const moved = await apiRefusal(
    cluster.client.patch(resources.configMaps, 'checks', 'fixed', { metadata: { namespace: 'default' } }, 'merge'),
  );
  assert.equal(moved.code, 400);
  assert.equal(moved.message, 'the namespace of the object (default) does not match the namespace on the request (checks)');

  await cluster.createNamespace('named');
  const namespace = await apiRefusal(
    cluster.client.patch(resources.namespaces, undefined, 'named', { metadata: { name: 'other' } }, 'strategic'),
  );
  assert.equal(namespace.message, 'the name of the object (other) does not match the name on the URL (named)');
});

test('a patch that drops metadata is refused and leaves labels, annotations and finalizers alone', async () => {
  await configMap('meta');
  for (const [type, patch] of [
    ['merge', { metadata: null }],
    ['json', [{ op: 'remove', path: '/metadata' }]],
  ] as const) {
    const err = await apiRefusal(cluster.client.patch(resources.configMaps, 'checks', 'meta', patch, type));
    assert.equal(err.code, 400, type);
    assert.equal(err.message, 'the name of the object () does not match the name on the URL (meta)');
  }
  const stored = await cluster.client.get(resources.configMaps, 'checks', 'meta');
  assert.deepEqual(stored.metadata?.labels, { app: 'x' });
  assert.deepEqual(stored.metadata?.annotations, { note: 'kept' });
  assert.deepEqual(stored.metadata?.finalizers, ['example.com/keep']);
});

test('a PUT must name the object of its URL and may not name another namespace', async () => {
  const cm = await configMap('put');
  const put = (body: unknown) =>
    cluster.client.request('PUT', '/api/v1/namespaces/checks/configmaps/put', {
      body: JSON.stringify(body),
      contentType: 'application/json',
    });
  const nameless = await apiRefusal(put({ ...cm, metadata: { ...cm.metadata, name: undefined } }));
  assert.equal(nameless.code, 400);
  assert.equal(nameless.message, 'the name of the object () does not match the name on the URL (put)');
  const elsewhere = await apiRefusal(put({ ...cm, metadata: { ...cm.metadata, namespace: 'default' } }));
  assert.equal(elsewhere.code, 400);
  assert.equal(elsewhere.message, 'the namespace of the provided object does not match the namespace sent on the request');
  // Leaving the namespace out is fine: the request's is used.
  const updated = (await put({ ...cm, metadata: { ...cm.metadata, namespace: undefined }, data: { a: '2' } })) as {
    data?: Record<string, string>;
  };
  assert.equal(updated.data?.a, '2');
});

test('a PUT naming another uid fails its precondition before the resourceVersion check; a patch may not change the uid', async () => {
  const cm = await configMap('uid');
  const uid = cm.metadata!.uid!;
  const put = (body: unknown, path = '/api/v1/namespaces/checks/configmaps/uid') =>
    cluster.client.request('PUT', path, { body: JSON.stringify(body), contentType: 'application/json' });
  const preconditionFailed = `Operation cannot be fulfilled on configmaps "uid": StorageError: invalid object, Code: 4, Key: /registry/core/configmaps/checks/uid, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`;
  // With or without a resourceVersion, and with a stale one too: the uid is checked first.
  for (const resourceVersion of [undefined, cm.metadata?.resourceVersion, '5']) {
    const err = await apiRefusal(put({ ...cm, metadata: { ...cm.metadata, uid: 'not-the-uid', resourceVersion }, data: { a: '2' } }));
    assert.equal(err.code, 409, String(resourceVersion));
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.message, preconditionFailed);
    assert.deepEqual(err.status.details, { name: 'uid', kind: 'configmaps' });
  }
  // The status subresource's PUT has the same precondition (a Deployment has one).
  const deployment = await cluster.client.create(resources.deployments, 'checks', {
    metadata: { name: 'uid' },
    spec: {
      selector: { matchLabels: { app: 'uid' } },
      template: { metadata: { labels: { app: 'uid' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    },
  });
  const status = await apiRefusal(
    put(
      { ...deployment, metadata: { ...deployment.metadata, uid: 'not-the-uid' } },
      '/apis/apps/v1/namespaces/checks/deployments/uid/status',
    ),
  );
  assert.equal(status.code, 409);
  assert.match(
    status.message,
    /^Operation cannot be fulfilled on deployments\.apps "uid": StorageError: invalid object, Code: 4, Key: \/registry\/apps\/deployments\/checks\/uid, .*UID in precondition: not-the-uid, UID in object meta: /,
  );

  // The right uid is no obstacle; a stale resourceVersion still is.
  const updated = (await put({ ...cm, data: { a: '3' } })) as { data?: Record<string, string> };
  assert.equal(updated.data?.a, '3');
  const stale = await apiRefusal(put({ ...cm, data: { a: '4' } }));
  assert.equal(stale.code, 409);
  assert.match(stale.message, /the object has been modified/);

  // A patch has no precondition: its uid is a change to an immutable field.
  for (const [type, patch] of [
    ['merge', { metadata: { uid: 'not-the-uid' } }],
    ['json', [{ op: 'replace', path: '/metadata/uid', value: 'not-the-uid' }]],
  ] as const) {
    const err = await apiRefusal(cluster.client.patch(resources.configMaps, 'checks', 'uid', patch, type));
    assert.equal(err.code, 422, type);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, 'ConfigMap "uid" is invalid: metadata.uid: Invalid value: "not-the-uid": field is immutable');
  }
  const statusPatch = await apiRefusal(
    cluster.client.request('PATCH', '/apis/apps/v1/namespaces/checks/deployments/uid/status', {
      body: JSON.stringify({ metadata: { uid: 'not-the-uid' } }),
      contentType: 'application/merge-patch+json',
    }),
  );
  assert.equal(statusPatch.code, 422);
  assert.equal(statusPatch.message, 'Deployment.apps "uid" is invalid: metadata.uid: Invalid value: "not-the-uid": field is immutable');
  assert.equal((await cluster.client.get(resources.configMaps, 'checks', 'uid')).metadata?.uid, uid);
});

test("a DELETE whose preconditions fail is a Conflict in rest.BeforeDelete's words, a namespace's in storage's", async () => {
  const cm = await configMap('del');
  const uid = cm.metadata!.uid!;
  const refused = await apiRefusal(cluster.client.delete(resources.configMaps, 'checks', 'del', { preconditions: { uid: 'not-the-uid' } }));
  assert.equal(refused.code, 409);
  assert.equal(refused.reason, 'Conflict');
  assert.equal(
    refused.message,
    `Operation cannot be fulfilled on ConfigMap "del": the UID in the precondition (not-the-uid) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
  );
  assert.deepEqual(refused.status.details, { name: 'del', kind: 'ConfigMap' });
  const stale = await apiRefusal(cluster.client.delete(resources.configMaps, 'checks', 'del', { preconditions: { resourceVersion: '5' } }));
  assert.equal(stale.code, 409);
  assert.equal(
    stale.message,
    `Operation cannot be fulfilled on ConfigMap "del": the ResourceVersion in the precondition (5) does not match the ResourceVersion in record (${cm.metadata?.resourceVersion}). The object might have been modified`,
  );

  // A kind in a group is named with it.
  const deployment = await cluster.client.create(resources.deployments, 'checks', {
    metadata: { name: 'del' },
    spec: {
      selector: { matchLabels: { app: 'del' } },
      template: { metadata: { labels: { app: 'del' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    },
  });
  const grouped = await apiRefusal(
    cluster.client.delete(resources.deployments, 'checks', 'del', { preconditions: { uid: 'not-the-uid' } }),
  );
  assert.equal(
    grouped.message,
    `Operation cannot be fulfilled on Deployment.apps "del": the UID in the precondition (not-the-uid) does not match the UID in record (${deployment.metadata?.uid}). The object might have been deleted and then recreated`,
  );
  assert.deepEqual(grouped.status.details, { name: 'del', group: 'apps', kind: 'Deployment' });

  // The namespace REST checks the preconditions itself, in storage's words, on the resource.
  await cluster.createNamespace('doomed');
  const namespace = await cluster.client.get(resources.namespaces, undefined, 'doomed');
  const ns = await apiRefusal(cluster.client.delete(resources.namespaces, undefined, 'doomed', { preconditions: { uid: 'not-the-uid' } }));
  assert.equal(ns.code, 409);
  assert.equal(
    ns.message,
    `Operation cannot be fulfilled on namespaces "doomed": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${namespace.metadata?.uid}`,
  );

  assert.equal((await cluster.client.get(resources.configMaps, 'checks', 'del')).metadata?.deletionTimestamp, undefined);
  assert.equal((await cluster.client.get(resources.namespaces, undefined, 'doomed')).metadata?.deletionTimestamp, undefined);
});
