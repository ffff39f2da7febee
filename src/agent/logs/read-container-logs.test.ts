import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import type { LogOptions } from './log-options.ts';
import { rotatedFiles, writeContainerLogs } from './read-container-logs.ts';

const root = mkdtempSync(join(tmpdir(), 'hale-logs-'));
after(() => rmSync(root, { recursive: true, force: true }));

const base: LogOptions = { follow: false, previous: false, timestamps: false };
let dirCount = 0;

function rec(second: number, stream: 'stdout' | 'stderr', tag: 'F' | 'P', text: string): string {
  return `2026-01-01T00:00:${String(second).padStart(2, '0')}.000000001Z ${stream} ${tag} ${text}\n`;
}

/** A log directory with 0.log.2 (oldest), 0.log.1 and 0.log. */
function rotatedLog(): string {
  const dir = join(root, `c${dirCount++}`);
  const path = join(dir, '0.log');
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${path}.2`, rec(1, 'stdout', 'F', 'one') + rec(2, 'stderr', 'F', 'two'));
  writeFileSync(`${path}.1`, rec(3, 'stdout', 'P', 'thr') + rec(3, 'stdout', 'F', 'ee'));
  writeFileSync(path, rec(4, 'stdout', 'F', 'four') + rec(5, 'stdout', 'F', ''));
  return path;
}

async function collect(path: string, options: Partial<LogOptions>, ctx = {}): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeContainerLogs(path, { ...base, ...options }, out, ctx);
  return Buffer.concat(chunks).toString();
}

test('lists rotated files oldest first', async () => {
  const path = rotatedLog();
  assert.deepEqual(await rotatedFiles(path), [`${path}.2`, `${path}.1`]);
});

test('reads every file in order, joining partial records', async () => {
  assert.equal(await collect(rotatedLog(), {}), 'one\ntwo\nthree\nfour\n\n');
});

test('tail counts whole lines across files', async () => {
  const path = rotatedLog();
  assert.equal(await collect(path, { tailLines: 3 }), 'three\nfour\n\n');
  assert.equal(await collect(path, { tailLines: 0 }), '');
  assert.equal(await collect(path, { tailLines: 100 }), 'one\ntwo\nthree\nfour\n\n');
});

test('timestamps prefix each line once', async () => {
  const out = await collect(rotatedLog(), { timestamps: true, tailLines: 3 });
  assert.equal(out, '2026-01-01T00:00:03.000000001Z three\n2026-01-01T00:00:04.000000001Z four\n2026-01-01T00:00:05.000000001Z \n');
});

test('since drops older records; limitBytes cuts the output', async () => {
  const path = rotatedLog();
  const since = BigInt(Date.parse('2026-01-01T00:00:03Z')) * 1_000_000n;
  assert.equal(await collect(path, { sinceNanos: since }), 'three\nfour\n\n');
  assert.equal(await collect(path, { limitBytes: 6 }), 'one\ntw');
  assert.equal(await collect(path, { limitBytes: 6, tailLines: 1 }), '\n');
});

test('a missing log file is an empty log', async () => {
  assert.equal(await collect(join(root, 'nothing', '0.log'), {}), '');
});

test('follow streams appended lines, across a rotation, until the container exits', async () => {
  const dir = join(root, 'follow');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, '0.log');
  writeFileSync(path, rec(1, 'stdout', 'F', 'before'));
  let markExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });
  const out = new PassThrough();
  let text = '';
  const seen = new Map<string, () => void>();
  out.on('data', (c: Buffer) => {
    text += c.toString();
    for (const [needle, resolve] of seen) if (text.includes(needle)) resolve();
  });
  const waitFor = (needle: string) =>
    new Promise<void>((resolve) => {
      if (text.includes(needle)) resolve();
      else seen.set(needle, resolve);
    });
  const done = writeContainerLogs(path, { ...base, follow: true, tailLines: 1 }, out, { exited, pollMs: 20 });
  await waitFor('before\n');
  appendFileSync(path, rec(2, 'stdout', 'F', 'appended'));
  await waitFor('appended\n');
  appendFileSync(path, rec(3, 'stdout', 'F', 'last of old file'));
  renameSync(path, `${path}.1`);
  writeFileSync(path, rec(4, 'stderr', 'F', 'new file'));
  await waitFor('new file\n');
  appendFileSync(path, rec(5, 'stdout', 'F', 'final words'));
  markExited();
  await done;
  assert.equal(text, 'before\nappended\nlast of old file\nnew file\nfinal words\n');
});

test('follow stops when the client goes away', async () => {
  const dir = join(root, 'abort');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, '0.log');
  writeFileSync(path, rec(1, 'stdout', 'F', 'x'));
  const controller = new AbortController();
  const out = new PassThrough();
  out.resume();
  const done = writeContainerLogs(path, { ...base, follow: true }, out, { signal: controller.signal, pollMs: 20 });
  controller.abort();
  await done;
});
