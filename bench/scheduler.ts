// Scheduler benchmark, kwok style: an API server (memory store, in a worker thread so it
// has its own event loop) holds 1,000 Node objects with allocatable cpu/memory/pods and a
// Ready condition but no agent; this process runs Hale's scheduler against it.
//  1. Throughput: 10,000 pending pods in a few Deployment-like groups (requests set, a
//     controlling owner each so default spreading applies) are created first; then the
//     scheduler starts and we time until the last one is bound (pods bound per second),
//     and count the CPU time each thread spent per bound pod (load-independent).
//  2. Latency: more pods are created at a steady rate while the scheduler runs; created →
//     bound p50/p99.
// Creating pods is measured separately: it is the API server's speed, not the scheduler's.
// Prints a table, then one JSON object on the last line.
// kube-scheduler's own performance thresholds are 680–810 pods/s at 5,000 nodes; the target
// here is ≥ 1,000 pods/s. Never passes or fails.
//
//   node --import tsx bench/scheduler.ts [--quick] [--nodes 1000] [--pods 10000]
//        [--groups 10] [--clients 32] [--stream-pods 2000] [--stream-rate 100] [--json FILE]

import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { pino } from 'pino';
import type { KubeObject } from '../src/api/resource-type.ts';
import { InformerFactory } from '../src/client/informer-factory.ts';
import { resources } from '../src/client/resources.ts';
import { RestClient } from '../src/client/rest-client.ts';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { roundSummary, summarize } from './lib/stats.ts';
import { renderTable } from './lib/table.ts';
import { threadCpuMs } from './lib/thread-cpu.ts';

const token = 'bench-token';

// ---- the API server, in a worker thread ----------------------------------------------

async function serveApi(): Promise<void> {
  const [{ builtinResources }, { TokenAuthenticator }, { ApiServer }, { ensureSystemNamespaces }, { MemoryStore }] = await Promise.all([
    import('../src/api/resources.ts'),
    import('../src/apiserver/auth.ts'),
    import('../src/apiserver/server.ts'),
    import('../src/server/bootstrap.ts'),
    import('../src/storage/memory/memory-store.ts'),
  ]);
  const authenticator = new TokenAuthenticator();
  authenticator.add(token, { name: 'system:admin', groups: ['system:masters'] });
  const api = new ApiServer({
    store: new MemoryStore(),
    resources: builtinResources,
    authenticator,
    logger: pino({ level: 'silent' }),
  });
  const address = await api.listen(0, '127.0.0.1');
  await ensureSystemNamespaces(api.registry);
  api.setReady(true);
  parentPort!.postMessage({ url: `http://127.0.0.1:${address.port}` });
  // The main thread asks for this thread's CPU time around the measured phase.
  parentPort!.on('message', (m: { cpu?: boolean }) => {
    if (m.cpu) parentPort!.postMessage({ cpuMs: threadCpuMs() });
  });
}

if (!isMainThread) {
  await serveApi();
} else {
  await main();
}

