// Restart benchmark: how fast does a supervisor bring a SIGKILLed app back?
// The same small HTTP app (test/apps/flaky-server.js) runs
//   - as a Hale pod (restartPolicy Always, readiness httpGet /healthz every 1 s), and
//   - under PM2 in fork mode (autorestart, PM2's defaults; a devDependency, bench only).
// Each trial `kill -9`s the process listening on the app's address and measures
//   kill → the port answers HTTP again (both), and kill → the pod is Ready again (Hale).
// Kubernetes restarts the first crash at once but grows the back-off for later crashes of
// the same container within 10 minutes, so every Hale trial uses a fresh pod: each kill is
// its pod's first. PM2 restarts the same process each time; between trials we wait past
// PM2's min_uptime (1 s) so no restart counts as "unstable".
// Prints tables, then one JSON object on the last line. Never passes or fails.
//
//   node --import tsx bench/restart.ts [--quick] [--trials 20] [--json FILE] [--sources]
// (--sources: run src/ through tsx instead of a private esbuild bundle of it)

import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AgentServer,
  benchNodeName,
  createPod,
  deletePodAndWait,
  isPodReady,
  podProcessPids,
  startAgentServer,
  waitForPod,
  watchPodsFromNow,
} from './lib/agent-pods.ts';
import { makeTempDir, removeTempDir } from './lib/hale-process.ts';
import { loadAverage, machineInfo } from './lib/machine.ts';
import { buildPrivateBundle } from './lib/private-bundle.ts';
import { percentileOfSorted } from './lib/stats.ts';
import { type Cell, renderTable } from './lib/table.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    trials: { type: 'string' },
    json: { type: 'string' },
    sources: { type: 'boolean', default: false },
  },
});
const trials = Number(args.trials ?? (args.quick ? 5 : 20));
if (!Number.isInteger(trials) || trials <= 0) throw new Error('--trials must be a positive whole number');

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const appPath = join(repoRoot, 'test/apps/flaky-server.js');
const pm2Bin = join(repoRoot, 'node_modules/.bin/pm2');
const namespace = 'default';
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- finding and killing the app process ---------------------------------------------

