import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ContainerStatus } from '../runtime/runtime.ts';
import { TERMINATION_MESSAGE_HOST_PATH_ANNOTATION, TERMINATION_MESSAGE_POLICY_ANNOTATION } from './runtime-labels.ts';
import { lastLogLines, terminationMessage } from './termination-message.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hale-tmsg-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function exited(exitCode: number, annotations: Record<string, string>, logPath = ''): ContainerStatus {
  return {
    id: 'c1',
    sandboxId: 's1',
    name: 'web',
    attempt: 0,
    state: 'exited',
    createdAt: new Date(0),
    exitCode,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    image: 'x',
    imageRef: 'process:///x',
    logPath,
    labels: {},
    annotations,
  };
}

test('the message file wins; with FallbackToLogsOnError and a failure, the log tail is used', async () => {
  const file = path.join(dir, 'msg');
  const log = path.join(dir, '0.log');
  await writeFile(
    log,
    [
      '2026-01-01T00:00:00.000000000Z stdout F starting',
      '2026-01-01T00:00:01.000000000Z stderr P half ',
      '2026-01-01T00:00:01.000000000Z stderr F line',
      '2026-01-01T00:00:02.000000000Z stderr F fatal: no config',
      '',
    ].join('\n'),
  );
  await writeFile(file, '');
  const fallback = { [TERMINATION_MESSAGE_HOST_PATH_ANNOTATION]: file, [TERMINATION_MESSAGE_POLICY_ANNOTATION]: 'FallbackToLogsOnError' };
  assert.equal(await terminationMessage(exited(1, fallback, log)), 'starting\nhalf line\nfatal: no config\n');
  assert.equal(await terminationMessage(exited(0, fallback, log)), undefined, 'no fallback on success');
  assert.equal(await terminationMessage(exited(1, { ...fallback, [TERMINATION_MESSAGE_POLICY_ANNOTATION]: 'File' }, log)), undefined);
  await writeFile(file, 'bad config at line 3');
  assert.equal(await terminationMessage(exited(1, fallback, log)), 'bad config at line 3');
});

test('the log fallback keeps the last 80 lines and 2 KiB', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `2026-01-01T00:00:00Z stdout F line ${i}`).join('\n');
  const text = lastLogLines(lines, 80, 2048);
  assert.ok(text.startsWith('line 20\n'));
  assert.ok(text.endsWith('line 99\n'));
  const long = Array.from({ length: 10 }, () => `2026-01-01T00:00:00Z stdout F ${'x'.repeat(500)}`).join('\n');
  assert.equal(Buffer.byteLength(lastLogLines(long, 80, 2048)), 2048);
});
