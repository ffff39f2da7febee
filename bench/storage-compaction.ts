// Rewrites the same objects over and over with the compactor running, and reports the size
// of the SQLite database + WAL over time and the write throughput. The point: with
// compaction the file stays bounded however long the churn goes on. Prints a table, then
// one JSON line. Never passes or fails on numbers.
//
//   node --import tsx bench/storage-compaction.ts [--writes 200000] [--objects 1000]
//        [--value-bytes 1024] [--interval 1] [--retain 10000] [--synchronous FULL|NORMAL]
//        [--concurrency 16]   writes in flight at once (they share commits, see group-commit.ts)
//        [--baseline]   also run the same churn without a compactor, for comparison

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Compactor } from '../src/storage/compactor.ts';
import type { SynchronousMode } from '../src/storage/sqlite/schema.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';

const { values: args } = parseArgs({
  options: {
    writes: { type: 'string', default: '200000' },
    objects: { type: 'string', default: '1000' },
    'value-bytes': { type: 'string', default: '1024' },
    interval: { type: 'string', default: '1' },
    retain: { type: 'string', default: '10000' },
    synchronous: { type: 'string', default: 'FULL' },
    concurrency: { type: 'string', default: '16' },
    baseline: { type: 'boolean', default: false },
  },
});

const config = {
  writes: Number(args.writes),
  objects: Number(args.objects),
  valueBytes: Number(args['value-bytes']),
  intervalSeconds: Number(args.interval),
  retainRevisions: Number(args.retain),
  synchronous: args.synchronous.toUpperCase() as SynchronousMode,
  concurrency: Number(args.concurrency),
};
const SAMPLES = 20;

interface Sample {
  writes: number;
  seconds: number;
  dbBytes: number;
  walBytes: number;
  compactedRevision: number;
  /** Writes per second since the previous sample. */
  writesPerSecond: number;
}

interface RunResult {
  name: string;
  samples: Sample[];
  totalSeconds: number;
  writesPerSecond: number;
  peakBytes: number;
  finalBytes: number;
}

function keyOf(i: number): string {
  return `/registry/configmaps/bench/obj-${i}`;
}

function objectValue(i: number, generation: number): string {
  const head = JSON.stringify({ kind: 'ConfigMap', metadata: { name: `obj-${i}`, generation }, data: { pad: '' } });
  return head.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, config.valueBytes - head.length))}"`);
}

// Remove the temp databases also when the run is interrupted.
const tempDirs = new Set<string>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}

async function run(name: string, withCompactor: boolean): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'hale-bench-compaction-'));
  tempDirs.add(dir);
  const store = new SqliteStore(join(dir, 'state.db'), { synchronous: config.synchronous });
  const compactor = withCompactor
    ? new Compactor(store, { intervalSeconds: config.intervalSeconds, retainRevisions: config.retainRevisions })
    : undefined;
  try {
    const revisions = await Promise.all(
      Array.from({ length: config.objects }, async (_, i) => (await store.create(keyOf(i), objectValue(i, 0))).modRevision),
    );
    compactor?.start();
    printHeader(name);

    const samples: Sample[] = [];
    const every = Math.max(1, Math.floor(config.writes / SAMPLES));
    const start = performance.now();
    let windowStart = start;
    let issued = 0;
    let n = 0;
    // `concurrency` writers, like requests in flight in the API server; writer w owns the
    // objects i with i % concurrency == w, so they never conflict.
    const writer = async (w: number) => {
      const mine = revisions.map((_, i) => i).filter((i) => i % config.concurrency === w);
      for (let round = 0; mine.length > 0; round++) {
        if (issued >= config.writes) return;
        issued++;
        const i = mine[round % mine.length];
        revisions[i] = (await store.update(keyOf(i), objectValue(i, issued), revisions[i])).modRevision;
        n++;
        if (n % every === 0 || n === config.writes) await sample();
      }
    };
    const sample = async () => {
      const now = performance.now();
      const { db, wal } = store.fileSizes();
      const previous = samples.at(-1)?.writes ?? 0;
      const row: Sample = {
        writes: n,
        seconds: (now - start) / 1000,
        dbBytes: db,
        walBytes: wal,
        compactedRevision: await store.compactedRevision(),
        writesPerSecond: Math.round(((n - previous) * 1000) / (now - windowStart)),
      };
      samples.push(row);
      printRow(row);
      windowStart = now;
    };
    await Promise.all(Array.from({ length: config.concurrency }, (_, w) => writer(w)));
    const totalSeconds = (performance.now() - start) / 1000;
    const sizes = samples.map((s) => s.dbBytes + s.walBytes);
    return {
      name,
      samples,
      totalSeconds,
      writesPerSecond: Math.round(config.writes / totalSeconds),
      peakBytes: Math.max(...sizes),
      finalBytes: sizes.at(-1) ?? 0,
    };
  } finally {
    await compactor?.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function printHeader(name: string): void {
  console.log(`\n${name}`);
  console.log(['writes', 'seconds', 'db MB', 'wal MB', 'total MB', 'compacted rev', 'writes/s'].map((h) => h.padStart(14)).join(''));
}

function printRow(s: Sample): void {
  console.log(
    [s.writes, s.seconds.toFixed(1), mb(s.dbBytes), mb(s.walBytes), mb(s.dbBytes + s.walBytes), s.compactedRevision, s.writesPerSecond]
      .map((v) => String(v).padStart(14))
      .join(''),
  );
}

function printSummary(result: RunResult): void {
  const half = result.samples[Math.floor(result.samples.length / 2) - 1];
  console.log(
    `  ${result.name}: ${result.writesPerSecond} writes/s overall; size at ${half?.writes ?? 0} writes ${mb((half?.dbBytes ?? 0) + (half?.walBytes ?? 0))} MB, ` +
      `at the end ${mb(result.finalBytes)} MB, peak ${mb(result.peakBytes)} MB`,
  );
}

console.log(
  `storage compaction bench: ${config.writes} rewrites of ${config.objects} objects of ~${config.valueBytes} B, ` +
    `${config.concurrency} in flight, compactor every ${config.intervalSeconds}s keeping ${config.retainRevisions} revisions, ` +
    `synchronous=${config.synchronous}`,
);
const results = [await run('sqlite + compactor', true)];
if (args.baseline) results.push(await run('sqlite without compaction (baseline)', false));
console.log('\nsummary');
for (const result of results) printSummary(result);
console.log(JSON.stringify({ bench: 'storage-compaction', config, results }));
