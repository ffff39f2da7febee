// bench/rollout-traffic: does a rolling update drop requests? Steady HTTP load (a new
// connection per request, loopback only, bounded in count and time) goes through a Service
// while a 5-replica Deployment of test/apps/flaky-server.js rolls to a new version; then the
// same load against the same app under pm2 while `pm2 reload` runs, in fork mode and in
// cluster mode with 2 instances. For each: requests sent and failed, p50/p99 latency in
// steady state and during the change, and how long the change took.
// Prints a readable table, then one JSON object on the last line. Never passes or fails.
//
//   node --import tsx bench/rollout-traffic.ts [--quick] [--requests N] [--clients N] [--skip-pm2]
//                                              [--proxy-mode auto|userspace|nftables]
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteAllPods, sweepPodProcesses } from './lib/agent-pods.ts';
import { makeTempDir, startHaleProcess } from './lib/hale-process.ts';
import { BenchHttpClient } from './lib/http.ts';
import { roundSummary, summarize } from './lib/stats.ts';
import { renderTable } from './lib/table.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    requests: { type: 'string' },
    clients: { type: 'string' },
    'skip-pm2': { type: 'boolean' },
    'proxy-mode': { type: 'string' },
  },
});
/** Requests in the steady phase, and at least this many during each change. */
const REQUESTS = Number(args.requests ?? (args.quick ? 2000 : 10_000));
const CLIENTS = Number(args.clients ?? 8);
/** No phase runs longer than this, whatever happens. */
const PHASE_CAP_MS = 180_000;
const REPLICAS = 5;
const PROXY_MODE = args['proxy-mode'] ?? 'auto';
const app = resolve(import.meta.dirname, '../test/apps/flaky-server.js');
const pm2Bin = resolve(import.meta.dirname, '../node_modules/.bin/pm2');
const namespace = 'default';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Target {
  host: string;
  port: number;
}

interface PhaseResult {
  sent: number;
  failed: number;
  latenciesMs: number[];
  /** Failure messages, counted. */
  errors: Record<string, number>;
  elapsedMs: number;
}

/** One GET on a fresh connection, so every request is balanced (and may fail) on its own. */
function getOnce(target: Target): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: target.host, port: target.port, path: '/', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolvePromise() : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Closed-loop load from CLIENTS clients until `done()` says so and `minRequests` were sent (capped in time). */
async function runLoad(target: Target, minRequests: number, done: () => boolean): Promise<PhaseResult> {
  const result: PhaseResult = { sent: 0, failed: 0, latenciesMs: [], errors: {}, elapsedMs: 0 };
  const started = performance.now();
  const keepGoing = () => (result.sent < minRequests || !done()) && performance.now() - started < PHASE_CAP_MS;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (keepGoing()) {
        result.sent++;
        const t0 = performance.now();
        try {
          await getOnce(target);
          result.latenciesMs.push(performance.now() - t0);
        } catch (err) {
          result.failed++;
          const message = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
          result.errors[message] = (result.errors[message] ?? 0) + 1;
        }
      }
    }),
  );
  result.elapsedMs = performance.now() - started;
  return result;
}

interface Scenario {
  name: string;
  steady: PhaseResult;
  change: PhaseResult;
  changeSeconds: number;
}

// ---- Hale ------------------------------------------------------------------------------

