// The real hale-shim, started the way the process runtime starts it (startShim).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureShimBuilt, type RunShimOptions, readExitInfo, startShim } from './shim.ts';

const root = mkdtempSync(join(tmpdir(), 'hale-shim-test-'));
let shimPath: string;

before(() => {
  shimPath = ensureShimBuilt();
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

function options(name: string, extra: Partial<RunShimOptions> = {}): RunShimOptions {
  // The runtime makes the container's directory before it starts the shim there.
  const stateDir = join(root, name);
  mkdirSync(stateDir);
  return {
    shimPath,
    stateDir,
    logPath: join(stateDir, '0.log'),
    logMaxSizeBytes: 1 << 20,
    logMaxFiles: 2,
    cwd: '/',
    cgroups: [],
    mounts: [],
    tty: false,
    stdin: false,
    stdinOnce: false,
    argv: ['true'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    ...extra,
  };
}

async function waitFor(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

test('a shim that starts its workload leaves no shim.log', async () => {
  const o = options('ok');
  const result = await startShim(o);
  assert.equal(result.started, true);
  await waitFor('exit.json', () => readExitInfo(o.stateDir) !== undefined);
  assert.equal(readExitInfo(o.stateDir)?.exitCode, 0);
  assert.equal(existsSync(join(o.stateDir, 'shim.log')), false);
});

test("the shim's own error is written to shim.log and reported by startShim", async () => {
  // A log file the shim cannot open: it gives up before starting the workload.
  const o = options('bad-log', { logPath: '/proc/hale-no-such-dir/0.log' });
  const result = await startShim(o);
  assert.equal(result.started, false);
  assert.match(result.started ? '' : result.error, /^hale-shim: open log \/proc\/hale-no-such-dir\/0\.log: /);
  assert.equal(existsSync(join(o.stateDir, 'shim.log')), true);
});
