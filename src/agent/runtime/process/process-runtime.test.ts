// Real processes, real cgroups and mounts (as root; what needs root or cgroups is skipped
// otherwise). Every test cleans up its pods; `after` removes the test's cgroup root and files.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PodNetwork } from '../../network/pod-network.ts';
import type { ContainerConfig, Mount } from '../runtime.ts';
import { CgroupManager } from './cgroups.ts';
import { passwdEntry } from './passwd.ts';
import { isLiveProcess, isSameProcess, readProcStat } from './proc.ts';
import { ProcessRuntime } from './process-runtime.ts';
import { ensureShimBuilt } from './shim.ts';

const isRoot = process.getuid?.() === 0;
const cgroupRoot = `hale-test-${process.pid}`;
const podCidr = `127.${101 + (process.pid % 100)}.0.0/16`;
const root = mkdtempSync(join(tmpdir(), 'hale-process-runtime-'));
let shimPath: string;
let runtime: ProcessRuntime;
const runtimes: ProcessRuntime[] = [];

function newRuntime(rootDir: string, extra: Partial<ConstructorParameters<typeof ProcessRuntime>[0]> = {}): ProcessRuntime {
  const rt = new ProcessRuntime({ rootDir, shimPath, cgroupRoot, podCidr, exitPollMs: 100, ...extra });
  runtimes.push(rt);
  return rt;
}

before(() => {
  shimPath = ensureShimBuilt();
  runtime = newRuntime(join(root, 'state'));
});

after(async () => {
  for (const rt of runtimes) {
    for (const s of await rt.listPodSandboxes()) await rt.removePodSandbox(s.id).catch(() => {});
    rt.close();
  }
  const cgroups = new CgroupManager(cgroupRoot, { probe: false });
  if (cgroups.enabled) await cgroups.remove('').catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

let podCount = 0;
async function newPod(rt: ProcessRuntime = runtime): Promise<{ sandboxId: string; logDir: string }> {
  const name = `pod${++podCount}`;
  const logDir = join(root, 'logs', name);
  const sandboxId = await rt.runPodSandbox({
    podUid: `uid-${name}`,
    name,
    namespace: 'default',
    attempt: 0,
    hostname: name,
    logDirectory: logDir,
    labels: {},
    annotations: {},
  });
  return { sandboxId, logDir };
}

function config(logDir: string, name: string, argv: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name,
    attempt: 0,
    image: 'busybox',
    argv,
    env: [],
    mounts: [],
    logPath: join(logDir, `${name}.log`),
    tty: false,
    stdin: false,
    stdinOnce: false,
    resources: {},
    labels: {},
    annotations: {},
    ...extra,
  };
}

async function run(argv: string[], extra: Partial<ContainerConfig> = {}, rt: ProcessRuntime = runtime) {
  const { sandboxId, logDir } = await newPod(rt);
  const cfg = config(logDir, 'main', argv, extra);
  const id = await rt.createContainer(sandboxId, cfg);
  await rt.startContainer(id);
  return { sandboxId, id, logPath: cfg.logPath };
}

async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function collect(stream: Readable | undefined): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return () => text;
}

