import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSync } from './file-sync.ts';

test('concurrent sync requests all settle, in the order they were made', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hale-file-sync-'));
  try {
    const path = join(dir, 'data');
    await writeFile(path, 'x');
    const sync = new FileSync(path);
    const order: number[] = [];
    // The first starts a flush; the rest arrive while it runs and share the next one.
    await Promise.all([0, 1, 2, 3].map((i) => sync.sync().then(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3]);
    sync.syncNow();
    await sync.sync();
    sync.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file that does not exist is an error at once', async () => {
  assert.throws(() => new FileSync(join(tmpdir(), `hale-missing-${process.pid}`, 'x')), /ENOENT/);
});
