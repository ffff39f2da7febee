import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { measureDiskUsage } from './disk-usage.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hale-du-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const allocated = async (...paths: string[]) => {
  let sum = 0;
  for (const p of paths) sum += (await lstat(p)).blocks * 512;
  return sum;
};

test('a tree uses the blocks of its files and directories, like du -B1', async () => {
  const root = path.join(dir, 'vol');
  await mkdir(path.join(root, 'a/b'), { recursive: true });
  await writeFile(path.join(root, 'one'), randomBytes(100_000));
  await writeFile(path.join(root, 'a/b/two'), randomBytes(300_000));
  const usage = await measureDiskUsage(root);
  const expected = await allocated(root, path.join(root, 'a'), path.join(root, 'a/b'), path.join(root, 'one'), path.join(root, 'a/b/two'));
  assert.equal(usage.bytes, expected);
  assert.ok(usage.bytes >= 400_000);
  assert.deepEqual([usage.stoppedEarly, usage.truncated], [false, false]);
});

test('a missing path uses nothing; a file is measured alone', async () => {
  assert.deepEqual(await measureDiskUsage(path.join(dir, 'none')), { bytes: 0, stoppedEarly: false, truncated: false });
  const file = path.join(dir, 'f');
  await writeFile(file, randomBytes(50_000));
  assert.equal((await measureDiskUsage(file)).bytes, await allocated(file));
});

test('the walk stops as soon as the total passes stopAbove', async () => {
  const root = path.join(dir, 'vol');
  await mkdir(root);
  for (let i = 0; i < 20; i++) await writeFile(path.join(root, `f${i}`), randomBytes(64 * 1024));
  const usage = await measureDiskUsage(root, { stopAbove: 100_000 });
  assert.equal(usage.stoppedEarly, true);
  assert.ok(usage.bytes > 100_000);
  assert.ok(usage.bytes < 20 * 64 * 1024, 'not every file was measured');
});

test('symlinks are not followed out of the volume, hard links count once', async () => {
  const outside = path.join(dir, 'outside');
  const root = path.join(dir, 'vol');
  await mkdir(outside);
  await mkdir(root);
  await writeFile(path.join(outside, 'big'), randomBytes(1024 * 1024));
  await symlink(outside, path.join(root, 'to-dir'));
  await symlink(path.join(outside, 'big'), path.join(root, 'to-file'));
  await writeFile(path.join(root, 'data'), randomBytes(200_000));
  await link(path.join(root, 'data'), path.join(root, 'data-again'));
  const usage = await measureDiskUsage(root);
  assert.ok(usage.bytes < 1024 * 1024, `the linked 1 MiB is not counted (${usage.bytes})`);
  const data = await allocated(path.join(root, 'data'));
  assert.ok(usage.bytes >= data && usage.bytes < 2 * data, `the hard-linked file counts once (${usage.bytes})`);
});

test('at most maxEntries entries are visited', async () => {
  const root = path.join(dir, 'vol');
  await mkdir(root);
  for (let i = 0; i < 10; i++) await writeFile(path.join(root, `f${i}`), 'x');
  const usage = await measureDiskUsage(root, { maxEntries: 3 });
  assert.equal(usage.truncated, true);
  assert.equal(usage.stoppedEarly, false);
});
