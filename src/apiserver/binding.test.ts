import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError } from '../client/api-error.ts';
import { resourcePath } from '../client/resource-path.ts';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;
before(async () => {
  cluster = await startInProcessCluster();
});
after(async () => {
  await cluster.stop();
});

const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

function bind(name: string, body: Record<string, unknown>, path = resourcePath(resources.pods, 'default', name, 'binding')) {
  return cluster.client.request('POST', path, { body: { apiVersion: 'v1', kind: 'Binding', ...body } });
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('expected the request to fail');
}

test('binding sets spec.nodeName, merges annotations and marks the pod scheduled', async () => {
  const created = await cluster.client.create(resources.pods, 'default', pod('web-1'));
  const status = await bind('web-1', {
    metadata: { name: 'web-1', uid: created.metadata!.uid, annotations: { 'example.com/placed-by': 'test' } },
    target: { kind: 'Node', name: 'node-2' },
  });
  assert.equal(status.kind, 'Status');
  assert.equal(status.status, 'Success');
  const bound = await cluster.client.get(resources.pods, 'default', 'web-1');
  assert.equal(bound.spec.nodeName, 'node-2');
  assert.equal(bound.metadata!.annotations['example.com/placed-by'], 'test');
  const scheduled = bound.status.conditions.find((c: any) => c.type === 'PodScheduled');
  assert.equal(scheduled.status, 'True');
  assert.ok(scheduled.lastTransitionTime);
});

test('a bound pod cannot be bound again', async () => {
  await cluster.client.create(resources.pods, 'default', pod('web-2'));
  await bind('web-2', { metadata: { name: 'web-2' }, target: { name: 'node-1' } });
  const err = await failure(bind('web-2', { metadata: { name: 'web-2' }, target: { kind: 'Node', name: 'node-3' } }));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(err.message, 'Operation cannot be fulfilled on pods/binding "web-2": pod web-2 is already assigned to node "node-1"');
});

test('missing pods, UID mismatches, bad targets and gated pods are refused', async () => {
  const missing = await failure(bind('ghost', { metadata: { name: 'ghost' }, target: { name: 'n' } }));
  assert.equal(missing.code, 404);
  await cluster.client.create(resources.pods, 'default', pod('web-3'));
  const uid = await failure(bind('web-3', { metadata: { name: 'web-3', uid: 'not-the-uid' }, target: { name: 'n' } }));
  assert.equal(uid.code, 409);
  // Storage's precondition error, as BindingREST passes it on.
  const { uid: podUid, resourceVersion } = (await cluster.client.get(resources.pods, 'default', 'web-3')).metadata!;
  const storageError =
    'StorageError: invalid object, Code: 4, Key: /registry/core/pods/default/web-3, ResourceVersion: 0, AdditionalErrorMsg:';
  assert.equal(
    uid.message,
    `Operation cannot be fulfilled on pods "web-3": ${storageError} Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${podUid}`,
  );
  assert.deepEqual(uid.status.details, { name: 'web-3', kind: 'pods' });
  const stale = await failure(bind('web-3', { metadata: { name: 'web-3', resourceVersion: '5' }, target: { name: 'n' } }));
  assert.equal(stale.code, 409);
  assert.equal(
    stale.message,
    `Operation cannot be fulfilled on pods "web-3": ${storageError} Precondition failed: ResourceVersion in precondition: 5, ResourceVersion in object meta: ${resourceVersion}`,
  );
  const target = await failure(bind('web-3', { metadata: { name: 'web-3' }, target: { kind: 'Pod' } }));
  assert.equal(target.code, 422);
  assert.match(target.message, /target\.kind: Unsupported value: "Pod"/);
  assert.match(target.message, /target\.name: Required value/);
  const mismatch = await failure(bind('web-3', { metadata: { name: 'other' }, target: { name: 'n' } }));
  assert.equal(mismatch.code, 400);
  await cluster.client.create(resources.pods, 'default', pod('gated', { schedulingGates: [{ name: 'wait' }] }));
  const gated = await failure(bind('gated', { metadata: { name: 'gated' }, target: { name: 'n' } }));
  assert.equal(gated.code, 409);
  assert.match(gated.message, /pod gated has non-empty \.spec\.schedulingGates/);
  const untouched = await cluster.client.get(resources.pods, 'default', 'web-3');
  assert.equal(untouched.spec.nodeName, undefined);
});

test('dry-run binding changes nothing', async () => {
  await cluster.client.create(resources.pods, 'default', pod('web-4'));
  await cluster.client.request('POST', resourcePath(resources.pods, 'default', 'web-4', 'binding'), {
    body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-4' }, target: { name: 'n' } },
    query: { dryRun: 'All' },
  });
  assert.equal((await cluster.client.get(resources.pods, 'default', 'web-4')).spec.nodeName, undefined);
});
