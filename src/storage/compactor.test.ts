import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Compactor } from './compactor.ts';
import { MemoryStore } from './memory/memory-store.ts';

async function storeWithRevisions(n: number): Promise<MemoryStore> {
  const store = new MemoryStore();
  let rev = (await store.create('/c/k', '0')).modRevision;
  for (let i = 1; i < n; i++) rev = (await store.update('/c/k', String(i), rev)).modRevision;
  return store;
}

test('a pass compacts to the current revision minus the retained revisions', async () => {
  const store = await storeWithRevisions(50);
  const compactor = new Compactor(store, { retainRevisions: 20 });
  assert.deepEqual(await compactor.runOnce(), { compactedTo: 30 });
  assert.equal(await store.compactedRevision(), 30);
  // Nothing new to forget yet.
  assert.deepEqual(await compactor.runOnce(), { compactedTo: undefined });
  assert.equal((await store.get('/c/k'))?.value, '49');
  await store.close();
});

test('a store with less history than retained is left alone', async () => {
  const store = await storeWithRevisions(10);
  assert.deepEqual(await new Compactor(store, { retainRevisions: 10 }).runOnce(), { compactedTo: undefined });
  assert.equal(await store.compactedRevision(), 0);
  await store.close();
});

test('store maintenance runs after a compaction', async () => {
  const store = await storeWithRevisions(30);
  let maintained = 0;
  const maintainable = Object.assign(store, { maintenance: () => maintained++ });
  const compactor = new Compactor(maintainable, { retainRevisions: 5 });
  await compactor.runOnce();
  assert.equal(maintained, 1);
  await compactor.runOnce();
  assert.equal(maintained, 1, 'no compaction, no maintenance');
  await store.close();
});

test('overlapping passes are joined, not run twice', async () => {
  const store = await storeWithRevisions(30);
  let compactions = 0;
  const compact = store.compact.bind(store);
  store.compact = async (rev) => {
    compactions++;
    await compact(rev);
  };
  const compactor = new Compactor(store, { retainRevisions: 5 });
  const [a, b] = await Promise.all([compactor.runOnce(), compactor.runOnce()]);
  assert.deepEqual(a, b);
  assert.equal(compactions, 1);
  await store.close();
});

test('started, it compacts on its interval until stopped', async () => {
  const store = await storeWithRevisions(30);
  const errors: unknown[] = [];
  const compactor = new Compactor(store, { intervalSeconds: 0.005, retainRevisions: 10, onError: (err) => errors.push(err) });
  compactor.start();
  // Wait for the first pass (bounded, so a broken timer fails instead of hanging).
  for (let i = 0; i < 2000 && (await store.compactedRevision()) === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await compactor.stop();
  assert.equal(await store.compactedRevision(), 20);
  assert.deepEqual(errors, []);
  await store.close();
});

test('invalid settings are refused', () => {
  const store = new MemoryStore();
  assert.throws(() => new Compactor(store, { intervalSeconds: 0 }));
  assert.throws(() => new Compactor(store, { retainRevisions: -1 }));
});
