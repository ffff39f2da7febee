// Pod start-up benchmark: a burst of pods (default 100, --quick 20) created at once on one
// node — `hale server` with its embedded agent, pods pinned with spec.nodeName — and, per
// pod, the time from its create request being acknowledged to the watch event that shows it
//   Running (phase), and Ready (condition; readiness exec `true` every 10 s, the Kubernetes
//   default period, or httpGet every 1 s with --workload http). Exec probes are not free: each
//   one spawns a process from the agent, so 100 pods probed every second keep it busy.
// Then, with every pod running: the server process RSS (API server + controllers +
// scheduler + agent: the agent is embedded) against the same process before the burst, and
// the RSS of the per-container shims and workloads.
// Workloads: `sleep` with an exec readiness probe (default; the cheapest process, so the
// figures are the agent's), or `--workload http`: test/apps/flaky-server.js with an
// httpGet probe (one Node.js process per pod: on a small machine their own start-up
// dominates). Prints tables, then one JSON object on the last line. Never passes or fails.
//
//   node --import tsx bench/pod-startup.ts [--quick] [--pods 100] [--workload sleep|http] [--json FILE]
//        [--cpu-prof DIR]   (profile the agent's process — the server when embedded — into DIR)
//        [--node-flags "F ..."] (extra flags for that node process, e.g. V8 flags to compare)
//        [--separate-agent] (run the agent as its own `hale agent` process: its RSS and CPU alone)
//        [--sources]        (run src/ through tsx instead of a private esbuild bundle of it)
//        [--network host|isolated] (the agent's --network-mode; default Hale's own default)
//        [--create-connections N] (default 16: the burst's creates go out over N connections at
//                            once; 1 sends them one after the other, as `kubectl apply -f` does)
//        [--settle-seconds N] (default 60: the RSS is read 2 s after the last burst and again N s
//                            later, when V8 has given back the burst's garbage; 0 skips it)
//        [--bursts N]       (default 5: N bursts one after the other on the same server, each
//                            deleted before the next. The first is the first work of a fresh
//                            process, when V8 still interprets most of the code. V8's optimizing
//                            compiler goes on compiling the pod path through the next few bursts
//                            (~130, 100, 110, 85 functions in bursts 2–5, ~50 by the seventh),
//                            on the CPUs the pods need; by the fifth the code runs about as on a
//                            server that has been up for a while. The top-level figures are the
//                            last burst's; all are in "bursts")

import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AgentServer,
  benchNodeName,
  createPod,
  deleteAllPods,
  isPodReady,
  type PodJson,
  podProcessPids,
  startAgentServer,
  watchPodsFromNow,
} from './lib/agent-pods.ts';
import { removeTempDir } from './lib/hale-process.ts';
import { loadAverage, machineCpuMs, machineInfo } from './lib/machine.ts';
import { buildPrivateBundle } from './lib/private-bundle.ts';
import { readProcessCpuMs, readProcessMemory, toMiB } from './lib/process-rss.ts';
import { type LatencySummary, roundSummary, summarize } from './lib/stats.ts';
import { renderTable } from './lib/table.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    pods: { type: 'string' },
    workload: { type: 'string', default: 'sleep' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'node-flags': { type: 'string' },
    'separate-agent': { type: 'boolean', default: false },
    sources: { type: 'boolean', default: false },
    network: { type: 'string' },
    bursts: { type: 'string', default: '5' },
    'create-connections': { type: 'string', default: '16' },
    'settle-seconds': { type: 'string', default: '60' },
  },
});
const podCount = Number(args.pods ?? (args.quick ? 20 : 100));
if (!Number.isInteger(podCount) || podCount <= 0) throw new Error('--pods must be a positive whole number');
if (args.workload !== 'sleep' && args.workload !== 'http') throw new Error('--workload must be sleep or http');
const workload = args.workload;
const createConnections = Number(args['create-connections']);
if (!Number.isInteger(createConnections) || createConnections <= 0) throw new Error('--create-connections must be a positive whole number');
const settleSeconds = Number(args['settle-seconds']);
if (!Number.isFinite(settleSeconds) || settleSeconds < 0) throw new Error('--settle-seconds must be a number of seconds, 0 or more');
const burstCount = Number(args.bursts);
if (!Number.isInteger(burstCount) || burstCount <= 0) throw new Error('--bursts must be a positive whole number');

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const appPath = join(repoRoot, 'test/apps/flaky-server.js');
const namespace = 'default';
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function benchPod(name: string): PodJson {
  const container =
    workload === 'sleep'
      ? {
          name: 'main',
          image: 'sleep',
          command: ['sleep', '3600'],
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 10 },
        }
      : {
          name: 'main',
          image: 'flaky-server',
          command: [process.execPath, appPath],
          env: [{ name: 'PORT', value: '8080' }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
        };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'pod-startup-bench' } },
    spec: { nodeName: benchNodeName, restartPolicy: 'Always', terminationGracePeriodSeconds: 0, containers: [container] },
  };
}

