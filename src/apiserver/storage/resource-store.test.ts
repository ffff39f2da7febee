import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployments } from '../../api/kinds/apps/deployment.ts';
import { configMapResource } from '../../api/kinds/core/configmap.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { ResourceStore } from './resource-store.ts';

test('empty labels, annotations, finalizers and ownerReferences are not stored (Go omitempty)', async () => {
  const rs = new ResourceStore(configMapResource, new MemoryStore());
  const created = await rs.create('default', {
    metadata: { name: 'cm', labels: {}, annotations: {}, finalizers: [], ownerReferences: [] },
  });
  assert.deepEqual(
    ['labels', 'annotations', 'finalizers', 'ownerReferences'].filter((f) => f in created.metadata!),
    [],
  );

  const labelled = await rs.update('default', 'cm', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
  assert.deepEqual(labelled.metadata?.labels, { a: 'b' });
  // `kubectl label cm cm a-` leaves an empty map in the patched object.
  const unlabelled = await rs.update('default', 'cm', { ...labelled, metadata: { ...labelled.metadata, labels: {}, annotations: null } });
  assert.equal('labels' in unlabelled.metadata!, false);
  assert.equal('annotations' in unlabelled.metadata!, false);
});

test('metadata.generation only on kinds whose Kubernetes strategy keeps one (not ConfigMaps), as kube-apiserver', async () => {
  const rs = new ResourceStore(configMapResource, new MemoryStore());
  const created = await rs.create('default', { metadata: { name: 'cm' }, data: { a: '1' } });
  assert.equal('generation' in created.metadata!, false);
  const changed = await rs.update('default', 'cm', { ...created, data: { a: '2' } });
  assert.equal('generation' in changed.metadata!, false);
  // A client cannot set it on update; on create kube-apiserver keeps what was sent.
  const kept = await rs.create('default', { metadata: { name: 'dumped', generation: 1 }, data: { a: '1' } });
  assert.equal(kept.metadata?.generation, 1);
  const updated = await rs.update('default', 'dumped', { ...kept, metadata: { ...kept.metadata, generation: 7 }, data: { a: '2' } });
  assert.equal(updated.metadata?.generation, 1);

  const workloads = new ResourceStore(deployments, new MemoryStore());
  const template = { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
  const d = await workloads.create('default', { metadata: { name: 'w' }, spec: { selector: { matchLabels: { app: 'w' } }, template } });
  assert.equal(d.metadata?.generation, 1);
  const scaled = await workloads.update('default', 'w', { ...d, spec: { ...d.spec, replicas: 3 } });
  assert.equal(scaled.metadata?.generation, 2);
});

test('an expired continue token: 410 with a token of resourceVersion -1 that goes on at the latest revision (etcd3 handleCompactedErrorForPaging)', async () => {
  const store = new MemoryStore();
  const rs = new ResourceStore(configMapResource, store);
  for (const name of ['a', 'b', 'c']) await rs.create('default', { metadata: { name } });
  const first = await rs.list({ namespace: 'default', limit: 1 });
  assert.deepEqual(
    first.items.map((o) => o.metadata?.name),
    ['a'],
  );
  // Written after the first chunk, then the chunk's revision is compacted away.
  await rs.create('default', { metadata: { name: 'd' } });
  await rs.delete('default', 'b');
  await store.compact(await store.currentRevision());

  const err = await rs.list({ namespace: 'default', limit: 1, continueToken: first.continueToken }).then(
    () => assert.fail('expected 410'),
    (e) => e,
  );
  const status = err.toStatus();
  assert.equal(status.code, 410);
  assert.equal(status.reason, 'Expired');
  assert.equal(
    status.message,
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the ' +
      'continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing ' +
      'with the provided token results in an inconsistent list - objects that were created, modified, or deleted between ' +
      'the time the first chunk was returned and now may show up in the list.',
  );
  const token = JSON.parse(Buffer.from(status.metadata.continue, 'base64url').toString('utf8'));
  const old = JSON.parse(Buffer.from(first.continueToken!, 'base64url').toString('utf8'));
  assert.equal(token.v, 'meta.k8s.io/v1');
  assert.equal(token.rv, -1);
  assert.equal(token.start, old.start);

  // The new token continues after "a" at the latest revision: "b" is gone, "d" shows up.
  const rest = await rs.list({ namespace: 'default', limit: 1, continueToken: status.metadata.continue });
  assert.deepEqual(
    rest.items.map((o) => o.metadata?.name),
    ['c'],
  );
  assert.equal(rest.resourceVersion, String(await store.currentRevision()));
  const last = await rs.list({ namespace: 'default', limit: 1, continueToken: rest.continueToken });
  assert.deepEqual(
    last.items.map((o) => o.metadata?.name),
    ['d'],
  );
  assert.equal(last.continueToken, undefined);

  // A list without a continue token at a compacted revision keeps the short message and no token.
  const plain = await rs.list({ namespace: 'default', exactRevision: 1 }).then(
    () => assert.fail('expected 410'),
    (e) => e.toStatus(),
  );
  assert.equal(plain.message, 'The resourceVersion for the provided list is too old.');
  assert.deepEqual(plain.metadata, {});
});
