// Service proxy benchmark: what does the service path cost compared with talking to a pod
// directly, in each proxy mode, and what happens to requests when a backend dies?
//
// Two backend HTTP servers (one child process each) listen on 127.0.0.1. The bench gives a
// virtual IP from a private /32 (a local route it adds and removes) to a service with both
// backends, then drives the same load three ways: direct to one backend, through the
// userspace proxy, through the nftables proxy (root only). Loopback only, bounded in count.
//   - new connection per request (what the proxy pays per connection), closed loop
//   - keep-alive requests (per-request cost once connected)
//   - one bulk download (bytes per second through the path)
//   - failover: one backend is SIGKILLed at 30 % of a run and removed from the service
//     200 ms later (about the endpoint update delay seen in the e2e test): failed requests
// Prints tables, then one JSON object on the last line. Never passes or fails.
//
//   node --import tsx bench/proxy.ts [--quick] [--json FILE]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { NftablesProxy } from '../src/proxy/nftables-proxy.ts';
import { nftablesAvailable } from '../src/proxy/proxy-mode.ts';
import type { ProxyServicePort } from '../src/proxy/service-table.ts';
import { UserspaceProxy } from '../src/proxy/userspace-proxy.ts';
import { runClosedLoop } from './lib/load.ts';
import { perSecond, summarize } from './lib/stats.ts';
import { type Cell, renderTable } from './lib/table.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'string' } } });
const scale = args.quick ? 0.25 : 1;
const CLIENTS = 8;
const NEW_CONN_REQUESTS = Math.round(4000 * scale);
const KEEPALIVE_REQUESTS = Math.round(10000 * scale);
const BULK_MIB = Math.round(256 * scale);
const FAILOVER_REQUESTS = Math.round(3000 * scale);
const VIP = `10.254.${process.pid % 250}.${1 + (process.pid % 200)}`;
const VIP_PORT = 80;

const backendScript = `
const http = require('node:http');
const chunk = Buffer.alloc(64 * 1024, 120);
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/bytes') {
    let left = Number(url.searchParams.get('mib')) * 16;
    res.writeHead(200, {'content-type': 'application/octet-stream'});
    const pump = () => { while (left > 0) { left--; if (!res.write(chunk)) return res.once('drain', pump); } res.end(); };
    return pump();
  }
  res.end('hello from ' + process.argv[1] + '\\n');
}).listen(Number(process.argv[1]), '127.0.0.1', () => process.send('ready'));`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function startBackend(): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['-e', backendScript, String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    proc.once('message', () => resolve());
    proc.once('exit', (code) => reject(new Error(`backend exited with ${code}`)));
  });
  return { port, proc };
}