function deployment(version: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'rollout-traffic' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'rollout-traffic' } },
      template: {
        metadata: { labels: { app: 'rollout-traffic' } },
        spec: {
          terminationGracePeriodSeconds: 15,
          containers: [
            {
              name: 'web',
              image: 'hale.local/flaky-server:bench',
              command: [process.execPath, app],
              env: [
                { name: 'VERSION', value: version },
                { name: 'PORT', value: '8080' },
              ],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'rollout-traffic' },
  spec: { type: 'NodePort', selector: { app: 'rollout-traffic' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};

async function json(http: BenchHttpClient, method: string, path: string, body?: unknown): Promise<any> {
  const res = await http.request(method, path, body === undefined ? undefined : JSON.stringify(body));
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return JSON.parse(res.body.toString('utf8'));
}

function rolledOut(d: any): boolean {
  const s = d.status ?? {};
  return (
    (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= REPLICAS &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

async function benchHale(): Promise<Scenario> {
  const serviceCidr = `10.${60 + (process.pid % 40)}.0.0/24`;
  const root = process.platform === 'linux' && process.getuid?.() === 0;
  const server = await startHaleProcess({
    withAgent: true,
    extraArgs: ['--node-name', 'hale-bench-node', '--service-cidr', serviceCidr, '--proxy-mode', PROXY_MODE],
  });
  const http = new BenchHttpClient({ baseUrl: server.url, token: server.token, caPem: server.caPem, maxSockets: 8 });
  const deploymentPath = `/apis/apps/v1/namespaces/${namespace}/deployments/rollout-traffic`;
  try {
    await json(http, 'POST', `/apis/apps/v1/namespaces/${namespace}/deployments`, deployment('1'));
    const svc = await json(http, 'POST', `/api/v1/namespaces/${namespace}/services`, service);
    // As root the ClusterIP is routed to this host; otherwise the node port on loopback.
    const target: Target = root ? { host: svc.spec.clusterIP, port: 80 } : { host: '127.0.0.1', port: svc.spec.ports[0].nodePort };
    process.stderr.write(`hale: service at ${target.host}:${target.port}; waiting for ${REPLICAS} ready pods\n`);
    const deadline = performance.now() + 120_000;
    while (!rolledOut(await json(http, 'GET', deploymentPath))) {
      if (performance.now() > deadline) throw new Error('the first rollout did not finish in 120 s');
      await sleep(200);
    }
    // The proxy has the endpoints once a request gets through.
    for (;;) {
      try {
        await getOnce(target);
        break;
      } catch {
        if (performance.now() > deadline) throw new Error('the Service never answered');
        await sleep(100);
      }
    }
    const steady = await runLoad(target, REQUESTS, () => true);
    process.stderr.write(`hale: steady ${steady.sent} requests, ${steady.failed} failed; rolling to v2\n`);
    let finished = false;
    let changeSeconds = 0;
    const started = performance.now();
    const watcher = (async () => {
      await json(http, 'PUT', deploymentPath, deployment('2'));
      while (!rolledOut(await json(http, 'GET', deploymentPath))) await sleep(100);
      changeSeconds = (performance.now() - started) / 1000;
      // Old pods terminate after the rollout counts as done; keep the load on until they are gone.
      for (;;) {
        const pods = await json(http, 'GET', `/api/v1/namespaces/${namespace}/pods`);
        if (pods.items.length === REPLICAS && pods.items.every((p: any) => !p.metadata.deletionTimestamp)) break;
        await sleep(100);
      }
      finished = true;
    })();
    const change = await runLoad(target, REQUESTS, () => finished);
    await watcher;
    const via = root ? 'ClusterIP' : 'NodePort';
    return { name: `Hale rollout (${REPLICAS} replicas, ${via}, proxy ${PROXY_MODE})`, steady, change, changeSeconds };
  } finally {
    await http.request('DELETE', deploymentPath, JSON.stringify({ propagationPolicy: 'Background' })).catch(() => undefined);
    await deleteAllPods(http, namespace).catch(() => undefined);
    http.close();
    await server.stop();
    sweepPodProcesses(server.dataDir);
  }
}

// ---- pm2 -------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

async function benchPm2(mode: 'fork' | 'cluster'): Promise<Scenario> {
  const home = makeTempDir('hale-bench-pm2-');
  const port = await freePort();
  const env = { ...process.env, PM2_HOME: join(home, '.pm2'), PORT: String(port), POD_IP: '127.0.0.1', VERSION: '1' };
  const pm2 = (...a: string[]) => execFileSync(process.execPath, [pm2Bin, ...a], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const target: Target = { host: '127.0.0.1', port };
  try {
    pm2('start', app, '--name', 'rollout-traffic', ...(mode === 'cluster' ? ['-i', '2'] : []));
    const deadline = performance.now() + 30_000;
    for (;;) {
      try {
        await getOnce(target);
        break;
      } catch {
        if (performance.now() > deadline) throw new Error('the pm2 app never answered');
        await sleep(100);
      }
    }
    const steady = await runLoad(target, REQUESTS, () => true);
    process.stderr.write(`pm2 ${mode}: steady ${steady.sent} requests, ${steady.failed} failed; reloading\n`);
    let finished = false;
    let changeSeconds = 0;
    const reload = (async () => {
      await sleep(500);
      const t0 = performance.now();
      // execFileSync would block the load loop: run pm2 reload as a child and await it.
      await new Promise<void>((r) =>
        spawn(process.execPath, [pm2Bin, 'reload', 'rollout-traffic'], { env, stdio: 'ignore' }).once('exit', () => r()),
      );
      changeSeconds = (performance.now() - t0) / 1000;
      await sleep(1000);
      finished = true;
    })();
    const change = await runLoad(target, REQUESTS, () => finished);
    await reload;
    return { name: `pm2 reload, ${mode} mode${mode === 'cluster' ? ' ×2' : ''}`, steady, change, changeSeconds };
  } finally {
    try {
      pm2('kill');
    } catch {
      // already gone
    }
  }
}

// ---- report ----------------------------------------------------------------------------

async function main(): Promise<void> {
  const load1 = loadavg()[0];
  const scenarios: Scenario[] = [await benchHale()];
  if (!args['skip-pm2']) {
    scenarios.push(await benchPm2('fork'));
    scenarios.push(await benchPm2('cluster'));
  }
  const rows = scenarios.map((s) => {
    const steady = summarize(s.steady.latenciesMs);
    const change = summarize(s.change.latenciesMs);
    return [
      s.name,
      s.steady.sent,
      s.steady.failed,
      steady.p50.toFixed(2),
      steady.p99.toFixed(2),
      s.change.sent,
      s.change.failed,
      change.p50.toFixed(2),
      change.p99.toFixed(2),
      s.changeSeconds.toFixed(2),
    ];
  });
  process.stdout.write(
    renderTable(
      `bench/rollout-traffic: ${CLIENTS} clients, new connection per request, ≥${REQUESTS} requests per phase (load average ${load1.toFixed(2)} at start)`,
      ['scenario', 'steady sent', 'failed', 'p50 ms', 'p99 ms', 'during change sent', 'failed', 'p50 ms', 'p99 ms', 'change s'],
      rows,
    ),
  );
  const out = scenarios.map((s) => ({
    scenario: s.name,
    steady: {
      sent: s.steady.sent,
      failed: s.steady.failed,
      latencyMs: roundSummary(summarize(s.steady.latenciesMs)),
      errors: s.steady.errors,
    },
    duringChange: {
      sent: s.change.sent,
      failed: s.change.failed,
      latencyMs: roundSummary(summarize(s.change.latenciesMs)),
      errors: s.change.errors,
    },
    changeSeconds: Math.round(s.changeSeconds * 1000) / 1000,
  }));
  process.stdout.write(
    `${JSON.stringify({ benchmark: 'rollout-traffic', clients: CLIENTS, requestsPerPhase: REQUESTS, loadAverage: load1, scenarios: out })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench/rollout-traffic failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
