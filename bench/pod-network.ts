// What it costs to give pod sandboxes their isolated network (src/agent/network/
// isolated-network.ts): N sandboxes attached, `--parallel` at a time (the agent starts up to
// 32 pod steps at once), then detached, and for comparison the same done with iproute2
// through the same spawn server: two `ip` runs per attach (`ip -batch`: netns add, veth pair,
// master and up; then `ip -n NS -batch`: lo up, address, eth0 up, default route) and one per
// detach (netns delete, link delete). Rounds of the two alternate. Times are wall-clock; CPU is the whole machine's (/proc/stat: user, nice,
// system, irq, softirq), because most of the work is the kernel's and lands in short-lived
// children and kernel threads. Needs root on Linux with iproute2; removes its namespaces and
// bridges at the end. Never passes or fails.
//
//   node --import tsx bench/pod-network.ts [--count 100] [--parallel 32] [--rounds 3] [--json FILE]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ipBatch } from '../src/agent/network/ip-command.ts';
import { IsolatedPodNetwork } from '../src/agent/network/isolated-network.ts';
import { netnsName, nodeNetworkKey, vethName } from '../src/agent/network/names.ts';
import { runClosedLoop } from './lib/load.ts';
import { loadAverage, machineCpuMs, machineInfo } from './lib/machine.ts';
import { type LatencySummary, roundSummary, summarize } from './lib/stats.ts';
import { renderTable } from './lib/table.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    parallel: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const count = Number(args.count);
const parallel = Number(args.parallel);
const rounds = Number(args.rounds);
if (!(count >= 1 && count <= 250 && parallel >= 1 && rounds >= 1)) {
  console.error('--count must be 1..250 (one /24), --parallel and --rounds at least 1');
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('bench/pod-network needs root (network namespaces, a bridge)');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'hale-bench-net-'));
// Ranges of its own (other benchmarks use 10.128 and up, the tests 10.150 and up).
const second = 96 + (process.pid % 32);
const clusterCidr = `10.${second}.0.0/16`;
const haleKey = nodeNetworkKey(`bench-hale-${process.pid}`, dir);
const peerKey = nodeNetworkKey(`bench-ip-${process.pid}`, dir);
const hale = new IsolatedPodNetwork({ key: haleKey, stateFile: join(dir, 'hale.json'), clusterCidr });
// Only for its bridge and gateway: the iproute2 rounds set up their sandboxes themselves.
const peerBridge = new IsolatedPodNetwork({ key: peerKey, stateFile: join(dir, 'peer.json'), clusterCidr });

async function detachWithIproute2(id: string): Promise<void> {
  await ipBatch(
    [
      ['netns', 'delete', netnsName(peerKey, id)],
      ['link', 'delete', vethName(id)],
    ],
    { allowing: /Cannot find device|No such (file|device)/ },
  );
}

async function attachWithIproute2(index: number, id: string): Promise<void> {
  const ns = netnsName(peerKey, id);
  const veth = vethName(id);
  await ipBatch([
    ['netns', 'add', ns],
    ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns],
    ['link', 'set', veth, 'master', peerBridge.bridge, 'up'],
  ]);
  await ipBatch(
    [
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', `10.${second}.2.${index + 2}/24`, 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['route', 'add', 'default', 'via', `10.${second}.2.1`, 'dev', 'eth0'],
    ],
    { netns: ns },
  );
}

interface Timed {
  wallMs: number;
  machineCpuMs: number;
  perSandboxMs: LatencySummary;
}

interface Round {
  way: 'hale' | 'iproute2';
  attach: Timed;
  detach: Timed;
}

/** Runs `step` for every index, `parallel` at a time (bench/lib/load.ts); the first failure stops the benchmark. */
async function timed(step: (index: number) => Promise<unknown>): Promise<Timed> {
  let failure: unknown;
  const cpu0 = machineCpuMs();
  const run = await runClosedLoop(parallel, count, async (index) => {
    try {
      await step(index);
      return 200;
    } catch (err) {
      failure ??= err;
      throw err;
    }
  });
  if (failure) throw failure;
  return {
    wallMs: Math.round(run.elapsedMs),
    machineCpuMs: Math.round(machineCpuMs() - cpu0),
    perSandboxMs: roundSummary(summarize(run.latenciesMs)),
  };
}

async function round(way: Round['way']): Promise<Round> {
  const ids = Array.from({ length: count }, () => randomBytes(32).toString('hex'));
  const attach = await timed((i) => (way === 'hale' ? hale.attach(ids[i]) : attachWithIproute2(i, ids[i])));
  const detach = await timed((i) => (way === 'hale' ? hale.detach(ids[i]) : detachWithIproute2(ids[i])));
  return { way, attach, detach };
}

const load = loadAverage();
const results: Round[] = [];
try {
  await hale.configure(`10.${second}.1.0/24`);
  await peerBridge.configure(`10.${second}.2.0/24`);
  for (let r = 0; r < rounds; r++) {
    results.push(await round('hale'));
    results.push(await round('iproute2'));
  }
} finally {
  await hale.cleanUp(new Set(), { removeBridgeWhenEmpty: true }).catch(() => {});
  await peerBridge.cleanUp(new Set(), { removeBridgeWhenEmpty: true }).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

process.stdout.write(
  renderTable(
    `pod-network: ${count} sandboxes attached, then detached, ${parallel} at a time, per round (load ${load} at start), ms`,
    ['round', 'way', 'step', 'wall', 'machine CPU', 'per sandbox p50', 'p99'],
    results.flatMap((r, i) =>
      (['attach', 'detach'] as const).map((step) => [
        Math.floor(i / 2) + 1,
        r.way,
        step,
        r[step].wallMs,
        r[step].machineCpuMs,
        r[step].perSandboxMs.p50,
        r[step].perSandboxMs.p99,
      ]),
    ),
  ),
);
const summary = { benchmark: 'pod-network', date: new Date().toISOString(), machine: machineInfo(load), count, parallel, rounds: results };
if (args.json) writeFileSync(args.json, JSON.stringify(summary, null, 2));
console.log(JSON.stringify(summary));
