import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually } from '../../../client/testing/wait.ts';
import { type ShimSpawnResult, spawner } from './spawner.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const collect = (args: string[], timeoutMs = 5000, maxOutput = 1024) =>
  spawner.collect({ file: 'sh', args: ['-c', ...args], env, timeoutMs, maxOutput, outputGraceMs: 200 });
/** A shim running `sh -c script` in `dir`, its stderr appended to `stderrPath`. */
const shimSh = (dir: string, script: string, stderrPath = join(dir, 'shim.log')) =>
  spawner.shim({ file: 'sh', args: ['-c', script], env, cwd: dir, stderrPath });
/** Like a detached child, a started shim does not keep the process alive: keep it until the shims exit. */
async function shimsExited(...shims: ShimSpawnResult[]): Promise<void> {
  const keepAlive = setInterval(() => {}, 1000);
  try {
    await Promise.all(shims.map((s) => new Promise<void>((resolve) => s.onExit(resolve))));
  } finally {
    clearInterval(keepAlive);
  }
}

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
    const started = await shimSh(dir, 'echo "started 1"; echo complaint >&2; sleep 0.2');
    assert.equal(started.statusLine, 'started 1');
    assert.ok(started.pid && started.pid > 1);
    await shimsExited(started);
    assert.equal(readFileSync(join(dir, 'shim.log'), 'utf8'), 'complaint\n');
    // Asked again after the exit: called at once.
    await new Promise<void>((resolve) => started.onExit(resolve));

    const silent = await spawner.shim({ file: 'true', args: [], env, cwd: dir, stderrPath: join(dir, 'shim.log') });
    assert.equal(silent.statusLine, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const processGone = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A zombie until its new parent reaps it: gone as far as we care.
  return /^\d+ \(.*\) Z/.test(readFileSafe(`/proc/${pid}/stat`));
};
const readFileSafe = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

test('collect: 50 at once with shims among them, each answered with its own output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-spawner-'));
  try {
    const collects = Array.from({ length: 50 }, (_, i) => collect([`sleep 0.0${i % 10}; echo out ${i}; echo err ${i} >&2; exit ${i % 7}`]));
    const shims = Array.from({ length: 5 }, (_, i) => shimSh(dir, `echo "started ${i}"`, join(dir, `shim-${i}.log`)));
    const results = await Promise.all(collects);
    results.forEach((r, i) => {
      assert.deepEqual(r, { exitCode: i % 7, stdout: `out ${i}\n`, stderr: `err ${i}\n`, timedOut: false });
    });
    const started = await Promise.all(shims);
    assert.deepEqual(
      started.map((s) => s.statusLine),
      Array.from({ length: 5 }, (_, i) => `started ${i}`),
    );
    await shimsExited(...started);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('collect: the timeout kills the whole process group, grandchildren too', async () => {
  const r = await collect(['sleep 30 & echo $!; sh -c "sleep 30 & echo \\$!; wait" & wait'], 300);
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, 137);
  const pids = r.stdout.trim().split('\n').map(Number);
  assert.equal(pids.length, 2);
  for (const pid of pids) await eventually(() => processGone(pid), `pid ${pid} is gone`);
});

test('collect: output is cut at maxOutput per stream, the rest drained; bytes pass unchanged', async () => {
  const big = await collect(['head -c 300000 /dev/zero | tr "\\0" a; head -c 5000 /dev/zero | tr "\\0" b >&2'], 5000, 10);
  assert.deepEqual(big, { exitCode: 0, stdout: 'aaaaaaaaaa', stderr: 'bbbbbbbbbb', timedOut: false });
  const binary = await collect(["printf 'a\\000b\\nc'"]);
  assert.equal(binary.stdout, 'a\0b\nc');
  const utf8 = await collect(['printf "h\\303\\251"']);
  assert.equal(utf8.stdout, 'hé');
});

test('collect: after the exit, output is awaited only for outputGraceMs', async () => {
  // The background sleep keeps stdout open after sh exited.
  const r = await spawner.collect({
    file: 'sh',
    args: ['-c', 'sleep 30 & echo $!; echo bye; exit 3'],
    env,
    timeoutMs: 60_000,
    maxOutput: 100,
    outputGraceMs: 100,
  });
  assert.deepEqual({ exitCode: r.exitCode, timedOut: r.timedOut }, { exitCode: 3, timedOut: false });
  const [sleeper, bye] = r.stdout.split('\n');
  process.kill(Number(sleeper), 'SIGKILL');
  assert.equal(bye, 'bye');
});

