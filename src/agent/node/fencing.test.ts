// Self-fencing: the in-agent fence (against a real in-process API server) and the detached
// watchdog process (against a real `sleep` it must kill).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { NodeFence, watchdogScript } from './fencing.ts';

let cluster: InProcessCluster;
const dirs: string[] = [];
const children: ChildProcess[] = [];

before(async () => {
  cluster = await startInProcessCluster();
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await cluster.stop();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hale-fencing-test-'));
  dirs.push(d);
  return d;
}

test('no renewal for the timeout: fenced once, pods refused; a renewal lifts it and pods are confirmed with the API', async () => {
  let now = 1_000_000;
  let fences = 0;
  const fence = new NodeFence({
    client: cluster.client,
    nodeName: 'fn1',
    dataDir: tempDir(),
    timeoutMs: 5000,
    containersDir: '/nonexistent',
    onFence: async () => {
      fences++;
    },
    logger: pino({ level: 'silent' }),
    watchdog: false,
    now: () => now,
  });
  fence.start();
  try {
    const ours = await cluster.client.create(resources.pods, 'default', {
      metadata: { name: 'fenced-pod' },
      spec: { nodeName: 'fn1', containers: [{ name: 'c', image: 'x', command: ['true'] }] },
    });
    assert.equal(await fence.mayRun(ours), true);
    now += 5001;
    await eventually('fenced', async () => fence.isFenced());
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(fences, 1, 'onFence runs once per fence');
    assert.equal(await fence.mayRun(ours), false);

    fence.renewed(now);
    assert.equal(fence.isFenced(), false);
    assert.equal(await fence.mayRun(ours), true, 'still bound here: confirmed');
    const gone = { metadata: { name: 'replaced-elsewhere', namespace: 'default', uid: 'u-1' }, spec: { nodeName: 'fn1' } };
    assert.equal(await fence.mayRun(gone), false, 'deleted meanwhile: not run again');

    // Frozen past the timeout and the timer never ran: the late renewal still fences first.
    const before = fences;
    fence.renewed(now + 6000);
    now += 6000;
    assert.equal(fences, before + 1);
    assert.equal(fence.isFenced(), false);
  } finally {
    fence.stop();
  }
});

/** Starts `sleep` in its own process group, as the runtime's shim starts workloads. */
function startWorkload(): ChildProcess {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  children.push(child);
  return child;
}

function startTimeOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

function setUp(heartbeatAt: number) {
  const dir = tempDir();
  const heartbeat = join(dir, 'fencing', 'heartbeat');
  const containers = join(dir, 'containers');
  mkdirSync(join(dir, 'fencing'), { recursive: true });
  writeFileSync(heartbeat, String(heartbeatAt));
  const workload = startWorkload();
  mkdirSync(join(containers, 'c1'), { recursive: true });
  writeFileSync(
    join(containers, 'c1', 'record.json'),
    JSON.stringify({ id: 'c1', pid: workload.pid, startTime: startTimeOf(workload.pid!) }),
  );
  return { dir, heartbeat, containers, workload };
}

test('the watchdog kills the containers when the heartbeat is older than the timeout, and stays armed', async () => {
  const { dir, heartbeat, containers, workload } = setUp(Date.now());
  const watchdog = spawn(process.execPath, [watchdogScript(), heartbeat, containers, '300'], { stdio: 'ignore' });
  children.push(watchdog);
  await exited(workload);
  assert.equal(workload.signalCode, 'SIGKILL');
  await eventually('fenced file', async () => existsSync(join(dir, 'fencing', 'fenced')));
  assert.match(readFileSync(join(dir, 'fencing', 'fenced'), 'utf8'), /"containers":1/);
  // Still armed: a returning agent refreshes the heartbeat and a second failure fences again.
  const second = startWorkload();
  // As the runtime leaves a running container: the record from before its start, the pid in the shim's container.json.
  writeFileSync(join(containers, 'c1', 'record.json'), JSON.stringify({ id: 'c1' }));
  writeFileSync(join(containers, 'c1', 'container.json'), JSON.stringify({ pid: second.pid, startTime: startTimeOf(second.pid!) }));
  writeFileSync(heartbeat, String(Date.now()));
  await exited(second);
  assert.equal(second.signalCode, 'SIGKILL');
  rmSync(heartbeat);
  await exited(watchdog);
});

test('the watchdog leaves the containers alone while renewals continue, and exits when its heartbeat file goes', async () => {
  const { dir, heartbeat, containers, workload } = setUp(Date.now());
  const watchdog = spawn(process.execPath, [watchdogScript(), heartbeat, containers, '600'], { stdio: 'ignore' });
  children.push(watchdog);
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 150));
    writeFileSync(heartbeat, String(Date.now()));
  }
  assert.equal(workload.exitCode, null);
  assert.equal(workload.signalCode, null);
  rmSync(heartbeat);
  await exited(watchdog);
  assert.equal(workload.signalCode, null, 'not fenced');
  assert.equal(existsSync(join(dir, 'fencing', 'fenced')), false);
});

test('--fencing-timeout 0: never fenced on silence, no watchdog; replaced by another agent it is fenced for good at once', async () => {
  let now = 1_000_000;
  let fences = 0;
  // A watchdog an earlier run of this data dir (fencing on) left behind, with its workload.
  const { dir, heartbeat, containers, workload } = setUp(Date.now());
  const leftover = spawn(process.execPath, [watchdogScript(), heartbeat, containers, '60000'], { stdio: 'ignore' });
  children.push(leftover);
  writeFileSync(join(dir, 'fencing', 'watchdog.pid'), String(leftover.pid));
  await eventually('watchdog running', async () => readFileSync(`/proc/${leftover.pid}/cmdline`, 'utf8').includes(heartbeat));
  const fence = new NodeFence({
    client: cluster.client,
    nodeName: 'fn0',
    dataDir: dir,
    timeoutMs: 0,
    containersDir: containers,
    onFence: async () => {
      fences++;
    },
    logger: pino({ level: 'silent' }),
    now: () => now,
  });
  fence.start();
  try {
    // The leftover watchdog is gone (it would have killed this agent's containers) and no new one runs.
    await exited(leftover);
    assert.equal(existsSync(heartbeat), false);
    assert.equal(readFileSync(join(dir, 'fencing', 'watchdog.pid'), 'utf8'), String(leftover.pid), 'no new watchdog was started');

    const ours = await cluster.client.create(resources.pods, 'default', {
      metadata: { name: 'unfenced-pod' },
      spec: { nodeName: 'fn0', containers: [{ name: 'c', image: 'x', command: ['true'] }] },
    });
    now += 3_600_000; // an hour without a renewal
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(fence.isFenced(), false);
    assert.equal(await fence.mayRun(ours), true);
    assert.equal(fences, 0);

    fence.replacedByAnotherAgent('the-replacement');
    assert.equal(fence.isFenced(), true);
    assert.equal(fence.isReplaced(), true);
    await eventually('pods stopped', async () => fences === 1);
    assert.equal(await fence.mayRun(ours), false);
    fence.renewed(now);
    assert.equal(fence.isFenced(), true, 'never lifted');
    assert.equal(workload.exitCode, null, 'the leftover watchdog never fenced');
    assert.equal(workload.signalCode, null);
  } finally {
    fence.stop();
  }
});
