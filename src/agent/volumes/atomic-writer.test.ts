import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Payload, validatePayloadPath, writePayload } from './atomic-writer.ts';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'hale-atomic-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const file = (text: string | Buffer, mode = 0o644) => ({ data: Buffer.from(text), mode });
const payloadOf = (entries: Record<string, string>, mode = 0o644): Payload =>
  new Map(Object.entries(entries).map(([k, v]) => [k, file(v, mode)]));

test('the kubelet layout: timestamped dir, ..data link, per-name links', async () => {
  const dir = path.join(root, 'layout');
  assert.equal(writePayload(dir, new Map([...payloadOf({ 'app.conf': 'a=1' }), ['nested/deep/x.txt', file('x', 0o600)]])), true);
  const ts = await readlink(path.join(dir, '..data'));
  assert.match(ts, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/);
  assert.equal(await readlink(path.join(dir, 'app.conf')), '..data/app.conf');
  assert.equal(await readlink(path.join(dir, 'nested')), '..data/nested'); // only the top-level name is a link
  assert.equal(await readFile(path.join(dir, 'app.conf'), 'utf8'), 'a=1');
  assert.equal(await readFile(path.join(dir, 'nested/deep/x.txt'), 'utf8'), 'x');
  assert.equal((await stat(path.join(dir, 'nested/deep/x.txt'))).mode & 0o777, 0o600);
  assert.equal((await stat(path.join(dir, 'app.conf'))).mode & 0o777, 0o644);
  assert.deepEqual((await readdir(dir)).sort(), ['..data', ts, 'app.conf', 'nested'].sort());
});

test('an unchanged payload writes nothing; a change swaps versions and drops the old one', async () => {
  const dir = path.join(root, 'swap');
  writePayload(dir, payloadOf({ a: '1', b: '2' }));
  const first = await readlink(path.join(dir, '..data'));
  assert.equal(writePayload(dir, payloadOf({ a: '1', b: '2' })), false);
  assert.equal(await readlink(path.join(dir, '..data')), first);

  assert.equal(writePayload(dir, payloadOf({ a: '1', c: '3' })), true);
  const second = await readlink(path.join(dir, '..data'));
  assert.notEqual(second, first);
  assert.equal(await readFile(path.join(dir, 'c'), 'utf8'), '3');
  await assert.rejects(lstat(path.join(dir, 'b')), { code: 'ENOENT' }); // a removed key's link is gone
  await assert.rejects(lstat(path.join(dir, first)), { code: 'ENOENT' }); // the old version is gone
  assert.deepEqual((await readdir(dir)).sort(), ['..data', second, 'a', 'c'].sort());

  // A mode change alone is a change.
  assert.equal(writePayload(dir, payloadOf({ a: '1', c: '3' }, 0o400)), true);
  assert.equal((await stat(path.join(dir, 'a'))).mode & 0o777, 0o400);
});

test('an empty payload leaves only the ..data link', async () => {
  const dir = path.join(root, 'empty');
  writePayload(dir, payloadOf({ a: '1' }));
  writePayload(dir, new Map());
  const entries = await readdir(dir);
  assert.equal(entries.length, 2);
  assert.ok(entries.includes('..data'));
});

test('paths that could escape the volume are refused', () => {
  assert.throws(() => validatePayloadPath('/etc/passwd'), /must be relative path/);
  assert.throws(() => validatePayloadPath('a/../../x'), /must not contain '\.\.'/);
  assert.throws(() => validatePayloadPath('..data'), /must not start with '\.\.'/);
  assert.doesNotThrow(() => validatePayloadPath('a/b.c'));
});

test('a concurrent reader never sees a half-written or mixed file', async () => {
  const dir = path.join(root, 'concurrent');
  const size = 512 * 1024;
  const version = (i: number) => payloadOf({ data: String.fromCharCode(97 + (i % 26)).repeat(size) });
  writePayload(dir, version(0));
  const stopFile = path.join(root, 'stop-reader');
  // A separate process reads as fast as it can while this one keeps swapping versions.
  const reader = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs');
       const [file, stop, size] = process.argv.slice(1);
       let reads = 0, torn = 0, missing = 0;
       process.stdout.write('reading\\n');
       while (!fs.existsSync(stop)) {
         let text;
         try { text = fs.readFileSync(file, 'latin1'); } catch { missing++; continue; }
         reads++;
         if (text.length !== Number(size) || text !== text[0].repeat(text.length)) torn++;
       }
       process.stdout.write(JSON.stringify({ reads, torn, missing }));`,
      path.join(dir, 'data'),
      stopFile,
      String(size),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  let reading!: () => void;
  const readerStarted = new Promise<void>((resolve) => (reading = resolve));
  reader.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) reading();
  });
  const exited = new Promise((resolve) => reader.on('exit', resolve));
  await readerStarted;
  // The writer is synchronous: yield between versions so that the reader's reads interleave.
  for (let i = 1; i <= 60; i++) {
    writePayload(dir, version(i));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await writeFile(stopFile, '');
  await exited;
  const result = JSON.parse(out.slice(out.indexOf('\n') + 1));
  assert.ok(result.reads > 0, out);
  assert.equal(result.torn, 0, out);
  assert.equal(await readFile(path.join(dir, 'data'), 'latin1'), 'i'.repeat(size)); // version 60
});