test('spawn errors are answered like Node: ENOENT (path and PATH search), EACCES, missing cwd', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-spawner-'));
  try {
    const run = (file: string) => spawner.collect({ file, args: [], env, timeoutMs: 1000, maxOutput: 10, outputGraceMs: 10 });
    await assert.rejects(run('/nonexistent/prog'), { message: 'spawn /nonexistent/prog ENOENT' });
    await assert.rejects(run('no-such-program-hale-test'), { message: 'spawn no-such-program-hale-test ENOENT' });
    writeFileSync(join(dir, 'not-executable'), '#!/bin/sh\n', { mode: 0o644 });
    await assert.rejects(run(join(dir, 'not-executable')), { message: `spawn ${join(dir, 'not-executable')} EACCES` });
    await assert.rejects(spawner.shim({ file: 'true', args: [], env, cwd: join(dir, 'missing'), stderrPath: join(dir, 'shim.log') }), {
      message: 'spawn true ENOENT',
    });
    await assert.rejects(
      spawner.shim({ file: 'true', args: [], env, cwd: dir, stderrPath: join(dir, 'missing', 'shim.log') }),
      /^Error: ENOENT: no such file or directory, open '/,
    );
    await assert.rejects(collect(['echo a\0b']), /without null bytes/);
    // Still serving after all that.
    assert.equal((await collect(['echo fine'])).stdout, 'fine\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('children get their own session, only fds 0-2, default signals and a mode-0600 stderr file', async () => {
  const r = await collect(['ls /proc/$$/fd; cat /proc/$$/stat']);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['0', '1', '2']);
  const [pid, , , , pgrp, session] = lines[3].split(' ');
  assert.deepEqual([pgrp, session], [pid, pid]);
  // Read by the spawned program itself (sh blocks signals while it waits for its children).
  const status = await spawner.collect({
    file: 'grep',
    args: ['-E', '^Sig(Blk|Ign)', '/proc/self/status'],
    env,
    timeoutMs: 5000,
    maxOutput: 1024,
    outputGraceMs: 100,
  });
  const masks = Object.fromEntries(
    status.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(':\t')),
  );
  assert.equal(BigInt(`0x${masks.SigBlk}`), 0n);
  // Signals 1-31 (the server ignores SIGPIPE, SIGINT and SIGHUP) are back to default; 32 and 33 are libc's own.
  assert.equal(BigInt(`0x${masks.SigIgn}`) & 0x7fffffffn, 0n);

  const dir = mkdtempSync(join(tmpdir(), 'hale-spawner-'));
  try {
    const started = await shimSh(dir, 'pwd >&2; echo up');
    assert.equal(started.statusLine, 'up');
    await shimsExited(started);
    assert.equal(readFileSync(join(dir, 'shim.log'), 'utf8'), `${dir}\n`);
    assert.equal(statSync(join(dir, 'shim.log')).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the server dying fails what is in flight, tells shim watchers, and is restarted on the next request', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-spawner-'));
  let shimPid: number | undefined;
  const pidFile = join(dir, 'collect.pid');
  try {
    const shim = await shimSh(dir, 'echo up; exec sleep 30');
    shimPid = shim.pid;
    const inFlight = collect([`echo $$ > ${pidFile}; exec sleep 30`], 60_000);
    await eventually(() => readFileSafe(pidFile).endsWith('\n'), 'the collect child is running');
    const shimChecked = new Promise<void>((resolve) => shim.onExit(resolve));
    const oldServer = spawner.serverPid;
    assert.ok(oldServer);
    process.kill(oldServer, 'SIGKILL');
    await assert.rejects(inFlight, /the spawn server exited \(signal SIGKILL\)/);
    await shimChecked;
    // The shim is detached: it outlived the server.
    assert.equal(processGone(shimPid as number), false);
    assert.equal((await collect(['echo again'])).stdout, 'again\n');
    assert.notEqual(spawner.serverPid, oldServer);
  } finally {
    const collectPid = Number(readFileSafe(pidFile));
    for (const pid of [shimPid, collectPid]) {
      try {
        if (pid) process.kill(-pid, 'SIGKILL');
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the server exits when its stdin closes, killing nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-spawner-'));
  // A fresh server in a child Node process, so that closing its stdin closes only that one.
  const script = `
    import { spawner } from ${JSON.stringify(new URL('./spawner.ts', import.meta.url).href)};
    const s = await spawner.shim({ file: 'sh', args: ['-c', 'echo up; exec sleep 30'], env: { PATH: process.env.PATH }, cwd: ${JSON.stringify(dir)}, stderrPath: ${JSON.stringify(join(dir, 'log'))} });
    console.log(JSON.stringify({ shim: s.pid, server: spawner.serverPid }));
  `;
  let pids: { shim: number; server: number } | undefined;
  try {
    const r = await spawner.collect({
      file: process.execPath,
      args: ['--import', 'tsx', '--input-type=module', '-e', script],
      env: { PATH: env.PATH, HOME: process.env.HOME ?? '/' },
      timeoutMs: 30_000,
      maxOutput: 4096,
      outputGraceMs: 200,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    pids = JSON.parse(r.stdout);
    assert.ok(pids);
    // That Node process exited (it was idle); its server followed, its shim did not.
    await eventually(() => processGone(pids?.server as number), 'the old server exited');
    assert.equal(processGone(pids.shim), false);
  } finally {
    try {
      if (pids) process.kill(-pids.shim, 'SIGKILL');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});
