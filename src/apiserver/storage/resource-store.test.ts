import assert from 'node:assert/strict';
import { test } from 'node:test';
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
