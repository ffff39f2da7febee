import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runStoreConformance } from '../conformance.ts';
import { SqliteStore } from './sqlite-store.ts';

async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hale-sqlite-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

runStoreConformance('sqlite', async (options) => {
  const { dir, cleanup } = await tempDir();
  // NORMAL keeps the suite fast; durability.test.ts covers FULL.
  return { store: new SqliteStore(join(dir, 'state.db'), { ...options, synchronous: 'NORMAL' }), cleanup };
});

describe('SqliteStore on disk', () => {
  test('data, revisions and the compacted revision survive a reopen', async () => {
    const { dir, cleanup } = await tempDir();
    const path = join(dir, 'state.db');
    try {
      const first = new SqliteStore(path);
      const a = await first.create('/k/a', 'A1');
      const a2 = await first.update('/k/a', 'A2', a.modRevision);
      await first.create('/k/b', 'B');
      await first.delete('/k/b');
      await first.compact(2);
      await first.close();

      const second = new SqliteStore(path);
      assert.equal(await second.currentRevision(), 4);
      assert.equal(await second.compactedRevision(), 2);
      assert.deepEqual((await second.list('/k/')).items, [a2]);
      await assert.rejects(second.list('/k/', { revision: 1 }));
      assert.equal((await second.create('/k/c', 'C')).modRevision, 5);
      await second.close();
    } finally {
      await cleanup();
    }
  });

  test('a compacted trailing delete still counts after a reopen', async () => {
    const { dir, cleanup } = await tempDir();
    const path = join(dir, 'state.db');
    try {
      const first = new SqliteStore(path);
      await first.create('/k/a', 'A');
      await first.delete('/k/a');
      await first.compact(2);
      await first.close();
      const second = new SqliteStore(path);
      assert.equal(await second.currentRevision(), 2);
      assert.equal((await second.create('/k/a', 'again')).modRevision, 3);
      await second.close();
    } finally {
      await cleanup();
    }
  });

  test('a second handle on the same file is refused while the first is open', async () => {
    const { dir, cleanup } = await tempDir();
    const path = join(dir, 'state.db');
    try {
      const first = new SqliteStore(path);
      await first.create('/k/a', 'A');
      assert.throws(() => new SqliteStore(path), /locked by another process/);
      await first.close();
      const again = new SqliteStore(path);
      assert.equal((await again.get('/k/a'))?.value, 'A');
      await again.close();
    } finally {
      await cleanup();
    }
  });

  test('lists ten thousand objects in key order, whole and paginated', async () => {
    const { dir, cleanup } = await tempDir();
    const store = new SqliteStore(join(dir, 'state.db'), { synchronous: 'OFF' });
    try {
      const value = 'x'.repeat(200);
      for (let i = 0; i < 10_000; i++) await store.create(`/registry/pods/ns/pod-${String(i).padStart(5, '0')}`, value);
      await store.create('/registry/pods0', 'outside');
      const all = await store.list('/registry/pods/');
      assert.equal(all.items.length, 10_000);
      assert.equal(all.items[9_999].key, '/registry/pods/ns/pod-09999');
      assert.equal(await store.count('/registry/pods/'), 10_000);
      let pages = 0;
      let seen = 0;
      let startAfter: string | undefined;
      for (let more = true; more; pages++) {
        const page = await store.list('/registry/pods/', { limit: 500, startAfter, revision: all.revision });
        seen += page.items.length;
        startAfter = page.items.at(-1)?.key;
        more = page.more;
      }
      assert.equal(pages, 20);
      assert.equal(seen, 10_000);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  test('rewriting the same objects with compaction keeps the file from growing', async () => {
    const { dir, cleanup } = await tempDir();
    const store = new SqliteStore(join(dir, 'state.db'), { synchronous: 'OFF' });
    try {
      const objects = 100;
      const value = 'y'.repeat(1000);
      const revs = new Map<string, number>();
      for (let i = 0; i < objects; i++) revs.set(`/churn/${i}`, (await store.create(`/churn/${i}`, value)).modRevision);
      const sizes: number[] = [];
      for (let phase = 0; phase < 6; phase++) {
        for (let round = 0; round < 10; round++) {
          for (const [key, rev] of revs) revs.set(key, (await store.update(key, value, rev)).modRevision);
        }
        await store.compact((await store.currentRevision()) - 200);
        await store.maintenance();
        const { db, wal } = store.fileSizes();
        assert.ok(wal < 24 * 1024 * 1024, `the WAL is reused after each checkpoint, not grown: ${wal} bytes`);
        sizes.push(db);
      }
      // The first phase sets the high-water mark; after that freed pages are reused.
      assert.ok(sizes[5] <= sizes[1] * 1.1, `sizes grew: ${sizes.join(', ')}`);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  test('with synchronous=FULL the store checkpoints by itself and loses nothing', async () => {
    const { dir, cleanup } = await tempDir();
    const path = join(dir, 'state.db');
    try {
      const store = new SqliteStore(path);
      const value = 'w'.repeat(1000);
      let n = 0;
      const round = () => Promise.all(Array.from({ length: 500 }, () => store.create(`/k/${n++}`, value)));
      // Enough rounds for a checkpoint; after it SQLite writes the WAL from its start again,
      // so further rounds (fewer than a checkpoint's worth) do not make the file bigger.
      for (let i = 0; i < 10; i++) await round();
      const walAfterCheckpoint = store.fileSizes().wal;
      for (let i = 0; i < 4; i++) await round();
      const wal = store.fileSizes().wal;
      assert.ok(wal <= walAfterCheckpoint, `the WAL grew from ${walAfterCheckpoint} to ${wal} bytes: no checkpoint`);
      // Writes made while a checkpoint's database flush holds commits back still land.
      const during = store.create('/during', 'x');
      await store.checkpoint();
      await during;
      await store.close();

      const reopened = new SqliteStore(path);
      assert.equal(await reopened.count('/k/'), 7000);
      assert.equal((await reopened.get('/during'))?.value, 'x');
      assert.equal(await reopened.currentRevision(), 7001);
      await reopened.close();
    } finally {
      await cleanup();
    }
  });

  test('after a mass delete, maintenance hands most free space back', async () => {
    const { dir, cleanup } = await tempDir();
    const store = new SqliteStore(join(dir, 'state.db'), { synchronous: 'OFF' });
    try {
      const value = 'z'.repeat(1000);
      for (let i = 0; i < 3000; i++) await store.create(`/bulk/${i}`, value);
      await store.maintenance();
      const full = store.fileSizes().db;
      for (let i = 0; i < 3000; i++) await store.delete(`/bulk/${i}`);
      await store.compact(await store.currentRevision());
      await store.maintenance();
      const after = store.fileSizes().db;
      assert.ok(after < full / 2, `file went from ${full} to ${after} bytes`);
      assert.equal(await store.count('/bulk/'), 0);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
