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
