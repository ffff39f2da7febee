// Writes through a subresource record their managedFields entry with `subresource`, as
// Kubernetes 1.22+ does: an update, a patch and a server-side apply to pods/status, and a PUT
// or PATCH of deployments/scale (whose entry names the parent's apiVersion).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;
before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace('fields');
});
after(() => cluster.stop());

function write(method: string, path: string, manager: string, body: unknown, contentType = 'application/json'): Promise<KubeObject> {
  return cluster.client.request(method, path, { query: { fieldManager: manager }, body: JSON.stringify(body), contentType });
}

/** The object's entries without their times, by manager. */
function entries(obj: KubeObject): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const { time: _time, ...entry } of obj.metadata?.managedFields ?? []) out[entry.manager] = entry;
  return out;
}

test('updates, patches and applies to pods/status record subresource "status"', async () => {
  const pod = await cluster.client.create(resources.pods, 'fields', {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  });
  const status = '/api/v1/namespaces/fields/pods/p/status';
  await write('PUT', status, 'putter', { ...pod, status: { ...pod.status, message: 'put' } });
  await write('PATCH', status, 'patcher', { status: { reason: 'patched' } }, 'application/merge-patch+json');
  const applied = await write(
    'PATCH',
    status,
    'applier',
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { conditions: [{ type: 'Example', status: 'True' }] } },
    'application/apply-patch+yaml',
  );
  assert.deepEqual(
    applied.status.conditions.map((c: KubeObject) => c.type),
    ['Example'],
  );
  const byManager = entries(applied);
  assert.deepEqual(byManager.putter, {
    manager: 'putter',
    operation: 'Update',
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { 'f:message': {} } },
    subresource: 'status',
  });
  assert.deepEqual(byManager.patcher, {
    manager: 'patcher',
    operation: 'Update',
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { 'f:reason': {} } },
    subresource: 'status',
  });
  assert.equal(byManager.applier?.operation, 'Apply');
  assert.equal(byManager.applier?.subresource, 'status');
  assert.deepEqual(byManager.applier?.fieldsV1, {
    'f:status': { 'f:conditions': { 'k:{"type":"Example"}': { '.': {}, 'f:status': {}, 'f:type': {} } } },
  });
  // The main resource's writes keep no subresource.
  const labelled = await write(
    'PATCH',
    '/api/v1/namespaces/fields/pods/p',
    'labeller',
    { metadata: { labels: { a: 'b' } } },
    'application/merge-patch+json',
  );
  assert.equal(entries(labelled).labeller?.subresource, undefined);
});

test('a PUT or PATCH of deployments/scale records subresource "scale" with the parent apiVersion', async () => {
  await cluster.client.create(resources.deployments, 'fields', {
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    },
  });
  const scale = '/apis/apps/v1/namespaces/fields/deployments/web/scale';
  await write('PUT', scale, 'scaler', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 2 } });
  await write('PATCH', scale, 'patcher', { spec: { replicas: 3 } }, 'application/merge-patch+json');
  const byManager = entries(await cluster.client.get(resources.deployments, 'fields', 'web'));
  // The patcher took spec.replicas from the scaler, whose entry is gone.
  assert.equal(byManager.scaler, undefined);
  assert.deepEqual(byManager.patcher, {
    manager: 'patcher',
    operation: 'Update',
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    subresource: 'scale',
  });
});

// Kubernetes' PodCondition has metav1.Time fields, which encoding/json never omits: every pod
// condition reads back with lastProbeTime (and lastTransitionTime) present, null when unset, even
// after a strategic merge patch whose `lastProbeTime: null` deletes the key (the scheduler's).
test('pod conditions always carry lastProbeTime and lastTransitionTime, null when unset', async () => {
  await cluster.client.create(resources.pods, 'fields', {
    metadata: { name: 'conditions' },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  });
  const status = '/api/v1/namespaces/fields/pods/conditions/status';
  const scheduled = {
    type: 'PodScheduled',
    status: 'False',
    reason: 'Unschedulable',
    message: '0/1 nodes are available',
    lastProbeTime: null,
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };
  const patched = await write(
    'PATCH',
    status,
    'scheduler',
    { status: { conditions: [scheduled] } },
    'application/strategic-merge-patch+json',
  );
  assert.deepEqual(patched.status.conditions, [scheduled]);
  assert.deepEqual((await cluster.client.get(resources.pods, 'fields', 'conditions')).status.conditions, [scheduled]);

  const put = await write('PUT', status, 'putter', {
    ...patched,
    status: { ...patched.status, conditions: [{ type: 'Example', status: 'True' }] },
  });
  assert.deepEqual(put.status.conditions, [{ type: 'Example', status: 'True', lastProbeTime: null, lastTransitionTime: null }]);
});

// kube-apiserver answers a DELETE with 200 whether the object is gone or its deletion is pending
// (grace period, finalizers); 202 only for a pending deletion asked with orphanDependents: false.
// A finished deletion answers with a Status, except for the kinds whose storage returns the
// deleted object (pods, services, namespaces, persistent volumes and claims, …).
test('DELETE answers 200 (202 only with orphanDependents: false), with a Status or the object by kind', async () => {
  const del = async (path: string, body?: unknown) => {
    const res = await fetch(`${cluster.url}${path}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { code: res.status, body: (await res.json()) as KubeObject };
  };
  const held = (name: string) =>
    cluster.client.create(resources.configMaps, 'fields', { metadata: { name, finalizers: ['example.com/hold'] } });
  const release = async (name: string) => {
    const cm = await cluster.client.get(resources.configMaps, 'fields', name);
    await cluster.client.update(resources.configMaps, { ...cm, metadata: { ...cm.metadata, finalizers: [] } });
  };

  await held('pending');
  const pending = await del('/api/v1/namespaces/fields/configmaps/pending');
  assert.equal(pending.code, 200);
  assert.equal(pending.body.kind, 'ConfigMap');
  assert.ok(pending.body.metadata?.deletionTimestamp);
  await release('pending');

  await held('cascading');
  const cascading = await del('/api/v1/namespaces/fields/configmaps/cascading', { orphanDependents: false });
  assert.equal(cascading.code, 202);
  await release('cascading');

  await cluster.client.create(resources.configMaps, 'fields', { metadata: { name: 'gone' } });
  const gone = await del('/api/v1/namespaces/fields/configmaps/gone');
  assert.equal(gone.code, 200);
  assert.equal(gone.body.kind, 'Status');
  assert.equal(gone.body.status, 'Success');

  await cluster.client.create(resources.persistentVolumeClaims, 'fields', {
    metadata: { name: 'claim' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  const claim = await del('/api/v1/namespaces/fields/persistentvolumeclaims/claim');
  assert.equal(claim.code, 200);
  assert.equal(claim.body.kind, 'PersistentVolumeClaim');
});
