import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Indexer, indexByField, indexByOwnerUid, objectKey } from './indexer.ts';

const pod = (ns: string, name: string, node?: string, owners: string[] = []) => ({
  metadata: { namespace: ns, name, ownerReferences: owners.map((uid) => ({ uid })) },
  spec: { nodeName: node },
});

test('keys are namespace/name, or name for cluster-scoped objects', () => {
  assert.equal(objectKey(pod('ns', 'a')), 'ns/a');
  assert.equal(objectKey({ metadata: { name: 'node-1' } }), 'node-1');
});

test('indexes follow sets, updates and deletes', () => {
  const cache = new Indexer({ node: indexByField('spec.nodeName'), owner: indexByOwnerUid });
  cache.set('a/p1', pod('a', 'p1', 'n1', ['rs1']));
  cache.set('a/p2', pod('a', 'p2', 'n1', ['rs1', 'x']));
  cache.set('b/p3', pod('b', 'p3'));
  assert.deepEqual(cache.indexKeys('node', 'n1').sort(), ['a/p1', 'a/p2']);
  assert.deepEqual(cache.indexKeys('namespace', 'b'), ['b/p3']);
  assert.deepEqual(cache.indexKeys('owner', 'x'), ['a/p2']);

  const old = cache.set('a/p1', pod('a', 'p1', 'n2', ['rs1']));
  assert.equal(old?.spec.nodeName, 'n1');
  assert.deepEqual(cache.indexKeys('node', 'n1'), ['a/p2']);
  assert.deepEqual(cache.indexKeys('node', 'n2'), ['a/p1']);

  assert.equal(cache.delete('a/p2')?.metadata?.name, 'p2');
  assert.deepEqual(cache.indexKeys('node', 'n1'), []);
  assert.deepEqual(cache.indexKeys('owner', 'rs1'), ['a/p1']);
  assert.equal(cache.delete('missing'), undefined);
  assert.deepEqual(cache.indexKeys('node', ''), [], 'empty values are not indexed');
  assert.throws(() => cache.byIndex('nope', 'x'), /index "nope" does not exist/);
});

test('indexers added later cover existing objects', () => {
  const cache = new Indexer();
  cache.set('a/p1', pod('a', 'p1', 'n1'));
  cache.addIndexers({ node: indexByField('spec.nodeName') });
  assert.deepEqual(
    cache.byIndex('node', 'n1').map((p) => p.metadata?.name),
    ['p1'],
  );
});
