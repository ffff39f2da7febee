// The scale subresource against an in-process API server: a Scale naming another uid than its
// parent's is refused as kube-apiserver refuses it (a PUT's uid is storage's precondition, a
// patched one the scale REST's own check), and validation comes before the resourceVersion.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resources } from '../client/resources.ts';
import { apiRefusal } from '../testing/api-refusal.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;
before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace('scale');
});
after(() => cluster.stop());

const scalePath = '/apis/apps/v1/namespaces/scale/deployments/web/scale';

async function deployment() {
  return cluster.client.create(resources.deployments, 'scale', {
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    },
  });
}

const putScale = (metadata: Record<string, unknown>, replicas: number) =>
  cluster.client.request('PUT', scalePath, {
    body: JSON.stringify({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', namespace: 'scale', ...metadata },
      spec: { replicas },
    }),
    contentType: 'application/json',
  });

test('a Scale naming another uid is a Conflict: storage precondition on PUT, the scale check on PATCH', async () => {
  const parent = await deployment();
  const uid = parent.metadata!.uid!;
  const put = await apiRefusal(putScale({ uid: 'not-the-uid' }, 2));
  assert.equal(put.code, 409);
  assert.equal(put.reason, 'Conflict');
  assert.equal(
    put.message,
    `Operation cannot be fulfilled on deployments.apps "web": StorageError: invalid object, Code: 4, Key: /registry/apps/deployments/scale/web, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`,
  );
  assert.deepEqual(put.status.details, { name: 'web', group: 'apps', kind: 'deployments' });

  const patch = await apiRefusal(
    cluster.client.request('PATCH', scalePath, {
      body: JSON.stringify({ metadata: { uid: 'not-the-uid' }, spec: { replicas: 3 } }),
      contentType: 'application/merge-patch+json',
    }),
  );
  assert.equal(patch.code, 409);
  assert.equal(
    patch.message,
    `Operation cannot be fulfilled on deployments/scale.apps "web": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`,
  );
  assert.deepEqual(patch.status.details, { name: 'web', group: 'apps', kind: 'deployments/scale' });

  // Invalid replicas are reported before a stale resourceVersion, as Kubernetes validates the Scale first.
  const invalid = await apiRefusal(putScale({ resourceVersion: '5' }, -1));
  assert.equal(invalid.code, 422);
  assert.match(invalid.message, /^Scale\.autoscaling "web" is invalid: spec\.replicas: Invalid value: -1/);

  assert.equal((await cluster.client.get(resources.deployments, 'scale', 'web')).spec.replicas, 1);
  const scaled = (await putScale({ uid }, 4)) as { spec: { replicas: number } };
  assert.equal(scaled.spec.replicas, 4);
});

// Server-side apply through /scale (kubectl ≥1.32 `apply --server-side --subresource=scale`): the
// parent's owners of its replicas field take part as owners of the Scale's spec.replicas, as in
// Kubernetes' scale handler (test/integration/apiserver/apply/scale_test.go).
const scaleParents = [
  { resource: 'deployments', prefix: '/apis/apps/v1', apiVersion: 'apps/v1', kind: 'Deployment', selector: { matchLabels: { app: 'a' } } },
  {
    resource: 'statefulsets',
    prefix: '/apis/apps/v1',
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    selector: { matchLabels: { app: 'a' } },
  },
  { resource: 'replicasets', prefix: '/apis/apps/v1', apiVersion: 'apps/v1', kind: 'ReplicaSet', selector: { matchLabels: { app: 'a' } } },
  { resource: 'replicationcontrollers', prefix: '/api/v1', apiVersion: 'v1', kind: 'ReplicationController', selector: { app: 'a' } },
];

for (const parent of scaleParents) {
  test(`server-side apply to ${parent.resource}/scale takes spec.replicas, with conflicts and a "scale" entry`, async () => {
    const objectPath = `${parent.prefix}/namespaces/scale/${parent.resource}/applied`;
    const request = (method: string, path: string, manager: string, body: unknown, contentType: string, force = false) =>
      cluster.client.request(method, path, {
        query: force ? { fieldManager: manager, force: 'true' } : { fieldManager: manager },
        body: JSON.stringify(body),
        contentType,
      }) as Promise<any>;
    const apply = 'application/apply-patch+yaml';
    const replicasOwners = async () => {
      const obj = await cluster.client.request('GET', objectPath);
      return ((obj as any).metadata.managedFields ?? [])
        .filter((e: any) => e.fieldsV1?.['f:spec']?.['f:replicas'])
        .map((e: any) => e.manager)
        .sort();
    };
    const scaleBody = (replicas: number) => ({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'applied', namespace: 'scale' },
      spec: { replicas },
    });
    await request(
      'PATCH',
      objectPath,
      'apply_test',
      {
        apiVersion: parent.apiVersion,
        kind: parent.kind,
        metadata: { name: 'applied' },
        spec: {
          replicas: 1,
          selector: parent.selector,
          template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
        },
      },
      apply,
    );
    assert.deepEqual(await replicasOwners(), ['apply_test']);

    // Another value conflicts with the parent's applier.
    const refused = await apiRefusal(request('PATCH', `${objectPath}/scale`, 'apply_scale', scaleBody(17), apply));
    assert.equal(refused.code, 409);
    assert.equal(refused.message, 'Apply failed with 1 conflict: conflict with "apply_test": .spec.replicas');

    // Forced, the Scale's applier is the only owner, with a "scale" entry in the parent's version.
    const scale = await request('PATCH', `${objectPath}/scale`, 'apply_scale', scaleBody(17), apply, true);
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 17);
    const obj = await cluster.client.request('GET', objectPath);
    assert.equal((obj as any).spec.replicas, 17);
    const entry = (obj as any).metadata.managedFields.find((e: any) => e.manager === 'apply_scale');
    const { time, ...rest } = entry;
    assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(rest, {
      manager: 'apply_scale',
      operation: 'Apply',
      apiVersion: parent.apiVersion,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      subresource: 'scale',
    });
    assert.deepEqual(await replicasOwners(), ['apply_scale']);
    // The parent's applier keeps its other fields.
    assert.ok((obj as any).metadata.managedFields.find((e: any) => e.manager === 'apply_test')?.fieldsV1['f:spec']['f:selector']);

    // The same value through another applier: both own it.
    await request('PATCH', `${objectPath}/scale`, 'co_owner', scaleBody(17), apply);
    assert.deepEqual(await replicasOwners(), ['apply_scale', 'co_owner']);

    // A merge patch of /scale makes its manager the only owner.
    await request('PATCH', `${objectPath}/scale`, 'scale_test', { spec: { replicas: 5 } }, 'application/merge-patch+json');
    assert.deepEqual(await replicasOwners(), ['scale_test']);

    // Without a fieldManager, an apply is refused as for any apply.
    const unnamed = await apiRefusal(
      cluster.client.request('PATCH', `${objectPath}/scale`, { body: JSON.stringify(scaleBody(2)), contentType: apply }),
    );
    assert.equal(unnamed.code, 422);
  });
}
