// Starts a real `hale server` process for a benchmark, times spawn → first 200 from
// /readyz, and makes sure the process and its temp dir go away however the benchmark
// ends (normal exit, exception, Ctrl-C).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const haleBin = join(repoRoot, 'bin/hale.js');

export interface HaleProcessOptions {
  /** Reuse this data dir (a warm start); default: a new temp dir (a cold start). */
  dataDir?: string;
  /** --datastore-endpoint, e.g. memory://; default: SQLite in the data dir. */
  datastore?: string;
  /** Extra flags for the server's node process, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Script to run instead of bin/hale.js, e.g. a freshly built bundle. */
  entry?: string;
  /** Run the embedded node agent (default: off, an API-only server). */
  withAgent?: boolean;
  /** Extra `hale server` flags, e.g. --node-name. */
  extraArgs?: string[];
}

export interface HaleProcess {
  url: string;
  pid: number;
  dataDir: string;
  token: string;
  caPem: string;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  /** Spawn → first 200 from /readyz, milliseconds. */
  readyMs: number;
  /** SIGTERM and wait (SIGKILL after 10 s); keeps the data dir. */
  stop(): Promise<void>;
}

const liveProcesses = new Set<ChildProcess>();
const tempDirs = new Set<string>();

// Last-resort cleanup: 'exit' handlers must be synchronous, and kill + rmSync are.
process.on('exit', () => {
  for (const proc of liveProcesses) proc.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping hale and removing temp dirs\n`);
    process.exit(130);
  });
}

export function makeTempDir(prefix = 'hale-bench-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/** One /readyz probe on a fresh connection; false while the port is not open yet. */
function readyzOk(port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    // The CA may not exist yet on a cold start; this probe only checks the status code.
    const req = get({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolveProbe(res.statusCode === 200);
    });
    req.on('error', () => resolveProbe(false));
    req.on('timeout', () => req.destroy());
  });
}

export async function startHaleProcess(opts: HaleProcessOptions = {}): Promise<HaleProcess> {
  const dataDir = opts.dataDir ?? makeTempDir();
  const port = await freePort();
  const args = [
    ...(opts.nodeFlags ?? []),
    opts.entry ?? haleBin,
    'server',
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    ...(opts.withAgent ? [] : ['--disable-agent']),
    '--log-level',
    'warn',
    ...(opts.datastore ? ['--datastore-endpoint', opts.datastore] : []),
    ...(opts.extraArgs ?? []),
  ];
  const started = performance.now();
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dataDir } });
  liveProcesses.add(proc);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d).slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let exited = false;
  const exitedPromise = new Promise<void>((r) =>
    proc.once('exit', () => {
      exited = true;
      liveProcesses.delete(proc);
      r();
    }),
  );

  const deadline = started + 30_000;
  for (;;) {
    if (exited) throw new Error(`hale server exited before it was ready:\n${output}`);
    if (await readyzOk(port)) break;
    if (performance.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`hale server was not ready within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - started;

  return {
    url: `https://127.0.0.1:${port}`,
    pid: proc.pid!,
    dataDir,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    caPem: readFileSync(join(dataDir, 'tls/ca.crt'), 'utf8'),
    spawnedAt: started,
    readyMs,
    async stop() {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
