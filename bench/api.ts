// API server benchmark: starts a real `hale server` process in a temp dir and measures,
// with concurrent HTTPS clients:
//   - create / get / update / delete of ~1 KB ConfigMaps at maximum rate (closed loop),
//   - single-object writes at a fixed rate (open loop, default 500/s) — target p99 < 20 ms,
//   - lists of a small and a large namespace, as JSON, as Table, and paged like kubectl,
//   - watch fan-out: many watchers on one resource, event delivery latency and events/s,
//   - server memory (VmRSS) idle and after the load, and spawn → /readyz time.
// Prints readable tables, then one JSON object on the last line. Never passes or fails.
//
//   node --import tsx bench/api.ts [--quick] [--datastore memory://] [--clients 16]
//        [--rate 500] [--json FILE] [--cpu-prof DIR]   (profile the server's CPU into DIR)
//        [--server bundle|sources]   (default bundle: what `npm install` ships, built fresh;
//                                     sources: the TypeScript through tsx, as in development)
//        [--entry FILE]   run this prebuilt server script instead (A/B runs of two builds)

import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type HaleProcess, makeTempDir, removeTempDir, startHaleProcess } from './lib/hale-process.ts';
import { BenchHttpClient } from './lib/http.ts';
import { type LoadResult, runClosedLoop, runOpenLoop } from './lib/load.ts';
import { loadAverage, machineInfo } from './lib/machine.ts';
import { buildPrivateBundle } from './lib/private-bundle.ts';
import { readProcessCpuMs, readProcessMemory, toMiB } from './lib/process-rss.ts';
import { type LatencySummary, perSecond, roundSummary, summarize } from './lib/stats.ts';
import { type Cell, renderTable } from './lib/table.ts';
import { WatchListener } from './lib/watch-listener.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    datastore: { type: 'string' },
    clients: { type: 'string', default: '16' },
    rate: { type: 'string', default: '500' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
    server: { type: 'string', default: 'bundle' },
    entry: { type: 'string' },
  },
});
if (args.server !== 'bundle' && args.server !== 'sources') throw new Error('--server must be bundle or sources');

const sizes = args.quick
  ? {
      crudObjects: 2_000,
      gets: 2_000,
      smallList: 500,
      smallListRepeats: 10,
      largeListRepeats: 3,
      openLoopSeconds: 3,
      watchers: 20,
      watchPacedWrites: 100,
      watchPacedRate: 100,
      watchBurstWrites: 200,
      coldStarts: 2,
      warmStarts: 2,
    }
  : {
      crudObjects: 10_000,
      gets: 20_000,
      smallList: 1_000,
      smallListRepeats: 40,
      largeListRepeats: 8,
      openLoopSeconds: 10,
      watchers: 100,
      watchPacedWrites: 500,
      watchPacedRate: 100,
      watchBurstWrites: 1_000,
      coldStarts: 5,
      warmStarts: 5,
    };
const config = {
  mode: args.quick ? 'quick' : 'full',
  datastore: args.datastore ?? 'sqlite (default)',
  server: args.entry ?? (args.server === 'bundle' ? 'bundle' : 'sources via tsx'),
  clients: Number(args.clients),
  openLoopRate: Number(args.rate),
  configMapBytes: 1024,
  ...sizes,
};