/** Deletes the burst's pods and waits until the agent has stopped their containers too. */
async function deleteBurst(http: AgentServer['http'], dataDir: string): Promise<void> {
  await deleteAllPods(http, namespace);
  const deadline = performance.now() + 120_000;
  while (podProcessPids(dataDir).shims.length > 0) {
    if (performance.now() > deadline) throw new Error('containers still running 120 s after their pods were deleted');
    await sleep(100);
  }
  await sleep(1_000);
}

interface BurstResult {
  burst: number;
  createSeconds: number;
  allReadySeconds: number;
  createdToRunningMs: LatencySummary;
  createdToReadyMs: LatencySummary;
  /**
   * hale processes, this benchmark's own (its creates and watch compete for the same CPUs), and
   * the whole machine's (with the kernel's work for the pods: namespaces, forks, packets).
   */
  burstCpuMs: { server?: number; agent?: number; benchmark: number; machine: number };
}

/** Creates podCount pods at once and times each one's create ack → Running and → Ready watch events. */
async function measuredBurst(agent: AgentServer, burst: number): Promise<BurstResult> {
  const { http, server, agentPid } = agent;
  const separateAgent = args['separate-agent'];
  const createdAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const readyAt = new Map<string, number>();
  const watch = await watchPodsFromNow(agent, namespace, (_type, pod, arrivedAt) => {
    const name: string = pod.metadata.name;
    if (pod.status?.phase === 'Running' && !runningAt.has(name)) runningAt.set(name, arrivedAt);
    if (isPodReady(pod) && !readyAt.has(name)) readyAt.set(name, arrivedAt);
  });
  try {
    await watch.opened;
    log(`burst ${burst}: creating ${podCount} pods (${workload}) at once`);
    const burstStarted = performance.now();
    const cpuBefore = { server: readProcessCpuMs(server.pid), agent: separateAgent ? readProcessCpuMs(agentPid) : undefined };
    const ownCpuBefore = process.cpuUsage();
    const machineCpuBefore = machineCpuMs();
    await Promise.all(
      Array.from({ length: podCount }, async (_, i) => {
        const name = `startup-${burst}-${i}`;
        await createPod(http, namespace, benchPod(name));
        createdAt.set(name, performance.now());
      }),
    );
    const createSeconds = (performance.now() - burstStarted) / 1000;
    const deadline = performance.now() + 120_000;
    while (readyAt.size < podCount) {
      if (performance.now() > deadline) throw new Error(`only ${readyAt.size}/${podCount} pods Ready after 120 s`);
      await sleep(20);
    }
    const allReadySeconds = (performance.now() - burstStarted) / 1000;
    const cpuUsed = (pid: number, before: number | undefined) => {
      const after = readProcessCpuMs(pid);
      return after === undefined || before === undefined ? undefined : after - before;
    };
    log(`burst ${burst}: all ${podCount} pods Ready ${allReadySeconds.toFixed(2)} s after the first create`);
    const latencies = (at: Map<string, number>) =>
      [...createdAt].filter(([name]) => at.has(name)).map(([name, created]) => (at.get(name) as number) - created);
    return {
      burst,
      createSeconds: Math.round(createSeconds * 1000) / 1000,
      allReadySeconds: Math.round(allReadySeconds * 1000) / 1000,
      createdToRunningMs: roundSummary(summarize(latencies(runningAt)), 1),
      createdToReadyMs: roundSummary(summarize(latencies(readyAt)), 1),
      burstCpuMs: {
        server: cpuUsed(server.pid, cpuBefore.server),
        ...(separateAgent ? { agent: cpuUsed(agentPid, cpuBefore.agent) } : {}),
        benchmark: Math.round(cpuMsOf(process.cpuUsage(ownCpuBefore))),
        machine: Math.round(machineCpuMs() - machineCpuBefore),
      },
    };
  } finally {
    watch.close();
  }
}