function get(host: string, port: number, path: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function servicePort(backendPorts: number[]): ProxyServicePort {
  const endpoints = backendPorts.map((port) => ({ ip: '127.0.0.1', port, weight: 1 / backendPorts.length, local: true }));
  return {
    id: 'bench/proxy:http',
    namespace: 'bench',
    serviceName: 'proxy',
    protocol: 'TCP',
    clusterIPs: [VIP],
    port: VIP_PORT,
    loadBalancerIPs: [],
    clusterEndpoints: endpoints,
    externalEndpoints: endpoints,
    externalLocal: false,
  };
}

interface PathResult {
  path: string;
  newConnPerSec: number;
  newConnP50Ms: number;
  newConnP99Ms: number;
  keepAlivePerSec: number;
  keepAliveP50Ms: number;
  keepAliveP99Ms: number;
  bulkMiBPerSec: number;
  failoverRequests: number;
  failoverFailed: number;
}

async function measure(
  path: string,
  host: string,
  port: number,
  failover: (atRequest: number) => (index: number) => void,
): Promise<PathResult> {
  const fresh = await runClosedLoop(CLIENTS, NEW_CONN_REQUESTS, () => get(host, port, '/', false));
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const kept = await runClosedLoop(CLIENTS, KEEPALIVE_REQUESTS, () => get(host, port, '/', agent));
  agent.destroy();
  const bulkStart = performance.now();
  await get(host, port, `/bytes?mib=${BULK_MIB}`, false);
  const bulkMs = performance.now() - bulkStart;
  const onRequest = failover(Math.round(FAILOVER_REQUESTS * 0.3));
  const fo = await runClosedLoop(CLIENTS, FAILOVER_REQUESTS, (i) => {
    onRequest(i);
    return get(host, port, '/', false);
  });
  const freshStats = summarize(fresh.latenciesMs);
  const keptStats = summarize(kept.latenciesMs);
  return {
    path,
    newConnPerSec: Math.round(perSecond(fresh.ok, fresh.elapsedMs)),
    newConnP50Ms: freshStats.p50,
    newConnP99Ms: freshStats.p99,
    keepAlivePerSec: Math.round(perSecond(kept.ok, kept.elapsedMs)),
    keepAliveP50Ms: keptStats.p50,
    keepAliveP99Ms: keptStats.p99,
    bulkMiBPerSec: Math.round((BULK_MIB / bulkMs) * 1000),
    failoverRequests: FAILOVER_REQUESTS,
    failoverFailed: Object.values(fo.failures).reduce((a, b) => a + b, 0),
  };
}

/** Kills `victim` at request `at`, then calls `remove` 200 ms later (the endpoint update). */
function killThenRemove(victim: () => ChildProcess, remove: () => Promise<void>) {
  return (at: number) => (index: number) => {
    if (index !== at) return;
    victim().kill('SIGKILL');
    setTimeout(() => void remove(), 200);
  };
}

async function main(): Promise<void> {
  const results: PathResult[] = [];
  const quiet = { info() {}, warn() {} };
  const backends = [await startBackend(), await startBackend()];
  const restartVictim = async () => {
    backends[1].proc.kill('SIGKILL');
    backends[1] = await startBackend();
  };
  const cleanup: (() => Promise<unknown> | unknown)[] = [
    () => {
      for (const b of backends) b.proc.kill('SIGKILL');
    },
  ];
  try {
    // Warm up (JIT, sockets) so the first path measured is not penalised.
    await runClosedLoop(CLIENTS, 500, () => get('127.0.0.1', backends[0].port, '/', false));
    // Direct: the client talks to one backend; in the failover run that backend is not killed
    // (there is nothing to fail over to), so it shows the floor.
    results.push(await measure('direct to a pod', '127.0.0.1', backends[0].port, () => () => undefined));

    // The proxies need the virtual IP to be local: a /32 route of our own.
    const routed = process.getuid?.() === 0;
    if (routed) {
      execFileSync('ip', ['route', 'replace', 'local', `${VIP}/32`, 'dev', 'lo', 'table', 'local']);
      cleanup.push(() => execFileSync('ip', ['route', 'del', 'local', `${VIP}/32`, 'dev', 'lo', 'table', 'local']));
    }
    const host = routed ? VIP : '127.0.0.1';

    const userspace = new UserspaceProxy({ logger: quiet });
    const usPort = routed ? VIP_PORT : await freePort();
    const usService = () => ({ ...servicePort(backends.map((b) => b.port)), clusterIPs: [host], port: usPort });
    await userspace.apply([usService()]);
    results.push(
      await measure(
        'userspace proxy',
        host,
        usPort,
        killThenRemove(
          () => backends[1].proc,
          () => userspace.apply([{ ...usService(), clusterEndpoints: usService().clusterEndpoints.slice(0, 1) }]),
        ),
      ),
    );
    await userspace.stop();
    await restartVictim();

    if (routed && (await nftablesAvailable())) {
      const nft = new NftablesProxy(`hale-proxy-bench${process.pid}`);
      await nft.start();
      cleanup.push(() => nft.stop());
      const nftService = () => servicePort(backends.map((b) => b.port));
      await nft.apply([nftService()]);
      results.push(
        await measure(
          'nftables proxy',
          VIP,
          VIP_PORT,
          killThenRemove(
            () => backends[1].proc,
            () => nft.apply([{ ...nftService(), clusterEndpoints: nftService().clusterEndpoints.slice(0, 1) }]),
          ),
        ),
      );
    }
  } finally {
    for (const step of cleanup.reverse()) await step();
  }

  const rows: Cell[][] = results.map((r) => [
    r.path,
    r.newConnPerSec,
    r.newConnP50Ms,
    r.newConnP99Ms,
    r.keepAlivePerSec,
    r.keepAliveP50Ms,
    r.keepAliveP99Ms,
    r.bulkMiBPerSec,
    `${r.failoverFailed}/${r.failoverRequests}`,
  ]);
  process.stdout.write(
    renderTable(
      `Service path vs direct (${CLIENTS} clients, loopback; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)})`,
      ['path', 'new conn/s', 'p50 ms', 'p99 ms', 'keep-alive req/s', 'p50 ms', 'p99 ms', 'bulk MiB/s', 'failed at backend kill'],
      rows,
    ),
  );
  const json = { bench: 'proxy', clients: CLIENTS, loadavg1: loadavg()[0], results };
  if (args.json) writeFileSync(args.json, JSON.stringify(json, null, 2));
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

await main();