for (const [name, value] of [
  ['--clients', config.clients],
  ['--rate', config.openLoopRate],
] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number`);
}

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ---- objects ------------------------------------------------------------------------

const nsPath = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;

/** A ConfigMap whose request body is exactly `config.configMapBytes` long. */
function configMapBody(name: string, revision: number, resourceVersion?: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'hale-bench', revision: String(revision) }, ...(resourceVersion ? { resourceVersion } : {}) },
    data: { 'settings.conf': '' },
  };
  const head = JSON.stringify(doc);
  const line = `option-${revision} = value\\n`; // escaped newline: 2 bytes in JSON
  const room = Math.max(0, config.configMapBytes - head.length);
  const text = line
    .repeat(Math.ceil(room / line.length))
    .slice(0, room)
    .replace(/\\$/, ' ');
  return head.replace('"settings.conf":""', `"settings.conf":"${text}"`);
}

function resourceVersionOf(body: Buffer): string {
  return JSON.parse(body.toString('utf8')).metadata.resourceVersion;
}

// ---- measurement helpers -------------------------------------------------------------

interface PhaseResult {
  requests: number;
  ok: number;
  failures: Record<string, number>;
  seconds: number;
  perSecond: number;
  latencyMs: LatencySummary;
  /** Server CPU (all threads) during the phase, in % of one core. */
  serverCpuPercent?: number;
}

async function measured(server: HaleProcess, run: () => Promise<LoadResult>): Promise<PhaseResult> {
  const cpuBefore = readProcessCpuMs(server.pid);
  const result = await run();
  const cpuAfter = readProcessCpuMs(server.pid);
  return {
    requests: result.ok + Object.values(result.failures).reduce((a, b) => a + b, 0),
    ok: result.ok,
    failures: result.failures,
    seconds: Math.round(result.elapsedMs) / 1000,
    perSecond: perSecond(result.ok, result.elapsedMs),
    latencyMs: roundSummary(summarize(result.latenciesMs)),
    serverCpuPercent:
      cpuBefore !== undefined && cpuAfter !== undefined ? Math.round(((cpuAfter - cpuBefore) * 100) / result.elapsedMs) : undefined,
  };
}

async function ensureNamespace(http: BenchHttpClient, name: string): Promise<void> {
  const res = await http.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  if (res.status !== 201 && res.status !== 409) throw new Error(`creating namespace ${name}: ${res.status} ${res.body}`);
}

/** Creates objects name-0 … name-(count-1) with `clients` in parallel; fails on any error. */
async function fill(http: BenchHttpClient, ns: string, prefix: string, count: number): Promise<void> {
  const result = await runClosedLoop(config.clients, count, async (i) => {
    return (await http.request('POST', nsPath(ns), configMapBody(`${prefix}-${i}`, 0))).status;
  });
  if (result.ok !== count) throw new Error(`filling ${ns}: ${JSON.stringify(result.failures)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- phases -----------------------------------------------------------------------------

async function crudPhases(server: HaleProcess, http: BenchHttpClient) {
  const ns = 'bench-crud';
  const n = config.crudObjects;
  const rvs: string[] = new Array(n);
  await ensureNamespace(http, ns);

  log(`create: ${n} ConfigMaps, ${config.clients} clients`);
  const create = await measured(server, () =>
    runClosedLoop(config.clients, n, async (i) => {
      const res = await http.request('POST', nsPath(ns), configMapBody(`cm-${i}`, 1));
      if (res.status === 201) rvs[i] = resourceVersionOf(res.body);
      return res.status;
    }),
  );

  log(`get: ${config.gets} GETs`);
  const get = await measured(server, () =>
    // A fixed stride through the objects: spread out, and the same in every run.
    runClosedLoop(config.clients, config.gets, async (i) => (await http.request('GET', `${nsPath(ns)}/cm-${(i * 7919) % n}`)).status),
  );

  log(`update: ${n} PUTs with resourceVersion preconditions`);
  const update = await measured(server, () =>
    runClosedLoop(config.clients, n, async (i) => {
      const res = await http.request('PUT', `${nsPath(ns)}/cm-${i}`, configMapBody(`cm-${i}`, 2, rvs[i]));
      return res.status;
    }),
  );
  return { ns, create, get, update };
}

async function deletePhase(server: HaleProcess, http: BenchHttpClient, ns: string) {
  log(`delete: ${config.crudObjects} DELETEs`);
  return measured(server, () =>
    runClosedLoop(config.clients, config.crudObjects, async (i) => (await http.request('DELETE', `${nsPath(ns)}/cm-${i}`)).status),
  );
}

interface ListResult {
  objects: number;
  format: 'json' | 'table' | 'table, paged by 500';
  repeats: number;
  responseBytes: number;
  latencyMs: LatencySummary;
}

async function listPhase(http: BenchHttpClient, largeNs: string): Promise<ListResult[]> {
  const smallNs = 'bench-list';
  await ensureNamespace(http, smallNs);
  log(`list: filling ${smallNs} with ${config.smallList} ConfigMaps`);
  await fill(http, smallNs, 'cm', config.smallList);

  const out: ListResult[] = [];
  const cases = [
    { ns: smallNs, objects: config.smallList, repeats: config.smallListRepeats },
    { ns: largeNs, objects: config.crudObjects, repeats: config.largeListRepeats },
  ];
  for (const c of cases) {
    for (const format of ['json', 'table', 'table, paged by 500'] as const) {
      log(`list: ${c.objects} objects as ${format}, ${c.repeats} times`);
      const headers: Record<string, string> = format === 'json' ? {} : { Accept: tableAccept };
      const latencies: number[] = [];
      let bytes = 0;
      for (let r = 0; r < c.repeats; r++) {
        const started = performance.now();
        let items = 0;
        let continueToken = '';
        bytes = 0;
        // kubectl get asks for pages of 500 and follows `continue`; time the whole walk.
        do {
          const query =
            format === 'table, paged by 500' ? `?limit=500${continueToken ? `&continue=${encodeURIComponent(continueToken)}` : ''}` : '';
          const res = await http.request('GET', nsPath(c.ns) + query, undefined, headers);
          if (res.status !== 200) throw new Error(`list ${c.ns}: ${res.status} ${res.body.subarray(0, 300)}`);
          bytes += res.body.length;
          const page = JSON.parse(res.body.toString('utf8'));
          items += (page.items ?? page.rows).length;
          continueToken = page.metadata?.continue ?? '';
        } while (continueToken);
        latencies.push(performance.now() - started);
        if (items !== c.objects) throw new Error(`list ${c.ns}: expected ${c.objects} objects, got ${items}`);
      }
      out.push({ objects: c.objects, format, repeats: c.repeats, responseBytes: bytes, latencyMs: roundSummary(summarize(latencies)) });
    }
  }
  return out;
}

interface WatchRun {
  writes: number;
  writeMode: string;
  expectedEvents: number;
  deliveredEvents: number;
  missingEvents: number;
  eventsPerSecond: number;
  /** Write acknowledged (response received) → event received by a watcher. */
  latencyFromAckMs: LatencySummary;
  /** Write request sent → event received by a watcher. */
  latencyFromSendMs: LatencySummary;
}

async function watchPhase(http: BenchHttpClient, server: HaleProcess) {
  const ns = 'bench-watch';
  await ensureNamespace(http, ns);
  const listed = await http.request('GET', nsPath(ns));
  const rv = JSON.parse(listed.body.toString('utf8')).metadata.resourceVersion;
  log(`watch: opening ${config.watchers} watchers`);
  const listeners = Array.from(
    { length: config.watchers },
    () =>
      new WatchListener({
        baseUrl: server.url,
        token: server.token,
        caPem: server.caPem,
        path: `${nsPath(ns)}?watch=1&resourceVersion=${rv}`,
      }),
  );
  try {
    await Promise.all(listeners.map((l) => l.opened));
    let written = 0;
    const runOnce = async (label: string, writes: number, load: (op: (i: number) => Promise<number>) => Promise<LoadResult>) => {
      for (const l of listeners) l.arrivals.clear();
      const records: { rv: number; sentAt: number; ackAt: number }[] = [];
      const op = async () => {
        const name = `w-${written++}`;
        const sentAt = performance.now();
        const res = await http.request('POST', nsPath(ns), configMapBody(name, 1));
        const ackAt = performance.now();
        if (res.status === 201) records.push({ rv: Number(resourceVersionOf(res.body)), sentAt, ackAt });
        return res.status;
      };
      log(`watch: ${writes} writes, ${label}`);
      await load(op);
      // Wait for every watcher to see every write (or give up after 10 s).
      const deadline = performance.now() + 10_000;
      const complete = () => listeners.every((l) => records.every((r) => l.arrivals.has(r.rv)));
      while (!complete() && performance.now() < deadline) await sleep(20);
      return summarizeWatch(label, records, listeners);
    };
    const paced = await runOnce(`paced at ${config.watchPacedRate}/s`, config.watchPacedWrites, (op) =>
      runOpenLoop(config.watchPacedRate, (config.watchPacedWrites * 1000) / config.watchPacedRate, op),
    );
    const burst = await runOnce(`as fast as ${config.clients} clients go`, config.watchBurstWrites, (op) =>
      runClosedLoop(config.clients, config.watchBurstWrites, op),
    );
    return { watchers: config.watchers, paced, burst };
  } finally {
    for (const l of listeners) l.close();
  }
}

function summarizeWatch(writeMode: string, records: { rv: number; sentAt: number; ackAt: number }[], listeners: WatchListener[]): WatchRun {
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  let missing = 0;
  let lastArrival = 0;
  for (const r of records) {
    for (const l of listeners) {
      const at = l.arrivals.get(r.rv);
      if (at === undefined) {
        missing++;
        continue;
      }
      fromAck.push(at - r.ackAt);
      fromSend.push(at - r.sentAt);
      lastArrival = Math.max(lastArrival, at);
    }
  }
  const firstSent = Math.min(...records.map((r) => r.sentAt));
  return {
    writes: records.length,
    writeMode,
    expectedEvents: records.length * listeners.length,
    deliveredEvents: fromAck.length,
    missingEvents: missing,
    eventsPerSecond: perSecond(fromAck.length, lastArrival - firstSent),
    latencyFromAckMs: roundSummary(summarize(fromAck)),
    latencyFromSendMs: roundSummary(summarize(fromSend)),
  };
}

async function openLoopPhase(server: HaleProcess, http: BenchHttpClient) {
  const ns = 'bench-open';
  const rate = config.openLoopRate;
  const total = Math.round(rate * config.openLoopSeconds);
  const updatePool = 100;
  await ensureNamespace(http, ns);
  log(`open loop: preparing ${updatePool} objects to update and ${Math.ceil(total / 3)} to delete`);
  await fill(http, ns, 'u', updatePool);
  await fill(http, ns, 'd', Math.ceil(total / 3));

  // More connections than the target needs in flight, opened before the clock starts.
  const openHttp = new BenchHttpClient({ baseUrl: server.url, token: server.token, caPem: server.caPem, maxSockets: 64 });
  await openHttp.warmUp(32);
  // Every third request creates, updates (unconditionally, no resourceVersion) or deletes.
  const verbs = ['create', 'update', 'delete'] as const;
  const op = async (i: number): Promise<number> => {
    const k = Math.floor(i / 3);
    switch (verbs[i % 3]) {
      case 'create':
        return (await openHttp.request('POST', nsPath(ns), configMapBody(`c-${k}`, 1))).status;
      case 'update':
        return (await openHttp.request('PUT', `${nsPath(ns)}/u-${k % updatePool}`, configMapBody(`u-${k % updatePool}`, k + 1))).status;
      default:
        return (await openHttp.request('DELETE', `${nsPath(ns)}/d-${k}`)).status;
    }
  };
  log(`open loop: ${rate} writes/s for ${config.openLoopSeconds} s`);
  await serverEventLoopDelay(http); // resets the server's histogram
  const cpuBefore = readProcessCpuMs(server.pid);
  const loopStartedAt = performance.now();
  // The client shares the machine: its own event-loop stalls would look like server latency.
  const clientLoopDelay = monitorEventLoopDelay({ resolution: 5 });
  clientLoopDelay.enable();
  const result = await runOpenLoop(rate, config.openLoopSeconds * 1000, op);
  clientLoopDelay.disable();
  const cpuAfter = readProcessCpuMs(server.pid);
  const serverLoopDelay = await serverEventLoopDelay(http);
  openHttp.close();
  // The slowest requests, and when they were due (seconds since the server was spawned), to
  // line stalls up with periodic server work (compaction runs every 60 s) in a profile.
  const scheduledAt = (i: number) => (loopStartedAt - server.spawnedAt + (i * 1000) / rate) / 1000;
  const slowest = result.latencyByIndex
    .map((ms, i) => ({ i, ms }))
    .filter((x) => !Number.isNaN(x.ms))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map(({ i, ms }) => ({ verb: verbs[i % 3], ms: Math.round(ms), secondsAfterSpawn: Math.round(scheduledAt(i) * 10) / 10 }));
  const byVerb = Object.fromEntries(
    verbs.map((verb, v) => [verb, roundSummary(summarize(result.latencyByIndex.filter((ms, i) => i % 3 === v && !Number.isNaN(ms))))]),
  ) as Record<(typeof verbs)[number], LatencySummary>;
  return {
    targetPerSecond: rate,
    sentPerSecond: result.sentPerSecond,
    seconds: Math.round(result.elapsedMs) / 1000,
    requests: total,
    ok: result.ok,
    failures: result.failures,
    maxInFlight: result.maxInFlight,
    latencyMs: roundSummary(summarize(result.latenciesMs)),
    byVerb,
    slowest,
    clientSendLagMs: roundSummary(summarize(result.sendLagMs)),
    clientEventLoopDelayMaxMs: Math.round(clientLoopDelay.max / 1e6),
    serverEventLoopDelayMs: serverLoopDelay,
    serverCpuPercent:
      cpuBefore !== undefined && cpuAfter !== undefined ? Math.round(((cpuAfter - cpuBefore) * 100) / result.elapsedMs) : undefined,
  };
}

/**
 * How long the server's event loop was blocked since the previous call, from its /metrics
 * (prom-client's event-loop histogram, sampled by a 10 ms timer and reset at each scrape).
 * The timer's own 10 ms are subtracted. Unlike request latency this does not include time
 * the requests spent in the client or in the kernel, so it shows what the server itself did
 * (or how much CPU the machine's other processes left it).
 */
async function serverEventLoopDelay(http: BenchHttpClient): Promise<{ p99: number; max: number } | undefined> {
  const res = await http.request('GET', '/metrics');
  if (res.status !== 200) return undefined;
  const text = res.body.toString();
  const seconds = (name: string) => Number(new RegExp(`^hale_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
  const beyondTimer = (s: number) => (Number.isFinite(s) ? Math.max(0, Math.round((s * 1000 - 10) * 10) / 10) : Number.NaN);
  return { p99: beyondTimer(seconds('p99')), max: beyondTimer(seconds('max')) };
}

/** The server entry chosen in main(), reused for the start-up runs. */
let serverProcess: { entry?: string; nodeFlags?: string[] } = {};

async function startupPhase() {
  const cold: number[] = [];
  const warm: number[] = [];
  const rssAtReady: number[] = [];
  let dir: string | undefined;
  try {
    for (let i = 0; i < config.coldStarts; i++) {
      if (dir) removeTempDir(dir);
      dir = makeTempDir();
      log(`startup: cold start ${i + 1}/${config.coldStarts} (new data dir)`);
      const p = await startHaleProcess({ dataDir: dir, datastore: args.datastore, ...serverProcess });
      cold.push(p.readyMs);
      rssAtReady.push(readProcessMemory(p.pid)?.rssBytes ?? Number.NaN);
      await p.stop();
    }
    dir ??= makeTempDir();
    for (let i = 0; i < config.warmStarts; i++) {
      log(`startup: warm start ${i + 1}/${config.warmStarts} (existing data dir)`);
      const p = await startHaleProcess({ dataDir: dir, datastore: args.datastore, ...serverProcess });
      warm.push(p.readyMs);
      await p.stop();
    }
  } finally {
    if (dir) removeTempDir(dir);
  }
  const round = (xs: number[]) => xs.map((x) => Math.round(x));
  return {
    coldMs: round(cold),
    warmMs: round(warm),
    cold: roundSummary(summarize(cold), 0),
    warm: roundSummary(summarize(warm), 0),
    rssAtReadyMiB: rssAtReady.map((b) => toMiB(b)),
  };
}

// ---- main -----------------------------------------------------------------------------

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * How the server process runs. Users run the esbuild bundle (bin/hale.js prefers it once
 * `npm install` has built it), which loads faster and needs ~50 MB less memory than the
 * sources through tsx (whose loader runs a second V8 isolate). bin/hale.js falls back to tsx
 * whenever a source file is newer than dist/, so build a private bundle of the current
 * sources instead of trusting dist/hale.mjs.
 */
async function serverEntry(): Promise<{ entry: string; nodeFlags: string[] }> {
  process.env.HALE_ROOT ??= repoRoot;
  if (args.entry) return { entry: resolve(args.entry), nodeFlags: [] };
  if (args.server === 'sources') return { entry: join(repoRoot, 'src/cli/main.ts'), nodeFlags: ['--import', 'tsx'] };
  return { entry: await buildPrivateBundle(), nodeFlags: [] };
}

async function main() {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const benchStarted = performance.now();
  const dataDir = makeTempDir();
  log(`building the server (${args.server})`);
  const { entry, nodeFlags: entryFlags } = await serverEntry();
  serverProcess = { entry, nodeFlags: entryFlags };
  const nodeFlags = [...entryFlags, ...(args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof']] : [])];
  log(`starting hale server (${config.datastore}) in ${dataDir}`);
  const server = await startHaleProcess({ dataDir, datastore: args.datastore, nodeFlags, entry });
  const http = new BenchHttpClient({ baseUrl: server.url, token: server.token, caPem: server.caPem, maxSockets: config.clients });
  try {
    await sleep(500); // let start-up work (controllers' first lists) settle
    const idle = readProcessMemory(server.pid);
    await http.warmUp(config.clients);

    const crud = await crudPhases(server, http);
    const lists = await listPhase(http, crud.ns);
    const watch = await watchPhase(http, server);
    const openLoop = await openLoopPhase(server, http);
    const del = await deletePhase(server, http, crud.ns);
    const afterLoad = readProcessMemory(server.pid);
    http.close();
    await server.stop();
    removeTempDir(dataDir);

    const startup = await startupPhase();
    const results = {
      benchmark: 'api',
      date: startedAt.toISOString(),
      // Other work on the machine skews every figure; a load far above 0 means noise.
      machine: { ...machineInfo(loadAtStart), platform: `${process.platform}/${process.arch}`, loadAverage1mAtEnd: loadAverage() },
      config,
      crud: { create: crud.create, get: crud.get, update: crud.update, delete: del },
      openLoop,
      lists,
      watch,
      memory: {
        rssIdleMiB: toMiB(idle?.rssBytes),
        rssAfterLoadMiB: toMiB(afterLoad?.rssBytes),
        peakRssMiB: toMiB(afterLoad?.peakRssBytes),
      },
      startup,
      benchSeconds: Math.round(performance.now() - benchStarted) / 1000,
    };
    printTables(results);
    const json = JSON.stringify(results);
    if (args.json) writeFileSync(args.json, `${json}\n`);
    process.stdout.write(`${json}\n`);
  } finally {
    http.close();
    await server.stop();
    removeTempDir(dataDir);
  }
}

function latencyCells(s: LatencySummary): Cell[] {
  return [s.p50, s.p90, s.p99, s.max];
}

function printTables(r: any): void {
  const out: string[] = [];
  if (r.machine.loadAverage1mAtStart > 0.5) {
    out.push(
      `NOTE: load average ${r.machine.loadAverage1mAtStart} at start: other processes compete for the CPU; treat these figures as noisy.\n`,
    );
  }
  out.push(
    `Hale API benchmark — ${r.config.mode} run, ${r.config.datastore}, server from ${r.config.server}, ${r.machine.cpus} CPUs, ${r.machine.node}, load average ${r.machine.loadAverage1mAtStart} at start, ${r.date}\n`,
  );
  const crudRows: Cell[][] = (['create', 'get', 'update', 'delete'] as const).map((verb) => {
    const p: PhaseResult = r.crud[verb];
    return [verb, p.ok, failuresText(p.failures), p.perSecond, ...latencyCells(p.latencyMs), p.serverCpuPercent];
  });
  out.push(
    renderTable(
      `Single-object requests at full speed (${r.config.clients} clients, ~1 KB ConfigMaps), latency in ms`,
      ['verb', 'ok', 'failed', 'req/s', 'p50', 'p90', 'p99', 'max', 'server cpu %'],
      crudRows,
    ),
  );
  const o = r.openLoop;
  out.push(
    renderTable(
      `Open loop: ${o.targetPerSecond} writes/s (sent ${o.sentPerSecond}/s) for ${r.config.openLoopSeconds} s, latency from scheduled send in ms (target p99 < 20)`,
      ['verb', 'ok', 'failed', 'p50', 'p90', 'p99', 'max'],
      [
        ['all', o.ok, failuresText(o.failures), ...latencyCells(o.latencyMs)],
        ...(['create', 'update', 'delete'] as const).map((v) => [v, o.byVerb[v].count, '', ...latencyCells(o.byVerb[v])]),
      ],
    ),
  );
  out.push(
    `Client health: send lag p99 ${o.clientSendLagMs.p99} ms, max ${o.clientSendLagMs.max} ms; client event-loop delay max ${o.clientEventLoopDelayMaxMs} ms\n` +
      `Server event loop blocked: p99 ${o.serverEventLoopDelayMs?.p99 ?? '?'} ms, max ${o.serverEventLoopDelayMs?.max ?? '?'} ms (beyond its 10 ms sampling timer)\n` +
      `Slowest: ${o.slowest.map((x: { verb: string; ms: number; secondsAfterSpawn: number }) => `${x.ms} ms (${x.verb}, due ${x.secondsAfterSpawn} s after spawn)`).join(', ')}\n`,
  );
  out.push(
    renderTable(
      'Lists (one at a time), ms per complete list',
      ['objects', 'format', 'MB', 'repeats', 'p50', 'p90', 'p99', 'max'],
      r.lists.map((l: ListResult) => [l.objects, l.format, l.responseBytes / 1e6, l.repeats, ...latencyCells(l.latencyMs)]),
    ),
  );
  const w = r.watch;
  out.push(
    renderTable(
      `Watch fan-out: ${w.watchers} watchers on one namespace's ConfigMaps, event delivery latency in ms`,
      ['writes', 'events', 'missing', 'events/s', 'ack→event p50', 'p99', 'send→event p50', 'p99'],
      [w.paced, w.burst].map((x: WatchRun) => [
        `${x.writes} ${x.writeMode}`,
        x.deliveredEvents,
        x.missingEvents,
        x.eventsPerSecond,
        x.latencyFromAckMs.p50,
        x.latencyFromAckMs.p99,
        x.latencyFromSendMs.p50,
        x.latencyFromSendMs.p99,
      ]),
    ),
  );
  const s = r.startup;
  out.push(
    renderTable(
      'Server process',
      ['measure', 'value'],
      [
        ['RSS idle after start (MiB)', r.memory.rssIdleMiB],
        ['RSS after the load (MiB)', r.memory.rssAfterLoadMiB],
        ['peak RSS (MiB)', r.memory.peakRssMiB],
        [`spawn → /readyz, cold (new data dir), ms: ${s.coldMs.join(', ')}`, s.cold.p50],
        [`spawn → /readyz, warm (existing data dir), ms: ${s.warmMs.join(', ')}`, s.warm.p50],
      ],
    ),
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

function failuresText(f: Record<string, number>): string {
  const parts = Object.entries(f).map(([code, n]) => `${n}×${code}`);
  return parts.length ? parts.join(' ') : '0';
}

await main();
