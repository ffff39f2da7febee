// How much CPU it costs a big Node.js process to run short commands through the process
// runtime's spawner (src/agent/runtime/process/spawner.ts): N `collect`s of /bin/true, a few
// at a time, from a process holding a large heap (as the agent does with 100 pods).
//
//   node --import tsx bench/spawner.ts [--runs 3] [--count 200] [--parallel 10] [--heap-mb 150]
//                                      [--module PATH] [--json FILE]
//
// --module runs another implementation with the same exports (e.g. an older spawner.ts saved
// with `git show REV:src/agent/runtime/process/spawner.ts > /tmp/old-spawner.ts`).
// CPU is counted where it lands: this process (process.cpuUsage; a fork of this process is
// charged here), the children it reaped (/proc/self/stat cutime + cstime: the exec of a forked
// copy tears down its copied page tables), and the spawn server with its reaped children when
// the module has one. Never passes or fails on time.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { CollectRequest } from '../src/agent/runtime/process/spawner.ts';
import { loadAverage } from './lib/machine.ts';
import { readProcessCpuMs } from './lib/process-rss.ts';
import { renderTable } from './lib/table.ts';
import { threadCpuMs } from './lib/thread-cpu.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    count: { type: 'string', default: '200' },
    parallel: { type: 'string', default: '10' },
    'heap-mb': { type: 'string', default: '150' },
    module: { type: 'string' },
    json: { type: 'string' },
  },
});
const runs = Number(args.runs);
const count = Number(args.count);
const parallel = Number(args.parallel);
const heapMb = Number(args['heap-mb']);
const modulePath = resolve(args.module ?? 'src/agent/runtime/process/spawner.ts');

interface SpawnerLike {
  collect(r: CollectRequest): Promise<{ exitCode: number }>;
  serverPid?: number;
}
const { spawner } = (await import(pathToFileURL(modulePath).href)) as { spawner: SpawnerLike };

/** utime + stime (and, with children, cutime + cstime) of a process, ms; NaN when unreadable. */
const processCpuMs = (pid: number | 'self', withChildren: boolean) => readProcessCpuMs(pid, { withChildren }) ?? Number.NaN;
const childrenCpuMs = () => processCpuMs('self', true) - processCpuMs('self', false);

// A heap like the agent's: many small objects, touched.
const heap: { i: number; s: string }[][] = [];
while (process.memoryUsage().heapUsed < heapMb * 1024 * 1024) {
  heap.push(Array.from({ length: 100_000 }, (_, i) => ({ i, s: `x${i}` })));
}

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const runTrue = async () => {
  const r = await spawner.collect({ file: '/bin/true', args: [], env, timeoutMs: 10_000, maxOutput: 1024, outputGraceMs: 100 });
  if (r.exitCode !== 0) throw new Error(`/bin/true exited with ${r.exitCode}`);
};
// The first request starts the worker or server: timed on its own, not part of the runs.
const firstStarted = performance.now();
await runTrue();
const firstRequestMs = Math.round(performance.now() - firstStarted);
const serverPid = spawner.serverPid;

interface Run {
  wallMs: number;
  processCpuMs: number;
  mainThreadCpuMs: number;
  reapedChildrenCpuMs: number;
  serverCpuMs?: number;
  totalCpuMs: number;
}
const results: Run[] = [];
for (let run = 0; run < runs; run++) {
  const cpu0 = process.cpuUsage();
  const thread0 = threadCpuMs() ?? Number.NaN;
  const children0 = childrenCpuMs();
  const server0 = serverPid ? processCpuMs(serverPid, true) : Number.NaN;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < count) await runTrue();
    }),
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const r: Run = {
    wallMs: Math.round(wallMs),
    processCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    mainThreadCpuMs: Math.round((threadCpuMs() ?? Number.NaN) - thread0),
    reapedChildrenCpuMs: Math.round(childrenCpuMs() - children0),
    serverCpuMs: serverPid ? Math.round(processCpuMs(serverPid, true) - server0) : undefined,
    totalCpuMs: 0,
  };
  r.totalCpuMs = r.processCpuMs + r.reapedChildrenCpuMs + (r.serverCpuMs ?? 0);
  results.push(r);
}

const heapMib = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
const rssMib = Math.round(process.memoryUsage().rss / 1024 / 1024);
process.stdout.write(
  renderTable(
    `spawner: ${count} collects of /bin/true, ${parallel} at a time, heap ${heapMib} MiB, RSS ${rssMib} MiB, load ${loadAverage().toFixed(2)}, first request ${firstRequestMs} ms (${modulePath}), ms`,
    ['run', 'wall', 'this process CPU', 'main thread', 'reaped children', 'spawn server', 'total CPU'],
    results.map((r, i) => [i + 1, r.wallMs, r.processCpuMs, r.mainThreadCpuMs, r.reapedChildrenCpuMs, r.serverCpuMs ?? '-', r.totalCpuMs]),
  ),
);
const summary = {
  date: new Date().toISOString(),
  module: modulePath,
  count,
  parallel,
  heapMib,
  rssMib,
  loadAverage1m: loadAverage(),
  firstRequestMs,
  runs: results,
};
if (args.json) writeFileSync(args.json, JSON.stringify(summary, null, 2));
console.log(JSON.stringify(summary));
if (heap.length < 0) console.log(heap); // keep the heap alive to the end