const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

function networkMode(value: string | undefined): 'host' | 'isolated' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'host' && value !== 'isolated') throw new Error('--network must be host or isolated');
  return value;
}

function sumRssMiB(pids: number[]): number | undefined {
  return toMiB(pids.reduce((sum, pid) => sum + (readProcessMemory(pid)?.rssBytes ?? 0), 0));
}

async function main() {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const benchStarted = performance.now();

  log('starting hale server with its agent');
  const separateAgent = args['separate-agent'];
  // The esbuild bundle, as users run Hale; --sources runs the TypeScript through tsx instead.
  const entry = args.sources ? undefined : await buildPrivateBundle();
  const agent = await startAgentServer({
    nodeFlags: [
      ...(args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof']] : []),
      ...(args['node-flags']?.split(/\s+/).filter(Boolean) ?? []),
    ],
    separateAgent,
    entry,
    networkMode: networkMode(args.network),
    connections: createConnections,
  });
  const { http, server, agentPid } = agent;
  let results: Record<string, unknown>;
  try {
    await sleep(1_000); // let start-up work (first lists, node status) settle
    const idle = readProcessMemory(server.pid);
    const agentIdle = separateAgent ? readProcessMemory(agentPid) : undefined;
    await http.warmUp(createConnections);
    const bursts: BurstResult[] = [];
    for (let burst = 1; burst <= burstCount; burst++) {
      if (burst > 1) await deleteBurst(http, server.dataDir);
      bursts.push(await measuredBurst(agent, burst));
    }
    await sleep(2_000); // memory with the pods running, not mid-burst
    const loaded = readProcessMemory(server.pid);
    const agentLoaded = separateAgent ? readProcessMemory(agentPid) : undefined;
    // Right after a burst the heap still holds its garbage; V8 gives it back once the process
    // has been quiet for a while (~45-60 s here), which is what a node with its pods settled shows.
    if (settleSeconds > 0) log(`waiting ${settleSeconds} s for the memory to settle`);
    await sleep(settleSeconds * 1000);
    const settled = settleSeconds > 0 ? readProcessMemory(server.pid) : undefined;
    const agentSettled = settleSeconds > 0 && separateAgent ? readProcessMemory(agentPid) : undefined;
    const { shims, workloads } = podProcessPids(server.dataDir);
    const { burst: _burst, ...last } = bursts[bursts.length - 1];
    // The top-level figures are the last burst's (warm code when there are several).
    results = {
      benchmark: 'pod-startup',
      date: startedAt.toISOString(),
      machine: machineInfo(loadAtStart),
      config: {
        mode: args.quick ? 'quick' : 'full',
        pods: podCount,
        workload,
        readinessPeriodSeconds: workload === 'sleep' ? 10 : 1,
        agent: separateAgent ? 'separate' : 'embedded',
        code: args.sources ? 'sources (tsx)' : 'bundle',
        network: args.network ?? 'default',
        bursts: burstCount,
        createConnections,
        settleSeconds,
      },
      ...last,
      bursts,
      memory: {
        serverRssBeforeMiB: toMiB(idle?.rssBytes),
        serverRssWithPodsMiB: toMiB(loaded?.rssBytes),
        serverRssSettledMiB: toMiB(settled?.rssBytes),
        serverPeakRssMiB: toMiB(loaded?.peakRssBytes),
        ...(separateAgent
          ? {
              agentRssBeforeMiB: toMiB(agentIdle?.rssBytes),
              agentRssWithPodsMiB: toMiB(agentLoaded?.rssBytes),
              agentRssSettledMiB: toMiB(agentSettled?.rssBytes),
              agentPeakRssMiB: toMiB(agentLoaded?.peakRssBytes),
            }
          : {}),
        shims: shims.length,
        shimRssSumMiB: sumRssMiB(shims),
        workloadRssSumMiB: sumRssMiB(workloads),
      },
    };
    log(`deleting ${podCount} pods`);
  } finally {
    await agent.shutdown(namespace);
    removeTempDir(server.dataDir);
  }
  results.benchSeconds = Math.round(performance.now() - benchStarted) / 1000;
  results.machine = { ...(results.machine as object), loadAverage1mAtEnd: loadAverage() };
  printTables(results);
  const json = JSON.stringify(results);
  if (args.json) writeFileSync(args.json, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

function printTables(r: any): void {
  const out: string[] = [];
  if (r.machine.loadAverage1mAtStart > 0.5) {
    out.push(
      `NOTE: load average ${r.machine.loadAverage1mAtStart} at start: other processes compete for the CPU; treat these figures as noisy.\n`,
    );
  }
  out.push(
    `Hale pod start-up benchmark — ${r.config.mode} run, ${r.config.bursts} burst(s) of ${r.config.pods} pods (${r.config.workload}) on one node, agent ${r.config.agent}, ${r.config.code}, network ${r.config.network}, creates over ${r.config.createConnections} connection(s), ${r.machine.cpus} CPUs, ${r.machine.node}, ${r.date}\n`,
  );
  const row = (label: string, s: LatencySummary) => [label, s.count, s.p50, s.p90, s.p99, s.max];
  const burstName = (b: BurstResult) => (b.burst === 1 ? 'burst 1 (fresh server)' : `burst ${b.burst} (warm)`);
  out.push(
    renderTable(
      'Create acknowledged → watch event, ms',
      ['burst', 'measure', 'pods', 'p50', 'p90', 'p99', 'max'],
      r.bursts.flatMap((b: BurstResult) => [
        [burstName(b), ...row('→ Running', b.createdToRunningMs)],
        ['', ...row('→ Ready', b.createdToReadyMs)],
      ]),
    ),
  );
  const separate = r.config.agent === 'separate';
  out.push(
    renderTable(
      'Each burst: creates took, all Ready after (s); CPU time (user + system) from the first create until all were Ready (ms)',
      [
        'burst',
        'creates',
        'all Ready',
        separate ? 'hale server (API + controllers)' : 'hale server (API + controllers + agent)',
        ...(separate ? ['hale agent'] : []),
        'this benchmark',
        'whole machine',
      ],
      r.bursts.map((b: BurstResult) => [
        burstName(b),
        b.createSeconds,
        b.allReadySeconds,
        b.burstCpuMs.server,
        ...(separate ? [b.burstCpuMs.agent] : []),
        b.burstCpuMs.benchmark,
        b.burstCpuMs.machine,
      ]),
    ),
  );
  const m = r.memory;
  const serverLabel = r.config.agent === 'separate' ? 'hale server (API + controllers)' : 'hale server (API + controllers + agent)';
  const agentRows =
    r.config.agent === 'separate'
      ? [
          ['hale agent, before the pods', m.agentRssBeforeMiB],
          [`hale agent with ${r.config.pods} pods running, 2 s after the burst`, m.agentRssWithPodsMiB],
          ...(r.config.settleSeconds > 0
            ? [[`hale agent with ${r.config.pods} pods running, ${r.config.settleSeconds} s later`, m.agentRssSettledMiB]]
            : []),
          ['hale agent peak', m.agentPeakRssMiB],
        ]
      : [];
  out.push(
    renderTable(
      'Memory (RSS, MiB)',
      ['process', 'value'],
      [
        [`${serverLabel}, before the pods`, m.serverRssBeforeMiB],
        [`hale server with ${r.config.pods} pods running, 2 s after the burst`, m.serverRssWithPodsMiB],
        ...(r.config.settleSeconds > 0
          ? [[`hale server with ${r.config.pods} pods running, ${r.config.settleSeconds} s later`, m.serverRssSettledMiB]]
          : []),
        ['hale server peak', m.serverPeakRssMiB],
        ...agentRows,
        [`${m.shims} shims, sum`, m.shimRssSumMiB],
        ['workloads, sum', m.workloadRssSumMiB],
      ],
    ),
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