function logContents(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

describe('lifecycle and exit codes', () => {
  test('exit 0 is Completed, other codes are Error, imageRef names the resolved binary', async () => {
    const ok = await run(['sh', '-c', 'echo hello']);
    const okStatus = await runtime.waitContainer(ok.id);
    assert.equal(okStatus.state, 'exited');
    assert.equal(okStatus.exitCode, 0);
    assert.equal(okStatus.reason, 'Completed');
    assert.match(okStatus.imageRef, /^process:\/\/\/.*\/sh$/);
    assert.ok(okStatus.startedAt && okStatus.finishedAt && okStatus.finishedAt >= okStatus.startedAt);

    const bad = await run(['sh', '-c', 'exit 3']);
    const badStatus = await runtime.waitContainer(bad.id);
    assert.equal(badStatus.exitCode, 3);
    assert.equal(badStatus.reason, 'Error');
    await runtime.removePodSandbox(ok.sandboxId);
    await runtime.removePodSandbox(bad.sandboxId);
  });

  test('a command that does not exist fails to start with exit code 127 and a message', async () => {
    const { sandboxId, logDir } = await newPod();
    const id = await runtime.createContainer(sandboxId, config(logDir, 'main', ['hale-no-such-command']));
    await assert.rejects(runtime.startContainer(id), /executable file not found/);
    const status = await runtime.containerStatus(id);
    assert.equal(status?.state, 'exited');
    assert.equal(status?.exitCode, 127);
    assert.equal(status?.reason, 'StartError');
    await runtime.removePodSandbox(sandboxId);
  });

  test("an environment too large for execve fails to start with runc's reason, not a build hint", async () => {
    const { sandboxId, logDir } = await newPod();
    const huge = config(logDir, 'main', ['true'], { env: [{ name: 'HUGE', value: 'x'.repeat(200 * 1024) }] });
    const id = await runtime.createContainer(sandboxId, huge);
    await assert.rejects(runtime.startContainer(id), (err: Error) => {
      assert.match(err.message, /^exec: "true": argument list too long/);
      assert.doesNotMatch(err.message, /build-native/);
      return true;
    });
    assert.equal((await runtime.containerStatus(id))?.reason, 'StartError');
    await runtime.removePodSandbox(sandboxId);
  });

  test('an empty command is refused with a clear message', async () => {
    const { sandboxId, logDir } = await newPod();
    await assert.rejects(runtime.createContainer(sandboxId, config(logDir, 'main', [])), /needs an explicit command/);
    await runtime.removePodSandbox(sandboxId);
  });

  test('kill -9 of the workload is seen as an exit by signal (137, Error)', async () => {
    const c = await run(['sleep', '1000']);
    const pid = runtime.containerPid(c.id)!;
    assert.ok(isSameProcess(pid, readProcStat(pid)?.startTime));
    process.kill(pid, 'SIGKILL');
    const status = await runtime.waitContainer(c.id);
    assert.equal(status.exitCode, 137);
    assert.equal(status.reason, 'Error');
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('stopContainer SIGKILLs, after the timeout, a tree that ignores SIGTERM (including an escaped child)', async () => {
    const pidFile = join(root, 'tree.pids');
    const script = `trap '' TERM; sleep 1000 & echo $! > ${pidFile}; setsid sleep 1000 & echo $! >> ${pidFile}; wait`;
    const c = await run(['sh', '-c', script]);
    const [child, escaped] = await until('child pids', () => {
      const pids = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) : [];
      return pids.length === 2 && pids;
    });
    await runtime.stopContainer(c.id, 1);
    const status = await runtime.waitContainer(c.id);
    // SIGKILL, not SIGTERM (143): the TERM was ignored until the timeout.
    assert.equal(status.exitCode, 137);
    await until('the child to be gone', () => !isLiveProcess(child));
    if (runtime.features.cgroups) await until('the escaped child to be gone', () => !isLiveProcess(escaped));
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('a graceful stop delivers SIGTERM to the process group', async () => {
    const c = await run(['sh', '-c', "trap 'exit 42' TERM; while true; do sleep 0.05; done"]);
    await until('the trap to be set', () => readProcStat(runtime.containerPid(c.id)!)?.state);
    await sleep(100);
    await runtime.stopContainer(c.id, 10);
    const status = await runtime.waitContainer(c.id);
    assert.equal(status.exitCode, 42);
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('sandbox status, listing, and IP release on removal', async () => {
    const { sandboxId } = await newPod();
    const status = await runtime.podSandboxStatus(sandboxId);
    assert.equal(status?.state, 'ready');
    assert.match(status?.ip ?? '', /^127\.\d+\.\d+\.\d+$/);
    assert.ok((await runtime.listPodSandboxes()).some((s) => s.id === sandboxId));
    await runtime.stopPodSandbox(sandboxId);
    assert.equal((await runtime.podSandboxStatus(sandboxId))?.state, 'notready');
    await runtime.removePodSandbox(sandboxId);
    assert.equal(await runtime.podSandboxStatus(sandboxId), undefined);
    const other = await newPod();
    assert.notEqual((await runtime.podSandboxStatus(other.sandboxId))?.ip, undefined);
    await runtime.removePodSandbox(other.sandboxId);
  });

  test('a sandbox that fails half-way leaves nothing behind: no network, no cgroup, no record', async () => {
    const attached = new Set<string>();
    let failAttach = true;
    const network: PodNetwork = {
      mode: 'host',
      attach: async (id) => {
        if (failAttach) throw new Error('no addresses left');
        attached.add(id);
        return { ip: '127.0.0.9' };
      },
      detach: async (id) => {
        attached.delete(id);
      },
      cleanUp: async () => {},
    };
    const rt = newRuntime(join(root, 'half-way'), { network });
    const config = { podUid: 'uid-half', name: 'half', namespace: 'default', attempt: 0, hostname: 'half', labels: {}, annotations: {} };
    // Pod cgroups of every hierarchy (cgroups are skipped where the machine has none).
    const cgroups = new CgroupManager(cgroupRoot, { probe: false });
    const podCgroups = () =>
      cgroups
        .dirs('')
        .filter((dir) => existsSync(dir))
        .flatMap((dir) =>
          readdirSync(dir)
            .filter((name) => name.startsWith('pod'))
            .map((name) => join(dir, name)),
        );
    const cgroupsBefore = podCgroups();
    await assert.rejects(rt.runPodSandbox({ ...config, logDirectory: join(root, 'logs', 'half') }), /no addresses left/);
    assert.deepEqual(podCgroups(), cgroupsBefore, 'the cgroup made beside the failed network is gone');
    // The network works; the log directory cannot be made (a file is in the way).
    failAttach = false;
    mkdirSync(join(root, 'logs'), { recursive: true });
    writeFileSync(join(root, 'logs', 'in-the-way'), '');
    await assert.rejects(rt.runPodSandbox({ ...config, logDirectory: join(root, 'logs', 'in-the-way', 'half') }), /ENOTDIR/);
    assert.deepEqual([...attached], [], 'the network attached beside the failed directory is detached');
    assert.deepEqual(podCgroups(), cgroupsBefore);
    assert.deepEqual(await rt.listPodSandboxes(), []);
    assert.deepEqual(readdirSync(join(root, 'half-way', 'sandboxes')), []);
  });

  test('a sandbox whose agent was killed while making it is undone by the next runtime: network, cgroup and record', async () => {
    const dir = join(root, 'interrupted');
    const detached: string[] = [];
    const hangingNetwork: PodNetwork = {
      mode: 'host',
      attach: () => new Promise(() => {}), // the agent is "killed" before the network is ready
      detach: async () => {},
      cleanUp: async () => {},
    };
    const first = newRuntime(dir, { network: hangingNetwork });
    const config = { podUid: 'uid-cut', name: 'cut', namespace: 'default', attempt: 0, hostname: 'cut', labels: {}, annotations: {} };
    void first.runPodSandbox({ ...config, logDirectory: join(root, 'logs', 'cut') });
    const sandboxesDir = join(dir, 'sandboxes');
    const records = () => (existsSync(sandboxesDir) ? readdirSync(sandboxesDir).filter((f) => f.endsWith('.json')) : []);
    const cgroups = new CgroupManager(cgroupRoot, { probe: false });
    const cgroupDirs = (id: string) => cgroups.dirs(`pod${id}`).filter((d) => existsSync(d));
    for (let i = 0; i < 200 && records().length === 0; i++) await sleep(10);
    const [file] = records();
    assert.ok(file, 'the sandbox is recorded before its network and cgroup are made');
    const id = file.replace(/\.json$/, '');
    if (first.features.cgroups) for (let i = 0; i < 200 && cgroupDirs(id).length === 0; i++) await sleep(10);
    closeRuntime(first);

    const next = newRuntime(dir, {
      network: {
        mode: 'host',
        attach: async () => ({ ip: '127.0.0.9' }),
        detach: async (sid) => void detached.push(sid),
        cleanUp: async () => {},
      },
    });
    for (let i = 0; i < 200 && records().length > 0; i++) await sleep(10);
    assert.deepEqual(records(), [], 'the record goes');
    assert.deepEqual(detached, [id], 'the network is detached');
    assert.deepEqual(cgroupDirs(id), [], 'the pod cgroup is removed');
    assert.deepEqual(await next.listPodSandboxes(), []);
  });
});

/** Closes a runtime as a stopped agent leaves it: its containers run on for a successor to adopt. */
function closeRuntime(rt: ProcessRuntime): void {
  rt.close();
  runtimes.splice(runtimes.indexOf(rt), 1);
}

/** A `sleep 1000` container, started by a runtime on `rootDir` that is then closed. */
async function containerOfClosedRuntime(rootDir: string) {
  const first = newRuntime(rootDir);
  const c = await run(['sleep', '1000'], {}, first);
  const pid = first.containerPid(c.id)!;
  const dir = join(rootDir, 'containers', c.id);
  const shimPid: number = JSON.parse(readFileSync(join(dir, 'container.json'), 'utf8')).shimPid;
  closeRuntime(first);
  return { c, pid, dir, shimPid };
}

describe('restart of the runtime', () => {
  test('a new instance re-adopts a running container and learns the exit code of one that ended meanwhile', async () => {
    const rootDir = join(root, 'adopt');
    const first = newRuntime(rootDir);
    const goFile = join(root, 'adopt-go');
    const long = await run(['sleep', '1000'], {}, first);
    const ending = await run(['sh', '-c', `while [ ! -e ${goFile} ]; do sleep 0.02; done; exit 7`], {}, first);
    const pid = first.containerPid(long.id);
    closeRuntime(first);
    // One record write per start: on disk it is still "created"; the shim's files tell the rest.
    const onDisk = JSON.parse(readFileSync(join(rootDir, 'containers', long.id, 'record.json'), 'utf8'));
    assert.equal(onDisk.state, 'created');
    assert.equal(onDisk.pid, undefined);

    writeFileSync(goFile, '');
    const exitFile = join(rootDir, 'containers', ending.id, 'exit.json');
    await until('the container to end with no runtime watching', () => existsSync(exitFile));

    const second = newRuntime(rootDir);
    const running = await second.containerStatus(long.id);
    assert.equal(running?.state, 'running');
    assert.equal(second.containerPid(long.id), pid);
    const ended = await second.containerStatus(ending.id);
    assert.equal(ended?.state, 'exited');
    assert.equal(ended?.exitCode, 7);
    assert.equal(ended?.reason, 'Error');

    // The adopted container is still fully controlled: its exit is noticed.
    process.kill(pid!, 'SIGKILL');
    assert.equal((await second.waitContainer(long.id)).exitCode, 137);
    await second.removePodSandbox(long.sandboxId);
    await second.removePodSandbox(ending.sandboxId);
  });
  for (const saved of ['running', 'created'] as const) {
    test(`files of the previous agent and shim versions (record saved as ${saved}, shim.pid) are adopted`, async () => {
      const rootDir = join(root, `adopt-old-layout-${saved}`);
      const { c, pid, dir } = await containerOfClosedRuntime(rootDir);
      // Before: the shim wrote its pid to shim.pid, not into container.json, and the agent saved
      // the record again ("running", with the pids) once the shim reported the start.
      const record = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8'));
      const { shimPid, ...info } = JSON.parse(readFileSync(join(dir, 'container.json'), 'utf8'));
      assert.ok(shimPid > 1, 'container.json names the shim');
      writeFileSync(join(dir, 'container.json'), JSON.stringify(info));
      writeFileSync(join(dir, 'shim.pid'), `${shimPid}\n`);
      const running = { ...record, state: 'running', shimPid, shimStartTime: readProcStat(shimPid)?.startTime, ...info };
      writeFileSync(join(dir, 'record.json'), JSON.stringify(saved === 'running' ? running : record));

      const second = newRuntime(rootDir);
      assert.equal((await second.containerStatus(c.id))?.state, 'running');
      assert.equal(second.containerPid(c.id), pid);
      process.kill(pid, 'SIGKILL');
      assert.equal((await second.waitContainer(c.id)).exitCode, 137, 'the exit is learnt through the adopted shim');
      await second.removePodSandbox(c.sandboxId);
    });
  }
  test('after a restart, a start the previous agent did not see through (no container.json yet) is killed', async () => {
    const rootDir = join(root, 'adopt-unrecorded-start');
    const { c, pid, dir, shimPid } = await containerOfClosedRuntime(rootDir);
    // What a kill -9 of the agent leaves between saving the "created" record and the shim's
    // container.json: the record alone, with the shim and its workload running.
    rmSync(join(dir, 'container.json'));

    const second = newRuntime(rootDir);
    await until('the shim and its workload to be killed', () => !isLiveProcess(shimPid) && !isLiveProcess(pid));
    assert.equal((await second.containerStatus(c.id))?.state, 'created', 'never seen running: the pod worker replaces it');
    await second.removePodSandbox(c.sandboxId);
  });
  test('after a restart, a container whose shim was killed runs on, and ends as Unknown (no exit code to learn)', async () => {
    const rootDir = join(root, 'adopt-no-shim');
    const { c, pid, shimPid } = await containerOfClosedRuntime(rootDir);
    process.kill(shimPid, 'SIGKILL');
    await until('the shim to be gone', () => !isLiveProcess(shimPid));

    const second = newRuntime(rootDir);
    assert.equal((await second.containerStatus(c.id))?.state, 'running');
    assert.equal(second.containerPid(c.id), pid);
    process.kill(pid, 'SIGKILL');
    const ended = await second.waitContainer(c.id);
    assert.equal(ended.exitCode, 255);
    assert.equal(ended.reason, 'Unknown');
    await second.removePodSandbox(c.sandboxId);
  });
});

describe('logs', () => {
  test('CRI format: timestamp, stream, F for full lines and P for parts of lines over 16 KiB', async () => {
    const c = await run(['sh', '-c', 'echo out; echo err >&2; head -c 20000 /dev/zero | tr "\\0" x; echo; printf tail']);
    await runtime.waitContainer(c.id);
    const lines = logContents(c.logPath);
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] /);
    assert.ok(lines.some((l) => l.endsWith(' stdout F out')));
    assert.ok(lines.some((l) => l.endsWith(' stderr F err')));
    const partial = lines.find((l) => l.includes(' stdout P '));
    assert.equal(partial?.split(' ')[3].length, 16384);
    assert.ok(lines.some((l) => l.endsWith(` stdout F ${'x'.repeat(20000 - 16384)}`)));
    assert.ok(lines.at(-1)?.endsWith(' stdout F tail') || lines.some((l) => l.endsWith(' stdout F tail')));
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('rotation by size keeps PATH, PATH.1 … PATH.(N-1)', async () => {
    const rt = newRuntime(join(root, 'rotation'), { logMaxSizeBytes: 2000, logMaxFiles: 3, cgroups: false });
    const c = await run(['sh', '-c', 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done'], {}, rt);
    await rt.waitContainer(c.id);
    assert.ok(existsSync(c.logPath));
    assert.ok(existsSync(`${c.logPath}.1`));
    assert.ok(existsSync(`${c.logPath}.2`));
    assert.ok(!existsSync(`${c.logPath}.3`));
    for (const suffix of ['', '.1', '.2']) assert.ok(readFileSync(c.logPath + suffix).length <= 2000);
    const newest = logContents(c.logPath);
    assert.ok(newest.at(-1)?.endsWith(' stdout F line 199'));
    const previous = logContents(`${c.logPath}.1`);
    const lastOfPrevious = Number(previous.at(-1)?.split(' line ')[1]);
    assert.equal(Number(newest[0].split(' line ')[1]), lastOfPrevious + 1);
    await rt.removePodSandbox(c.sandboxId);
  });

  test('removing an exited container removes its log, rotated files included, and leaves other logs alone', async () => {
    const rt = newRuntime(join(root, 'log-removal'), { logMaxSizeBytes: 2000, logMaxFiles: 3, cgroups: false });
    const { sandboxId, logDir } = await newPod(rt);
    const spew = ['sh', '-c', 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done'];
    const old = await rt.createContainer(sandboxId, config(logDir, 'main', spew, { logPath: join(logDir, '0.log') }));
    await rt.startContainer(old);
    await rt.waitContainer(old);
    const current = await rt.createContainer(sandboxId, config(logDir, 'main', spew, { attempt: 1, logPath: join(logDir, '1.log') }));
    await rt.startContainer(current);
    await rt.waitContainer(current);
    assert.deepEqual(readdirSync(logDir).sort(), ['0.log', '0.log.1', '0.log.2', '1.log', '1.log.1', '1.log.2']);
    await rt.removeContainer(old);
    assert.deepEqual(readdirSync(logDir).sort(), ['1.log', '1.log.1', '1.log.2']);
    await rt.removePodSandbox(sandboxId);
  });
});

describe('resource limits (cgroups)', () => {
  const cgroups = () => new CgroupManager(cgroupRoot, { probe: false });

  test('memory limit: allocating past it is OOMKilled with exit code 137', async (t) => {
    if (!runtime.features.cgroups) return t.skip(`no cgroups: ${runtime.features.cgroupsReason}`);
    const c = await run(['sh', '-c', 'head -c 300M /dev/zero | tail'], { resources: { memoryLimitBytes: 32 * 1024 * 1024 } });
    const status = await runtime.waitContainer(c.id);
    assert.equal(status.reason, 'OOMKilled');
    assert.equal(status.exitCode, 137);
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('pids limit refuses forks', async (t) => {
    if (!runtime.features.cgroups) return t.skip('no cgroups');
    const c = await run(['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done; wait; echo all-forked'], {
      resources: { pidsLimit: 4 },
    });
    const status = await runtime.waitContainer(c.id);
    assert.notEqual(status.exitCode, 0);
    const log = logContents(c.logPath).join('\n');
    assert.match(log, /fork/i);
    assert.doesNotMatch(log, /all-forked/);
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('cpu limit becomes a CFS quota and the request becomes shares; stats come from the cgroup', async (t) => {
    if (!runtime.features.cgroups) return t.skip('no cgroups');
    const c = await run(['sleep', '1000'], { resources: { cpuLimitMillis: 500, cpuRequestMillis: 250 } });
    const dir = cgroups().path('cpu', `pod${c.sandboxId}/${c.id}`)!;
    if (existsSync(join(dir, 'cpu.cfs_quota_us'))) {
      assert.equal(readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8').trim(), '50000');
      assert.equal(readFileSync(join(dir, 'cpu.cfs_period_us'), 'utf8').trim(), '100000');
      assert.equal(readFileSync(join(dir, 'cpu.shares'), 'utf8').trim(), '256');
    } else {
      assert.equal(readFileSync(join(dir, 'cpu.max'), 'utf8').trim(), '50000 100000');
    }
    const pid = runtime.containerPid(c.id)!;
    assert.ok(readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)));
    const stats = await runtime.containerStats(c.id);
    assert.ok(stats && stats.memoryWorkingSetBytes > 0 && stats.cpuUsageCoreNanoSeconds > 0);
    await runtime.removePodSandbox(c.sandboxId);
    assert.ok(!existsSync(dir), 'the container cgroup is removed with the pod');
  });
});

describe('without cgroups', () => {
  test('containers run unlimited, the runtime says why, stats come from /proc and stop still works', async () => {
    const rt = newRuntime(join(root, 'no-cgroups'), { cgroups: false });
    assert.equal(rt.features.cgroups, false);
    assert.ok(rt.features.cgroupsReason);
    const c = await run(['sh', '-c', 'sleep 1000 & wait'], { resources: { memoryLimitBytes: 1024 * 1024 } }, rt);
    const stats = await until('stats', () => rt.containerStats(c.id));
    assert.ok(stats.memoryWorkingSetBytes > 0);
    await rt.stopContainer(c.id, 5);
    assert.equal((await rt.waitContainer(c.id)).exitCode, 143);
    await rt.removePodSandbox(c.sandboxId);
  });
});

describe('exec and attach', () => {
  test('execSync runs in the container context with its env and reports output and exit code', async () => {
    const c = await run(['sleep', '1000'], { env: [{ name: 'GREETING', value: 'hi' }] });
    const ip = (await runtime.podSandboxStatus(c.sandboxId))?.ip;
    const result = await runtime.execSync(c.id, ['sh', '-c', 'echo $GREETING $POD_IP; echo oops >&2; exit 3'], 5000);
    assert.deepEqual(result, { exitCode: 3, stdout: `hi ${ip}\n`, stderr: 'oops\n', timedOut: false });
    if (runtime.features.cgroups) {
      const cg = await runtime.execSync(c.id, ['cat', '/proc/self/cgroup'], 5000);
      assert.match(cg.stdout, new RegExp(`${cgroupRoot}/pod${c.sandboxId}/${c.id}`));
    }
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('runAs: the workload and every exec run as the given user, groups and supplementary groups', async (t) => {
    if (!runtime.features.switchUsers) return t.skip('switching users needs root');
    const runAs = { uid: 1000, gid: 3000, supplementalGroups: [2000, 4000] };
    const c = await run(['sh', '-c', 'echo "$(id -u) $(id -g) $(id -G)"; exec sleep 1000'], { runAs });
    await until('the id line', () => logContents(c.logPath).length > 0);
    assert.match(logContents(c.logPath)[0], / 1000 3000 3000 2000 4000$/);
    const exec = await runtime.execSync(c.id, ['sh', '-c', 'echo "$(id -u) $(id -g) $(id -G)"'], 5000);
    assert.equal(exec.stdout, '1000 3000 3000 2000 4000\n');
    await runtime.removePodSandbox(c.sandboxId);
  });

  test("runAs without a group: the user's primary group and home from /etc/passwd", async (t) => {
    if (!runtime.features.switchUsers) return t.skip('switching users needs root');
    const c = await run(['sh', '-c', 'echo "$(id -u) $(id -g) $HOME"; exec sleep 1000'], { runAs: { uid: 1000, supplementalGroups: [] } });
    await until('the id line', () => logContents(c.logPath).length > 0);
    const entry = passwdEntry(1000);
    assert.match(logContents(c.logPath)[0], new RegExp(` 1000 ${entry?.gid ?? 0} ${entry?.home ?? '/'}$`));
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('execSync times out and kills the command', async () => {
    const c = await run(['sleep', '1000']);
    const result = await runtime.execSync(c.id, ['sh', '-c', 'echo started; sleep 30'], 300);
    assert.equal(result.timedOut, true);
    assert.equal(result.stdout, 'started\n');
    assert.equal(result.exitCode, 137);
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('exec without a tty: separate stdout/stderr, stdin, exit code', async () => {
    const c = await run(['sleep', '1000']);
    const session = await runtime.exec(c.id, {
      argv: ['sh', '-c', 'read x; echo got:$x; echo err >&2; exit 4'],
      tty: false,
      stdin: true,
      stdout: true,
      stderr: true,
    });
    const out = collect(session.stdout);
    const err = collect(session.stderr);
    session.stdin?.end('hello\n');
    assert.equal(await session.exit, 4);
    assert.equal(out(), 'got:hello\n');
    assert.equal(err(), 'err\n');
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('exec with a tty: resize changes `stty size`, exit code comes back', async () => {
    const c = await run(['sleep', '1000']);
    const session = await runtime.exec(c.id, { argv: ['sh'], tty: true, stdin: true, stdout: true, stderr: true });
    assert.equal(session.stderr, undefined);
    const out = collect(session.stdout);
    session.resize(100, 40);
    session.stdin?.write('stty size\n');
    await until('the resized terminal', () => out().includes('40 100'));
    session.resize(120, 50);
    session.stdin?.write('stty size; tty\n');
    await until('the second size', () => out().includes('50 120'));
    assert.match(out(), /\/dev\/pts\/\d+/);
    session.stdin?.write('exit 5\n');
    assert.equal(await session.exit, 5);
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('exec with a tty sets TERM=xterm, as containerd does; without one the container env stays', async () => {
    const c = await run(['sleep', '1000'], { env: [{ name: 'TERM', value: 'dumb' }] });
    const session = await runtime.exec(c.id, {
      argv: ['sh', '-c', 'echo "term=$TERM"'],
      tty: true,
      stdin: false,
      stdout: true,
      stderr: true,
    });
    const out = collect(session.stdout);
    assert.equal(await session.exit, 0);
    await until('the output', () => out().includes('term='));
    assert.match(out(), /term=xterm\r?\n/);
    const plain = await runtime.execSync(c.id, ['sh', '-c', 'echo "term=$TERM"'], 10_000);
    assert.equal(plain.stdout.trim(), 'term=dumb');
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('exec close() kills the command', async () => {
    const c = await run(['sleep', '1000']);
    const session = await runtime.exec(c.id, { argv: ['sleep', '1000'], tty: false, stdin: false, stdout: true, stderr: true });
    session.close();
    assert.equal(await session.exit, 128 + 1); // SIGHUP
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('attach writes into the stdin FIFO and streams new output', async () => {
    const c = await run(['cat'], { stdin: true });
    const session = await runtime.attach(c.id, { tty: false, stdin: true, stdout: true, stderr: true });
    const out = collect(session.stdout);
    session.stdin?.write('first\n');
    await until('the echo', () => out().includes('first\n'));
    session.close();
    await session.exit;
    // stdin stays open for the next attach (stdinOnce is false).
    const again = await runtime.attach(c.id, { tty: false, stdin: true, stdout: true, stderr: false });
    const out2 = collect(again.stdout);
    again.stdin?.write('second\n');
    await until('the second echo', () => out2().includes('second\n'));
    assert.ok(!out2().includes('first'), 'attach starts at the end of the log');
    await runtime.stopContainer(c.id, 5);
    assert.equal(await again.exit, 143);
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('with stdinOnce, the end of the first attach closes the container stdin', async () => {
    const c = await run(['sh', '-c', 'cat; echo stdin-closed; exit 9'], { stdin: true, stdinOnce: true });
    const session = await runtime.attach(c.id, { tty: false, stdin: true, stdout: true, stderr: true });
    const out = collect(session.stdout);
    session.stdin?.end('only\n');
    assert.equal(await session.exit, 9);
    assert.equal(out(), 'only\nstdin-closed\n');
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('a tty container: attach relays input to its terminal, and resize reaches it', async () => {
    const c = await run(['sh'], { tty: true, stdin: true });
    const session = await runtime.attach(c.id, { tty: true, stdin: true, stdout: true, stderr: true });
    const out = collect(session.stdout);
    session.resize(90, 30);
    await until('the resized terminal', async () => {
      session.stdin?.write('stty size\n');
      await sleep(50);
      return out().includes('30 90');
    });
    session.stdin?.write('exit 6\n');
    assert.equal(await session.exit, 6);
    await runtime.removePodSandbox(c.sandboxId);
  });

  test('port-forward reaches a server bound to the pod IP', async () => {
    const port = 20000 + (process.pid % 20000);
    const server = `require('net').createServer((s) => s.end('pong ' + process.env.POD_IP)).listen(${port}, process.env.POD_IP)`;
    const c = await run([process.execPath, '-e', server]);
    const ip = (await runtime.podSandboxStatus(c.sandboxId))?.ip;
    const socket = await until('the server to listen', () => runtime.portForward(c.sandboxId, port).catch(() => undefined));
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
      });
      socket.on('end', () => resolve(text));
    });
    socket.destroy();
    assert.equal(reply, `pong ${ip}`);
    await assert.rejects(runtime.portForward(c.sandboxId, port + 1), /ECONNREFUSED/);
    await runtime.removePodSandbox(c.sandboxId);
  });
});

describe('port-forward in a pod network namespace', () => {
  test("connects to localhost inside the pod's namespace: an app bound to 127.0.0.1 is reachable, with half-close", async (t) => {
    if (!isRoot) return t.skip('needs root (network namespaces)');
    const ipCheck = spawnSync('ip', ['netns', 'list']);
    if (ipCheck.status !== 0) return t.skip('needs iproute2');
    const names: string[] = [];
    // A namespace per sandbox with only lo up: nothing but the pod's own localhost is there.
    const network: PodNetwork = {
      mode: 'isolated',
      attach: async (id) => {
        const name = `hale-test-${process.pid}-${id.slice(0, 8)}`;
        names.push(name);
        execFileSync('ip', ['netns', 'add', name]);
        execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
        return { ip: '192.0.2.1', netnsPath: `/run/netns/${name}` };
      },
      detach: async (id) => {
        spawnSync('ip', ['netns', 'del', `hale-test-${process.pid}-${id.slice(0, 8)}`]);
      },
      cleanUp: async () => {},
    };
    const rt = newRuntime(join(root, 'netns-forward'), { network });
    t.after(() => {
      for (const name of names) spawnSync('ip', ['netns', 'del', name]);
    });
    const port = 20000 + (process.pid % 20000);
    // Replies, once the client half-closed, with what it received.
    const server = `require('net').createServer({ allowHalfOpen: true }, (s) => { let got = ''; s.on('data', (d) => { got += d; }); s.on('end', () => s.end('got ' + got)); }).listen(${port}, '127.0.0.1')`;
    const c = await run([process.execPath, '-e', server], {}, rt);
    const socket = await until('the server to listen', () => rt.portForward(c.sandboxId, port).catch(() => undefined));
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
      });
      socket.on('end', () => resolve(text));
    });
    socket.write('hello');
    socket.end();
    assert.equal(await reply, 'got hello');
    socket.destroy();
    await assert.rejects(rt.portForward(c.sandboxId, port + 1), /ECONNREFUSED/);
    await rt.removePodSandbox(c.sandboxId);
  });
});

describe('volumes (mount namespace)', () => {
  test('a bind mount is visible at its mountPath inside the container only, read-only when asked', async (t) => {
    if (!isRoot || !runtime.features.mountNamespaces) return t.skip('needs root');
    const src = join(root, 'volume-src');
    mkdirSync(src);
    writeFileSync(join(src, 'hello.txt'), 'from the volume');
    const dst = join(root, 'volume-dst', 'data');
    const mounts: Mount[] = [{ hostPath: src, containerPath: dst, readOnly: true }];
    const c = await run(['sh', '-c', `cat ${dst}/hello.txt; echo; sleep 1000`], { mounts });
    await until('the workload to read the volume', () => logContents(c.logPath).some((l) => l.endsWith('F from the volume')));
    assert.deepEqual(readdirSync(dst), [], 'the host sees an empty mount point');
    const viaExec = await runtime.execSync(c.id, ['cat', `${dst}/hello.txt`], 5000);
    assert.equal(viaExec.stdout, 'from the volume');
    const write = await runtime.execSync(c.id, ['sh', '-c', `echo x > ${dst}/new.txt`], 5000);
    assert.notEqual(write.exitCode, 0);
    assert.match(write.stderr, /Read-only/i);
    await runtime.removePodSandbox(c.sandboxId);
  });
});
