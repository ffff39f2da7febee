import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { MemoryStore } from './memory/memory-store.ts';
import { openStore } from './open-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hale-open-store-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

test('no endpoint means SQLite under the data directory', async () => {
  const store = await openStore(undefined, dataDir);
  assert.ok(store instanceof SqliteStore);
  await store.create('/k', 'v');
  await store.close();
  assert.ok(existsSync(join(dataDir, 'db', 'state.db')));
});

test('sqlite:// with no path is the default file; with a path, that file', async () => {
  const byDefault = await openStore('sqlite://', dataDir);
  assert.equal((byDefault as SqliteStore).path, join(dataDir, 'db', 'state.db'));
  await byDefault.close();
  const custom = join(dataDir, 'elsewhere', 'my.db');
  const explicit = await openStore(`sqlite://${custom}?synchronous=normal`, dataDir);
  await explicit.create('/k', 'v');
  await explicit.close();
  assert.ok(existsSync(custom));
});

test('sqlite options are checked', async () => {
  await assert.rejects(openStore('sqlite://?synchronous=sometimes', dataDir), /invalid synchronous mode/);
  await assert.rejects(openStore('sqlite://?cache=big', dataDir), /unknown sqlite datastore option "cache"/);
});

test('memory:// is the in-memory store', async () => {
  const store = await openStore('memory://', dataDir);
  assert.ok(store instanceof MemoryStore);
  await store.close();
});

test('etcd is not available yet, and unknown schemes are refused', async () => {
  await assert.rejects(openStore('etcd://127.0.0.1:2379', dataDir), { message: 'etcd datastore is not implemented yet' });
  await assert.rejects(openStore('mysql://db', dataDir), /unsupported datastore endpoint/);
  await assert.rejects(openStore('/just/a/path', dataDir), /unsupported datastore endpoint/);
});
