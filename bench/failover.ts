// bench/failover: how fast a dead node's pods run elsewhere. A `hale server --disable-agent`
// and three `hale agent` processes on this machine run a 6-replica Deployment behind a
// Service; each trial kills (-9) the agent holding the most pods and measures from the kill to
//   (a) its Node's Ready condition no longer True,
//   (b) none of its pods a ready endpoint in the Service's EndpointSlices,
//   (e) its pods marked for deletion (evicted),
//   (c) six replicas Ready on the other nodes;
// then restarts the agent on its data dir and waits for the cluster to settle. A soak phase
// then runs the healthy cluster under CPU load (one busy loop per core) and counts false
// alarms: NodeNotReady events and evicted pods.
//
// The same trials run with the failover flags set to Kubernetes' values. Their eviction waits
// for a 300 s toleration, so that profile measures (a) and (b) for real (each trial bounded by
// --k8s-bound seconds) and *computes* (c) = measured (a) + 300 s + Hale's measured
// eviction → Ready time, unless the bound is long enough (--k8s-bound 420) for every trial to
// measure (c) itself; the table says which figures are measured and which computed.
// Prints a table and one JSON object on the last line. Never passes or fails on time.
//
//   node --import tsx bench/failover.ts [--trials 10] [--soak-minutes 10] [--k8s-trials 3]
//                                       [--k8s-bound 120] [--skip-k8s] [--skip-soak]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/api/resource-type.ts';
import { resources } from '../src/client/resources.ts';
import { RestClient } from '../src/client/rest-client.ts';
import { type HaleProcess, makeTempDir, startHaleProcess } from './lib/hale-process.ts';
import { summarize } from './lib/stats.ts';
import { renderTable } from './lib/table.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const trials = flag('--trials', 10);
const soakMinutes = flag('--soak-minutes', 10);
const k8sTrials = flag('--k8s-trials', 3);
const k8sBoundMs = flag('--k8s-bound', 120) * 1000;
const skipK8s = args.includes('--skip-k8s');
const skipSoak = args.includes('--skip-soak');

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const haleBin = join(repoRoot, 'bin/hale.js');
const marker = `hale-failover-bench-${process.pid}`;
const NODES = ['b1', 'b2', 'b3'];
const REPLICAS = 6;
const KUBERNETES_TOLERATION_S = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kubernetes' values for the same flags (fencing does not exist there: off). */
const kubernetesFlags = {
  server: [
    '--node-monitor-grace-period',
    '40s',
    '--node-failure-min-grace-period',
    '40s',
    '--node-failure-phi-threshold',
    '0',
    '--node-monitor-period',
    '5s',
    '--default-not-ready-toleration-seconds',
    String(KUBERNETES_TOLERATION_S),
    '--default-unreachable-toleration-seconds',
    String(KUBERNETES_TOLERATION_S),
    '--node-eviction-rate',
    '0.1',
  ],
  agent: ['--node-lease-duration', '40s', '--node-lease-renew-interval', '10s', '--fencing-timeout', '0'],
};

interface Agent {
  name: string;
  dataDir: string;
  proc: ChildProcess;
}

interface Cluster {
  server: HaleProcess;
  client: RestClient;
  agents: Map<string, Agent>;
  agentArgs: string[];
}

async function startAgent(c: Pick<Cluster, 'server' | 'agentArgs'>, name: string, dataDir: string): Promise<Agent> {
  const token = readFileSync(join(c.server.dataDir, 'agent-token'), 'utf8').trim();
  const proc = spawn(
    process.execPath,
    [
      haleBin,
      'agent',
      '--server',
      c.server.url,
      '--token',
      token,
      '--ca-file',
      join(c.server.dataDir, 'tls/ca.crt'),
      '--node-name',
      name,
      '--data-dir',
      dataDir,
      '--agent-port',
      '0',
      '--network-mode',
      'host',
      '--log-level',
      'warn',
      ...c.agentArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dataDir } },
  );
  let output = '';
  proc.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`agent ${name} did not join:\n${output}`)), 60_000);
    proc.stdout!.on('data', (d) => {
      if (String(d).includes('joined')) {
        clearTimeout(timer);
        ok();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`agent ${name} exited with ${code}:\n${output}`));
    });
  });
  proc.stdout!.resume();
  return { name, dataDir, proc };
}