// ---- the benchmark ----------------------------------------------------------------------

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      nodes: { type: 'string' },
      pods: { type: 'string' },
      groups: { type: 'string', default: '10' },
      'stream-pods': { type: 'string' },
      'stream-rate': { type: 'string', default: '100' },
      clients: { type: 'string', default: '32' },
      json: { type: 'string' },
    },
  });
  const config = {
    mode: args.quick ? 'quick' : 'full',
    nodes: Number(args.nodes ?? (args.quick ? 100 : 1000)),
    pods: Number(args.pods ?? (args.quick ? 1000 : 10_000)),
    groups: Number(args.groups),
    streamPods: Number(args['stream-pods'] ?? (args.quick ? 300 : 2000)),
    streamRate: Number(args['stream-rate']),
    clients: Number(args.clients),
    cpus: cpus().length,
    /** 1-minute load average when the run started: other work on the machine skews pods/s. */
    loadAverage: Math.round(loadavg()[0] * 10) / 10,
  };
  const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

  // Loader hooks are per thread: the worker registers tsx itself before loading this file.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const worker = new Worker(
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`,
    { eval: true },
  );
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', (m: { url: string }) => resolve(m.url));
    worker.once('error', reject);
  });
  const apiCpuMs = () =>
    new Promise<number | undefined>((resolve) => {
      worker.once('message', (m: { cpuMs?: number }) => resolve(m.cpuMs));
      worker.postMessage({ cpu: true });
    });
  const client = new RestClient({ server: url, token }, { userAgent: 'hale-bench-scheduler' });
  const namespace = 'bench';
  await client.create(resources.namespaces, undefined, { metadata: { name: namespace } });

  log(`creating ${config.nodes} nodes`);
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  await inParallel(config.nodes, config.clients, async (i) => {
    const name = `kwok-node-${i}`;
    const created = await client.create(resources.nodes, undefined, {
      metadata: {
        name,
        labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zones[i % zones.length], type: 'kwok' },
      },
    });
    const allocatable = { cpu: '32', memory: '256Gi', pods: '110' };
    await client.updateStatus(resources.nodes, {
      ...created,
      status: {
        allocatable,
        capacity: allocatable,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kwok node', lastHeartbeatTime: now() }],
      },
    });
  });

  const owners: KubeObject[] = [];
  for (let g = 0; g < config.groups; g++) {
    owners.push(await client.create(resources.configMaps, namespace, { metadata: { name: `group-${g}` } }));
  }

  // Watch bindings from a separate informer, as an observer would.
  const createdAt = new Map<string, number>();
  const boundAt = new Map<string, number>();
  let onBound: () => void = () => {};
  const observer = new InformerFactory(client);
  const observed = observer.informerFor(resources.pods, { namespace });
  observed.addEventHandler({
    onUpdate(old, pod) {
      if (old.spec?.nodeName || !pod.spec?.nodeName) return;
      boundAt.set(pod.metadata!.name!, performance.now());
      onBound();
    },
  });
  const waitForBound = (count: number) =>
    Promise.race([
      new Promise<void>((resolve) => {
        onBound = () => boundAt.size >= count && resolve();
        onBound();
      }),
      delay(600_000),
    ]);

  const schedulerInformers = new InformerFactory(client);
  const scheduler = new Scheduler(client, schedulerInformers, pino({ level: 'warn' }));
  observer.start();
  schedulerInformers.start();
  await Promise.all([observer.waitForSync(), schedulerInformers.waitForSync()]);

  const cpuSizes = ['100m', '250m', '500m'];
  const memorySizes = ['128Mi', '256Mi', '512Mi'];
  const createPods = (from: number, count: number) =>
    inParallel(count, config.clients, async (n) => {
      const i = from + n;
      const g = i % config.groups;
      const owner = owners[g];
      const name = `pod-${g}-${i}`;
      createdAt.set(name, performance.now());
      await client.create(resources.pods, namespace, {
        metadata: {
          name,
          labels: { app: `group-${g}` },
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata!.name, uid: owner.metadata!.uid, controller: true },
          ],
        },
        spec: {
          containers: [
            { name: 'app', image: 'registry.example/app:1', resources: { requests: { cpu: cpuSizes[g % 3], memory: memorySizes[i % 3] } } },
          ],
        },
      });
    });

  // Phase 1, throughput: a backlog of pending pods, then the scheduler starts and binds them all.
  log(`creating a backlog of ${config.pods} pending pods in ${config.groups} groups`);
  const createStarted = performance.now();
  await createPods(0, config.pods);
  const createdMs = performance.now() - createStarted;
  await waitFor(() => schedulerInformers.informerFor(resources.pods).list().length >= config.pods);
  log(`created in ${(createdMs / 1000).toFixed(1)} s; starting the scheduler`);
  const cpuBefore = { scheduler: threadCpuMs(), api: await apiCpuMs() };
  const schedulingStarted = performance.now();
  scheduler.run();
  await waitForBound(config.pods);
  const backlogMs = Math.max(...[...boundAt.values()]) - schedulingStarted;
  const cpuAfter = { scheduler: threadCpuMs(), api: await apiCpuMs() };
  // CPU per bound pod, per thread: steadier than pods/s on a machine shared with other work.
  const cpuPerPod = (thread: 'scheduler' | 'api') => {
    const before = cpuBefore[thread];
    const after = cpuAfter[thread];
    return before === undefined || after === undefined ? undefined : Math.round(((after - before) * 1000) / config.pods) / 1000;
  };

  // Phase 2, latency: pods created one stream at a time while the scheduler runs.
  log(`streaming ${config.streamPods} more pods at ${config.streamRate}/s to measure created → bound latency`);
  const streamFrom = config.pods;
  await inPaced(config.streamPods, config.streamRate, (n) => createPods(streamFrom + n, 1));
  await waitForBound(config.pods + config.streamPods);
  const latencies: number[] = [];
  for (let n = 0; n < config.streamPods; n++) {
    const i = streamFrom + n;
    const name = `pod-${i % config.groups}-${i}`;
    const bound = boundAt.get(name);
    const created = createdAt.get(name);
    if (bound !== undefined && created !== undefined) latencies.push(bound - created);
  }

  // Where did the pods go? Spreading: pods per node and per group per node.
  const perNode = new Map<string, number>();
  const perGroupNode = new Map<string, number>();
  for (const pod of observed.list()) {
    const node = pod.spec?.nodeName;
    if (!node) continue;
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
    const key = `${pod.metadata?.labels?.app}/${node}`;
    perGroupNode.set(key, (perGroupNode.get(key) ?? 0) + 1);
  }

  await scheduler.stop();
  await Promise.all([schedulerInformers.stop(), observer.stop()]);
  client.close();
  await worker.terminate();

  const latency = roundSummary(summarize(latencies));
  const backlogBound = [...boundAt.keys()].filter((name) => Number(name.split('-')[2]) < config.pods).length;
  const result = {
    benchmark: 'scheduler',
    config,
    backlog: {
      pods: config.pods,
      bound: backlogBound,
      elapsedMs: Math.round(backlogMs),
      podsBoundPerSecond: Math.round((backlogBound * 1000) / backlogMs),
      cpuMsPerPod: { schedulerThread: cpuPerPod('scheduler'), apiServerThread: cpuPerPod('api') },
    },
    podsCreatedPerSecond: Math.round((config.pods * 1000) / createdMs),
    stream: { pods: config.streamPods, ratePerSecond: config.streamRate, latencyMs: latency },
    schedulingAttempts: scheduler.stats.attempts,
    unschedulableAttempts: scheduler.stats.unschedulable,
    bindErrors: scheduler.stats.bindErrors,
    nodesUsed: perNode.size,
    maxPodsPerNode: Math.max(0, ...perNode.values()),
    maxPodsOfOneGroupPerNode: Math.max(0, ...perGroupNode.values()),
    target: { podsBoundPerSecond: 1000, kubeSchedulerThresholdAt5000Nodes: '680-810' },
  };

  process.stdout.write(
    renderTable(
      `Scheduler: ${config.pods} pods onto ${config.nodes} kwok-style nodes (${config.mode})`,
      ['metric', 'value'],
      [
        ['backlog pods bound', `${backlogBound} / ${config.pods}`],
        ['pods bound per second (backlog)', result.backlog.podsBoundPerSecond],
        ['CPU ms per bound pod, scheduler thread (backlog)', result.backlog.cpuMsPerPod.schedulerThread ?? 'n/a'],
        ['CPU ms per bound pod, API server thread (backlog)', result.backlog.cpuMsPerPod.apiServerThread ?? 'n/a'],
        ['pods created per second (API server)', result.podsCreatedPerSecond],
        [`latency p50 (ms, created → bound, ${config.streamRate}/s)`, latency.p50],
        ['latency p99 (ms)', latency.p99],
        ['latency max (ms)', latency.max],
        ['scheduling attempts', result.schedulingAttempts],
        ['bind errors', result.bindErrors],
        ['nodes used', result.nodesUsed],
        ['max pods on one node', result.maxPodsPerNode],
        ['max pods of one group on one node', result.maxPodsOfOneGroupPerNode],
        ['target (pods/s)', '≥ 1,000 (kube-scheduler: 680–810 at 5,000 nodes)'],
        ['machine load average at start (1 min)', `${config.loadAverage} on ${config.cpus} CPUs`],
      ],
    ),
  );
  if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function inParallel(total: number, clients: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < total) await op(next++);
  };
  await Promise.all(Array.from({ length: Math.min(clients, total) }, run));
}

/** Starts op(i) on a fixed schedule of `rate` per second (open loop) and waits for all. */
async function inPaced(total: number, rate: number, op: (i: number) => Promise<void>): Promise<void> {
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await delay(wait);
    pending.push(op(i));
  }
  await Promise.all(pending);
}

async function waitFor(check: () => boolean, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting for the scheduler cache');
    await delay(10);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
