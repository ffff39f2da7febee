import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawner } from './spawner.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const collect = (args: string[], timeoutMs = 5000, maxOutput = 1024) =>
  spawner.collect({ file: 'sh', args: ['-c', ...args], env, timeoutMs, maxOutput, outputGraceMs: 200 });

test('collect: exit code and both streams, cut at maxOutput', async () => {
  const r = await collect(['printf 0123456789; echo oops >&2; exit 4'], 5000, 4);
  assert.deepEqual(r, { exitCode: 4, stdout: '0123', stderr: 'oops', timedOut: false });
});

test('collect: a command past its timeout is killed with its process group', async () => {
  const r = await collect(['echo started; sleep 30 & wait'], 200);
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, 137);
  assert.equal(r.stdout, 'started\n');
});

test('collect: a missing program is an error, and many run at once', async () => {
  await assert.rejects(
    spawner.collect({ file: '/nonexistent/prog', args: [], env, timeoutMs: 1000, maxOutput: 10, outputGraceMs: 10 }),
    /ENOENT/,
  );
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => collect([`echo ${i}`])));
  assert.deepEqual(
    results.map((r) => r.stdout),
    Array.from({ length: 20 }, (_, i) => `${i}\n`),
  );
});

test('shim: the first stdout line, stderr appended to a file, and the exit reported later', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-spawner-'));
  try {
    const started = await spawner.shim({
      file: 'sh',
      args: ['-c', 'echo "started 1"; echo complaint >&2; sleep 0.2'],
      env,
      cwd: dir,
      stderrPath: join(dir, 'shim.log'),
    });
    assert.equal(started.statusLine, 'started 1');
    assert.ok(started.pid && started.pid > 1);
    // Like a detached child, a started shim does not keep the process alive: keep it here.
    const keepAlive = setInterval(() => {}, 1000);
    await new Promise<void>((resolve) => started.onExit(resolve));
    clearInterval(keepAlive);
    assert.equal(readFileSync(join(dir, 'shim.log'), 'utf8'), 'complaint\n');
    // Asked again after the exit: called at once.
    await new Promise<void>((resolve) => started.onExit(resolve));

    const silent = await spawner.shim({ file: 'true', args: [], env, cwd: dir, stderrPath: join(dir, 'shim.log') });
    assert.equal(silent.statusLine, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
