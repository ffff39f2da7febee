import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CriLogFollower, type CriLogRecord, parseCriLogLine } from './log-follower.ts';

const dir = mkdtempSync(join(tmpdir(), 'hale-log-follow-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const line = (stream: string, tag: string, text: string) => `2026-11-26T13:24:25.123456789Z ${stream} ${tag} ${text}\n`;

test('parses CRI log lines, including empty and partial ones', () => {
  const full = parseCriLogLine(Buffer.from('2026-11-26T13:24:25.123456789Z stderr F hello world'));
  assert.equal(full?.stream, 'stderr');
  assert.equal(full?.partial, false);
  assert.equal(full?.content.toString(), 'hello world');
  assert.equal(parseCriLogLine(Buffer.from('2026-11-26T13:24:25Z stdout P '))?.partial, true);
  assert.equal(parseCriLogLine(Buffer.from('2026-11-26T13:24:25Z stdout F'))?.content.length, 0);
  assert.equal(parseCriLogLine(Buffer.from('garbage')), undefined);
  assert.equal(parseCriLogLine(Buffer.from('t other F x')), undefined);
});

test('follows from the end, across a rotation', async () => {
  const path = join(dir, '0.log');
  writeFileSync(path, line('stdout', 'F', 'old'));
  const seen: CriLogRecord[] = [];
  const follower = new CriLogFollower(path, (r) => seen.push(r), { pollMs: 10_000 });
  await follower.start();
  appendFileSync(path, line('stdout', 'P', 'par') + line('stdout', 'F', 'tial'));
  await follower.poll();
  renameSync(path, `${path}.1`);
  appendFileSync(`${path}.1`, line('stderr', 'F', 'last words before rotation'));
  writeFileSync(path, line('stdout', 'F', 'new file'));
  await follower.poll();
  await follower.stop();
  assert.deepEqual(
    seen.map((r) => `${r.stream}:${r.partial ? 'P' : 'F'}:${r.content}`),
    ['stdout:P:par', 'stdout:F:tial', 'stderr:F:last words before rotation', 'stdout:F:new file'],
  );
});
