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