/** /proc/net/tcp writes IPv4 addresses as little-endian hex, ports as big-endian hex. */
function procNetAddress(ip: string, port: number): string {
  const hexIp = ip
    .split('.')
    .reverse()
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('');
  return `${hexIp}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
}

/**
 * The pid whose socket listens on ip:port (found the same way for Hale and PM2). `netnsOf`:
 * a process inside the network namespace to look in (a pod with its own network namespace
 * does not show up in this process's /proc/net/tcp); default this process's own.
 */
function listeningPid(ip: string, port: number, netnsOf: number | 'self' = 'self'): number | undefined {
  const wanted = procNetAddress(ip, port);
  let inode: string | undefined;
  let table: string;
  try {
    table = readFileSync(`/proc/${netnsOf}/net/tcp`, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === wanted && f[3] === '0A') inode = f[9]; // 0A = LISTEN
  }
  if (!inode) return undefined;
  const target = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === target) return Number(entry);
      } catch {}
    }
  }
  return undefined;
}

/** True once the process is gone or a zombie (its sockets are closed either way). */
function isDead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** One GET on a fresh connection; true on a 200. */
function answers(ip: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ host: ip, port, path: '/healthz', agent: false, timeout: 500 }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on('error', () => done(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * SIGKILLs the listener, after `isOurs(pid)` confirms it is this benchmark's process (other
 * Hale servers on the machine hand out the same loopback pod IPs); resolves with kill → the
 * port answers again, in ms.
 */
async function killAndTimeAnswer(
  ip: string,
  port: number,
  isOurs: (pid: number) => boolean,
  netnsOf: number | 'self' = 'self',
  timeoutMs = 30_000,
): Promise<{ killedAt: number; answerMs: number }> {
  const pid = listeningPid(ip, port, netnsOf);
  if (!pid) throw new Error(`nothing listens on ${ip}:${port}`);
  if (!isOurs(pid)) throw new Error(`${ip}:${port} is held by pid ${pid}, which this benchmark did not start; not killing it`);
  const killedAt = performance.now();
  process.kill(pid, 'SIGKILL');
  // Do not count an answer from the dying process: wait until it is really gone.
  while (!isDead(pid)) await sleep(1);
  for (;;) {
    if (await answers(ip, port)) return { killedAt, answerMs: performance.now() - killedAt };
    if (performance.now() - killedAt > timeoutMs) throw new Error(`${ip}:${port} did not answer within ${timeoutMs} ms of the kill`);
    await sleep(2);
  }
}

// ---- Hale ---------------------------------------------------------------------------

function appPod(name: string, appPort: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'restart-bench' } },
    spec: {
      nodeName: benchNodeName,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'app',
          image: 'flaky-server',
          command: [process.execPath, appPath],
          env: [{ name: 'PORT', value: String(appPort) }],
          readinessProbe: { httpGet: { path: '/healthz', port: appPort }, periodSeconds: 1 },
        },
      ],
    },
  };
}

/** Nanosecond RFC 3339 timestamps from the shim's files, as epoch milliseconds (fractional). */
function epochMs(rfc3339: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(rfc3339);
  if (!m) return Number.NaN;
  return Date.parse(`${m[1]}Z`) + Number(`0.${m[2] ?? '0'}`) * 1000;
}

/**
 * Where a restart's time went, from the files the shims keep per container: the old
 * container's exit.json (finishedAt: its shim reaped the workload) and the new one's
 * container.json (startedAt: the new workload exec'd).
 */
function restartTimeline(dataDir: string, podName: string): { exitedAt: number; restartedAt: number } | undefined {
  const root = join(dataDir, 'agent/runtime/process/containers');
  let exitedAt: number | undefined;
  let restartedAt: number | undefined;
  for (const id of readdirSync(root)) {
    try {
      const record = JSON.parse(readFileSync(join(root, id, 'record.json'), 'utf8'));
      if (record.config?.labels?.['io.kubernetes.pod.name'] !== podName) continue;
      if (record.config.attempt === 0) exitedAt = epochMs(JSON.parse(readFileSync(join(root, id, 'exit.json'), 'utf8')).finishedAt);
      if (record.config.attempt === 1) restartedAt = epochMs(JSON.parse(readFileSync(join(root, id, 'container.json'), 'utf8')).startedAt);
    } catch {
      // not this pod's, or not written yet
    }
  }
  return exitedAt !== undefined && restartedAt !== undefined ? { exitedAt, restartedAt } : undefined;
}

async function haleTrials(agent: AgentServer) {
  const { http, server } = agent;
  // A port of our own: pod IPs repeat across Hale servers on one machine, ports need not.
  const appPort = await freePort();
  const answerMs: number[] = [];
  const readyMs: number[] = [];
  /** The shim reaped the killed workload → the new workload exec'd: Hale's own share. */
  const exitToRespawnMs: number[] = [];
  /** The new workload exec'd → its port answers: the app's own start-up. */
  const respawnToAnswerMs: number[] = [];
  for (let i = 0; i < trials; i++) {
    const name = `restart-${i}`;
    await createPod(http, namespace, appPod(name, appPort));
    const pod = await waitForPod(http, namespace, name, isPodReady);
    const ip: string = pod.status.podIP;
    // Watch this pod from now on: the Ready edge after the restart is timed on arrival.
    let readyAgainAt: number | undefined;
    const watch = await watchPodsFromNow(agent, namespace, (_type, p, arrivedAt) => {
      if (p.metadata.name !== name || readyAgainAt !== undefined) return;
      if ((p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && isPodReady(p)) readyAgainAt = arrivedAt;
    });
    try {
      await watch.opened;
      // Look in the pod's network namespace (any of this server's workloads will do: the only one running is this pod's).
      const { killedAt, answerMs: answered } = await killAndTimeAnswer(
        ip,
        appPort,
        (pid) => podProcessPids(server.dataDir).workloads.includes(pid),
        podProcessPids(server.dataDir).workloads.find((pid) => !isDead(pid)) ?? 'self',
      );
      // Wall clock at the answer (the shims' timestamps are wall-clock too).
      const answeredAtWall = Date.now() - (performance.now() - (killedAt + answered));
      answerMs.push(answered);
      const timeline = restartTimeline(server.dataDir, name);
      if (timeline) {
        exitToRespawnMs.push(timeline.restartedAt - timeline.exitedAt);
        respawnToAnswerMs.push(answeredAtWall - timeline.restartedAt);
      }
      const deadline = performance.now() + 30_000;
      while (readyAgainAt === undefined) {
        if (performance.now() > deadline) throw new Error(`pod ${name} not Ready again within 30 s of the kill`);
        await sleep(5);
      }
      readyMs.push(readyAgainAt - killedAt);
      log(`hale trial ${i + 1}/${trials}: answers after ${Math.round(answered)} ms, Ready after ${Math.round(readyAgainAt - killedAt)} ms`);
    } finally {
      watch.close();
    }
    await deletePodAndWait(http, namespace, name);
  }
  return { answerMs, readyMs, exitToRespawnMs, respawnToAnswerMs };
}

// ---- baseline: the app's own start-up ---------------------------------------------------

/** spawn → the port answers, with no supervisor: the floor under both restart times. */
async function baselineTrials() {
  const port = await freePort();
  const ip = '127.0.0.1';
  const startMs: number[] = [];
  for (let i = 0; i < trials; i++) {
    const started = performance.now();
    const child = spawn(process.execPath, [appPath], { env: { ...process.env, PORT: String(port), POD_IP: ip }, stdio: 'ignore' });
    try {
      while (!(await answers(ip, port))) {
        if (performance.now() - started > 30_000) throw new Error('the app did not answer within 30 s of spawning');
        await sleep(2);
      }
      startMs.push(performance.now() - started);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
    }
  }
  log(`baseline: spawn → answers median ${Math.round(summary(startMs).p50)} ms`);
  return startMs;
}

// ---- PM2 ----------------------------------------------------------------------------

let pm2Home: string | undefined;

function pm2(pm2Args: string[]): string {
  return execFileSync(pm2Bin, pm2Args, { env: { ...process.env, PM2_HOME: pm2Home }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Kills PM2's daemon and apps by their pid files; synchronous, so usable in 'exit'. */
function killPm2ByPidFiles(home: string): void {
  const pidFiles = [join(home, 'pm2.pid')];
  try {
    for (const f of readdirSync(join(home, 'pids'))) pidFiles.push(join(home, 'pids', f));
  } catch {}
  for (const file of pidFiles) {
    try {
      process.kill(Number(readFileSync(file, 'utf8').trim()), 'SIGKILL');
    } catch {}
  }
}

process.prependListener('exit', () => {
  if (pm2Home) killPm2ByPidFiles(pm2Home);
});

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

async function pm2Trials() {
  pm2Home = makeTempDir('hale-bench-pm2-');
  const port = await freePort();
  const ip = '127.0.0.1';
  const answerMs: number[] = [];
  try {
    log(`pm2: starting ${appPath} in fork mode (PM2_HOME=${pm2Home})`);
    execFileSync(pm2Bin, ['start', appPath, '--name', 'flaky'], {
      env: { ...process.env, PM2_HOME: pm2Home, PORT: String(port), POD_IP: ip },
      stdio: 'ignore',
    });
    const deadline = performance.now() + 30_000;
    while (!(await answers(ip, port))) {
      if (performance.now() > deadline) throw new Error('the app under PM2 did not answer within 30 s');
      await sleep(20);
    }
    for (let i = 0; i < trials; i++) {
      await sleep(1_100); // past PM2's min_uptime, so the restart is a normal one
      const appPid = JSON.parse(pm2(['jlist']))[0]?.pid;
      const { answerMs: answered } = await killAndTimeAnswer(ip, port, (pid) => pid === appPid);
      answerMs.push(answered);
      log(`pm2 trial ${i + 1}/${trials}: answers after ${Math.round(answered)} ms`);
    }
    const described = JSON.parse(pm2(['jlist']))[0];
    return { answerMs, version: pm2(['--version']).trim(), restarts: described?.pm2_env?.restart_time as number | undefined };
  } finally {
    try {
      pm2(['kill']);
    } catch {}
    killPm2ByPidFiles(pm2Home);
    removeTempDir(pm2Home);
    pm2Home = undefined;
  }
}

// ---- main -----------------------------------------------------------------------------

interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
}

function summary(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { count: s.length, min: r(s[0]), p50: r(percentileOfSorted(s, 50)), p95: r(percentileOfSorted(s, 95)), max: r(s[s.length - 1]) };
}

async function main() {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const benchStarted = performance.now();

  log('starting hale server with its agent');
  // The esbuild bundle, as users run Hale; --sources runs the TypeScript through tsx instead.
  const agent = await startAgentServer({ entry: args.sources ? undefined : await buildPrivateBundle() });
  let hale: Awaited<ReturnType<typeof haleTrials>>;
  try {
    hale = await haleTrials(agent);
  } finally {
    await agent.shutdown(namespace);
    removeTempDir(agent.server.dataDir);
  }
  const pm2Result = await pm2Trials();
  const baseline = await baselineTrials();

  const results = {
    benchmark: 'restart',
    date: startedAt.toISOString(),
    machine: { ...machineInfo(loadAtStart), loadAverage1mAtEnd: loadAverage() },
    config: { mode: args.quick ? 'quick' : 'full', trials, app: 'test/apps/flaky-server.js', readinessPeriodSeconds: 1 },
    haleAnswerMs: summary(hale.answerMs),
    haleReadyMs: summary(hale.readyMs),
    haleExitToRespawnMs: summary(hale.exitToRespawnMs),
    haleRespawnToAnswerMs: summary(hale.respawnToAnswerMs),
    pm2AnswerMs: summary(pm2Result.answerMs),
    baselineSpawnToAnswerMs: summary(baseline),
    pm2: { version: pm2Result.version, restartsCounted: pm2Result.restarts },
    samples: {
      haleAnswerMs: hale.answerMs.map(Math.round),
      haleReadyMs: hale.readyMs.map(Math.round),
      haleExitToRespawnMs: hale.exitToRespawnMs.map((n) => Math.round(n * 10) / 10),
      pm2AnswerMs: pm2Result.answerMs.map(Math.round),
      baselineSpawnToAnswerMs: baseline.map(Math.round),
    },
    goals: {
      haleAnswerMedianBelowPm2: summary(hale.answerMs).p50 < summary(pm2Result.answerMs).p50,
      haleAnswerMedianUnder100Ms: summary(hale.answerMs).p50 < 100,
      haleReadyMedianUnder1s: summary(hale.readyMs).p50 < 1000,
    },
    benchSeconds: Math.round(performance.now() - benchStarted) / 1000,
  };
  printTable(results);
  const json = JSON.stringify(results);
  if (args.json) writeFileSync(args.json, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

function printTable(r: {
  date: string;
  config: { mode: string; trials: number };
  machine: { cpus: number; node: string; loadAverage1mAtStart: number };
  haleAnswerMs: Summary;
  haleReadyMs: Summary;
  haleExitToRespawnMs: Summary;
  haleRespawnToAnswerMs: Summary;
  pm2AnswerMs: Summary;
  baselineSpawnToAnswerMs: Summary;
  pm2: { version: string };
  goals: Record<string, boolean>;
}): void {
  const row = (label: string, s: Summary): Cell[] => [label, s.count, s.min, s.p50, s.p95, s.max];
  const out: string[] = [];
  if (r.machine.loadAverage1mAtStart > 0.5) {
    out.push(
      `NOTE: load average ${r.machine.loadAverage1mAtStart} at start: other processes compete for the CPU; treat these figures as noisy.\n`,
    );
  }
  out.push(
    `Hale restart benchmark — ${r.config.mode} run, ${r.config.trials} trials each, ${r.machine.cpus} CPUs, ${r.machine.node}, ${r.date}\n`,
  );
  out.push(
    renderTable(
      'kill -9 of the app process → …, ms',
      ['measure', 'trials', 'min', 'median', 'p95', 'max'],
      [
        row('Hale: port answers again', r.haleAnswerMs),
        row(`PM2 ${r.pm2.version} (fork mode): port answers again`, r.pm2AnswerMs),
        row('Hale: pod Ready again (readiness every 1 s)', r.haleReadyMs),
        row('no supervisor: spawn → port answers (the floor)', r.baselineSpawnToAnswerMs),
      ],
    ),
  );
  out.push(
    renderTable(
      "Hale's restart, split at the shims' timestamps, ms",
      ['part', 'trials', 'min', 'median', 'p95', 'max'],
      [
        row("Hale: old workload reaped → new workload exec'd (Hale's own)", r.haleExitToRespawnMs),
        row("app: new workload exec'd → port answers (the app's own)", r.haleRespawnToAnswerMs),
      ],
    ),
  );
  out.push(
    `Goals: Hale answers faster than PM2 (median): ${r.goals.haleAnswerMedianBelowPm2 ? 'met' : 'missed'}; ` +
      `Hale answers < 100 ms (median): ${r.goals.haleAnswerMedianUnder100Ms ? 'met' : 'missed'}; ` +
      `Ready < 1 s (median): ${r.goals.haleReadyMedianUnder1s ? 'met' : 'missed'}\n`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