const readyOf = (o: KubeObject | undefined) => o?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status;
const podReady = (p: KubeObject) => !p.metadata?.deletionTimestamp && readyOf(p) === 'True';

async function webPods(client: RestClient): Promise<KubeObject[]> {
  return (await client.list(resources.pods, 'default', { labelSelector: 'app=fo-bench' })).items;
}

async function startCluster(k8s: boolean): Promise<Cluster> {
  const server = await startHaleProcess({ extraArgs: [...(k8s ? kubernetesFlags.server : []), '--network-mode', 'host'] });
  const client = new RestClient({ server: server.url, caPem: server.caPem, token: server.token }, { userAgent: 'hale-bench' });
  const cluster: Cluster = { server, client, agents: new Map(), agentArgs: k8s ? kubernetesFlags.agent : [] };
  for (const name of NODES) cluster.agents.set(name, await startAgent(cluster, name, makeTempDir(`hale-bench-${name}-`)));
  const container = {
    name: 'app',
    image: 'hale.local/idle',
    command: [process.execPath, '-e', 'setInterval(() => {}, 1 << 30)', marker],
  };
  await client.create(resources.deployments, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'fo-bench' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'fo-bench' } },
      template: {
        metadata: { labels: { app: 'fo-bench' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { app: 'fo-bench' } },
            },
          ],
          containers: [container],
        },
      },
    },
  });
  await client.create(resources.services, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'fo-bench' },
    spec: { selector: { app: 'fo-bench' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await until(async () => (await webPods(client)).filter(podReady).length === REPLICAS, 120_000);
  return cluster;
}

async function stopCluster(c: Cluster): Promise<void> {
  await c.client.delete(resources.deployments, 'default', 'fo-bench').catch(() => undefined);
  for (const a of c.agents.values()) a.proc.kill('SIGTERM');
  await c.server.stop();
  for (const dir of [c.server.dataDir, ...[...c.agents.values()].map((a) => a.dataDir)]) pkill(dir);
  pkill(marker);
  c.client.close();
}

function pkill(pattern: string): void {
  try {
    execFileSync('pkill', ['-9', '-f', pattern]);
  } catch {
    // nothing matched
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {
      // the API may be busy; look again
    }
    await sleep(everyMs);
  }
  return false;
}

/** Ready endpoints of the Service that sit on `node`. */
async function readyEndpointsOn(client: RestClient, node: string): Promise<number> {
  const slices = await client.list(resources.endpointSlices, 'default', { labelSelector: 'kubernetes.io/service-name=fo-bench' });
  let n = 0;
  for (const s of slices.items) for (const e of s.endpoints ?? []) if (e.nodeName === node && e.conditions?.ready !== false) n++;
  return n;
}

interface Trial {
  node: string;
  pods: number;
  notReadyMs?: number;
  endpointsMs?: number;
  evictedMs?: number;
  replacedMs?: number;
}

/** Kill -9 the agent with the most pods and time (a), (b), (e), (c); bounded by boundMs. */
async function trial(c: Cluster, boundMs: number): Promise<Trial> {
  const pods = await webPods(c.client);
  const perNode = new Map<string, number>();
  for (const p of pods.filter(podReady)) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const victim = [...perNode.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const victimPods = new Set(pods.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata?.uid));
  const agent = c.agents.get(victim)!;
  const t: Trial = { node: victim, pods: victimPods.size };
  const t0 = performance.now();
  agent.proc.kill('SIGKILL');
  const deadline = t0 + boundMs;
  while (performance.now() < deadline && t.replacedMs === undefined) {
    const elapsed = () => Math.round(performance.now() - t0);
    try {
      if (t.notReadyMs === undefined && readyOf(await c.client.get(resources.nodes, undefined, victim)) !== 'True')
        t.notReadyMs = elapsed();
      if (t.endpointsMs === undefined && (await readyEndpointsOn(c.client, victim)) === 0) t.endpointsMs = elapsed();
      const now = await webPods(c.client);
      if (t.evictedMs === undefined && now.some((p) => victimPods.has(p.metadata?.uid) && p.metadata?.deletionTimestamp))
        t.evictedMs = elapsed();
      if (now.filter((p) => podReady(p) && p.spec.nodeName !== victim).length === REPLICAS) t.replacedMs = elapsed();
    } catch {
      // busy API: look again
    }
    await sleep(50);
  }
  // The node returns on its data dir; its agent stops the pods replaced elsewhere. Wait until
  // it is Ready and untainted and exactly six replicas are Ready (with Kubernetes' values the
  // victim's pods are not evicted within the bound and simply run on when it returns).
  c.agents.set(victim, await startAgent(c, victim, agent.dataDir));
  await until(async () => {
    const node = await c.client.get(resources.nodes, undefined, victim);
    const now = await webPods(c.client);
    return readyOf(node) === 'True' && !node.spec?.taints?.length && now.length === REPLICAS && now.filter(podReady).length === REPLICAS;
  }, 120_000);
  return t;
}

/** Healthy cluster under CPU load: NodeNotReady events and evictions are false alarms. */
async function soak(
  c: Cluster,
  minutes: number,
): Promise<{ minutes: number; nodeNotReady: number; evictedPods: number; hogs: number; load1: number }> {
  const before = new Set((await webPods(c.client)).map((p) => p.metadata?.uid));
  const eventsBefore = await countEvents(c.client);
  const hogs = cpus().length;
  const hogProcs = Array.from({ length: hogs }, () => spawn(process.execPath, ['-e', `for (;;) {} // ${marker}-hog`], { stdio: 'ignore' }));
  let load = 0;
  try {
    const end = performance.now() + minutes * 60_000;
    while (performance.now() < end) {
      await sleep(Math.min(5000, end - performance.now()));
      load = Math.max(load, loadavg()[0]);
    }
  } finally {
    for (const h of hogProcs) h.kill('SIGKILL');
  }
  const after = await countEvents(c.client);
  const now = await webPods(c.client);
  const evicted = [...before].filter((uid) => !now.some((p) => p.metadata?.uid === uid && !p.metadata?.deletionTimestamp)).length;
  return {
    minutes,
    nodeNotReady: after.nodeNotReady - eventsBefore.nodeNotReady,
    evictedPods: evicted,
    hogs,
    load1: Number(load.toFixed(2)),
  };
}

async function countEvents(client: RestClient): Promise<{ nodeNotReady: number }> {
  const events = await client.list(resources.events, 'default');
  let nodeNotReady = 0;
  for (const e of events.items) if (e.reason === 'NodeNotReady' && e.involvedObject?.kind === 'Node') nodeNotReady += e.count ?? 1;
  return { nodeNotReady };
}

const stat = (xs: (number | undefined)[]) => {
  const v = xs.filter((x): x is number => x !== undefined);
  if (v.length === 0) return undefined;
  const s = summarize(v);
  return { n: v.length, min: s.min, median: s.p50, max: s.max };
};
const secs = (ms: number | undefined) => (ms === undefined ? undefined : Number((ms / 1000).toFixed(2)));

async function main(): Promise<void> {
  const started = loadavg()[0];
  process.stderr.write(
    `failover bench: ${trials} trials with Hale's defaults (load average ${started.toFixed(2)}, ${cpus().length} CPUs)\n`,
  );
  const hale = await startCluster(false);
  const haleTrials: Trial[] = [];
  let soakResult: Awaited<ReturnType<typeof soak>> | undefined;
  try {
    for (let i = 0; i < trials; i++) {
      const t = await trial(hale, 120_000);
      haleTrials.push(t);
      process.stderr.write(`  trial ${i + 1}: ${JSON.stringify(t)}\n`);
    }
    if (!skipSoak && soakMinutes > 0) {
      process.stderr.write(`soak: ${soakMinutes} min of a healthy cluster under CPU load\n`);
      soakResult = await soak(hale, soakMinutes);
    }
  } finally {
    await stopCluster(hale);
  }

  const k8sTrialsDone: Trial[] = [];
  if (!skipK8s && k8sTrials > 0) {
    process.stderr.write(`${k8sTrials} trials with Kubernetes' values (each bounded by ${k8sBoundMs / 1000} s)\n`);
    const k8s = await startCluster(true);
    try {
      for (let i = 0; i < k8sTrials; i++) {
        const t = await trial(k8s, k8sBoundMs);
        k8sTrialsDone.push(t);
        process.stderr.write(`  k8s trial ${i + 1}: ${JSON.stringify(t)}\n`);
      }
    } finally {
      await stopCluster(k8s);
    }
  }

  // Hale's eviction → all Ready, used to compute what Kubernetes' 300 s toleration leads to.
  const restartMs = stat(
    haleTrials.map((t) => (t.replacedMs !== undefined && t.evictedMs !== undefined ? t.replacedMs - t.evictedMs : undefined)),
  );
  const hale6 = {
    notReady: stat(haleTrials.map((t) => t.notReadyMs)),
    endpoints: stat(haleTrials.map((t) => t.endpointsMs)),
    evicted: stat(haleTrials.map((t) => t.evictedMs)),
    replaced: stat(haleTrials.map((t) => t.replacedMs)),
  };
  const k8sMeasured = {
    notReady: stat(k8sTrialsDone.map((t) => t.notReadyMs)),
    endpoints: stat(k8sTrialsDone.map((t) => t.endpointsMs)),
  };
  const computed = (base: number | undefined) =>
    base === undefined || !restartMs ? undefined : base + KUBERNETES_TOLERATION_S * 1000 + restartMs.median;
  const k8sComputedReplaced = {
    min: computed(k8sMeasured.notReady?.min),
    median: computed(k8sMeasured.notReady?.median),
    max: computed(k8sMeasured.notReady?.max),
  };
  // With a bound past the 300 s toleration (--k8s-bound 420) every trial measures (c) itself.
  const k8sReplaced = stat(k8sTrialsDone.map((t) => t.replacedMs));
  const k8sReplacedMeasured = k8sTrialsDone.length > 0 && k8sReplaced?.n === k8sTrialsDone.length;
  const row = (label: string, s: ReturnType<typeof stat>, how: string) => [label, s?.n, secs(s?.min), secs(s?.median), secs(s?.max), how];
  const rows = [
    row('Hale: (a) node not ready', hale6.notReady, 'measured'),
    row('Hale: (b) out of EndpointSlices', hale6.endpoints, 'measured'),
    row('Hale: pods evicted', hale6.evicted, 'measured'),
    row('Hale: (c) all replicas Ready elsewhere', hale6.replaced, 'measured'),
    row('Kubernetes values: (a) node not ready', k8sMeasured.notReady, 'measured'),
    row('Kubernetes values: (b) out of EndpointSlices', k8sMeasured.endpoints, 'measured'),
    k8sReplacedMeasured
      ? row('Kubernetes values: (c) all replicas Ready', k8sReplaced, 'measured')
      : [
          'Kubernetes values: (c) all replicas Ready',
          k8sMeasured.notReady?.n,
          secs(k8sComputedReplaced.min),
          secs(k8sComputedReplaced.median),
          secs(k8sComputedReplaced.max),
          `computed: (a) + ${KUBERNETES_TOLERATION_S} s + Hale's eviction→Ready`,
        ],
  ];
  process.stdout.write(renderTable('Time from kill -9 of an agent (seconds)', ['step', 'n', 'min', 'median', 'max', 'how'], rows));
  if (soakResult) {
    process.stdout.write(
      renderTable(
        `False alarms: healthy cluster, ${soakResult.hogs} CPU hogs for ${soakResult.minutes} min (peak load1 ${soakResult.load1})`,
        ['profile', 'NodeNotReady events', 'evicted pods'],
        [["Hale's defaults", soakResult.nodeNotReady, soakResult.evictedPods]],
      ),
    );
  }
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'failover',
      trials,
      loadAverageAtStart: Number(started.toFixed(2)),
      cpus: cpus().length,
      hale: { ...hale6, trials: haleTrials },
      kubernetesValues: {
        measured: { ...k8sMeasured, ...(k8sReplacedMeasured ? { replaced: k8sReplaced } : {}) },
        computedReplacedMs: k8sComputedReplaced,
        computedAs: `notReady + ${KUBERNETES_TOLERATION_S} s toleration + Hale's median eviction→Ready`,
        trials: k8sTrialsDone,
      },
      soak: soakResult ?? null,
    })}\n`,
  );
}

await main();
process.exit(0);
