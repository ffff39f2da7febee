// Spawning processes off the agent's event loop. `child_process.spawn` forks the calling
// process, and forking a 150+ MB Node.js process blocks its thread for milliseconds (copying
// page tables). With a burst of pods (one shim per container, plus exec probes and hooks) the
// forks alone kept the event loop busy for seconds. Here they happen on one shared worker
// thread; the main thread only exchanges small messages with it.
//
// Two kinds of request:
// - collect: run a command to completion, capture the start of its output, kill its process
//   group after a timeout (exec probes and hooks);
// - shim: start a detached hale-shim and wait for its one status line; the shim's exit is
//   reported later (while this process runs).
// The worker is written in plain JavaScript (a string evaluated as CommonJS) so that it works
// the same under tsx and in the esbuild bundle, without a separate file to ship.
import { Worker } from 'node:worker_threads';

export interface CollectRequest {
  file: string;
  args: string[];
  env: Record<string, string>;
  timeoutMs: number;
  /** Bytes kept per stream. */
  maxOutput: number;
  /** How long output may still arrive after the command exited. */
  outputGraceMs: number;
}

export interface CollectResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ShimSpawnRequest {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The shim's stderr is appended to this file. */
  stderrPath: string;
}

export interface ShimSpawnResult {
  pid?: number;
  /** The first line the shim printed, or undefined when its stdout closed without one. */
  statusLine?: string;
  /** Calls `listener` once the shim exited (at once if it already did). */
  onExit(listener: () => void): void;
}

const WORKER_SOURCE = String.raw`
const { spawn } = require('node:child_process');
const { openSync, closeSync } = require('node:fs');
const { constants } = require('node:os');
const { parentPort } = require('node:worker_threads');

const exitCodeOf = (code, signal) => code !== null ? code : 128 + (signal ? (constants.signals[signal] || 0) : 0);
const killGroup = (child, signal) => { try { if (child.pid) process.kill(-child.pid, signal); } catch {} };

function collect(id, r) {
  let child;
  try {
    child = spawn(r.file, r.args, { detached: true, env: r.env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
    return;
  }
  const capture = (stream) => {
    const chunks = []; let size = 0;
    stream.on('data', (chunk) => { if (size < r.maxOutput) { chunks.push(chunk); size += chunk.length; } });
    return () => Buffer.concat(chunks).subarray(0, r.maxOutput).toString('utf8');
  };
  const stdout = capture(child.stdout);
  const stderr = capture(child.stderr);
  let timedOut = false, code, grace, done = false;
  const timer = setTimeout(() => { timedOut = true; killGroup(child, 'SIGKILL'); }, r.timeoutMs);
  const finish = (exitCode) => {
    if (done) return;
    done = true;
    clearTimeout(timer); clearTimeout(grace);
    parentPort.postMessage({ id, result: { exitCode, stdout: stdout(), stderr: stderr(), timedOut } });
  };
  child.once('error', (err) => {
    if (done) return;
    done = true;
    clearTimeout(timer); clearTimeout(grace);
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  });
  child.once('exit', (c, s) => { code = exitCodeOf(c, s); grace = setTimeout(() => finish(code), r.outputGraceMs); });
  child.once('close', (c, s) => finish(code !== undefined ? code : exitCodeOf(c, s)));
}

function shim(id, r) {
  let child;
  try {
    const stderrFd = openSync(r.stderrPath, 'a', 0o600);
    try {
      child = spawn(r.file, r.args, { detached: true, env: r.env, cwd: r.cwd, stdio: ['ignore', 'pipe', stderrFd] });
    } finally {
      closeSync(stderrFd);
    }
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
    return;
  }
  let line = '', settled = false;
  const settle = (statusLine) => {
    if (settled) return;
    settled = true;
    child.stdout.destroy();
    parentPort.postMessage({ id, result: { pid: child.pid, statusLine } });
  };
  child.once('error', (err) => {
    if (settled) return;
    settled = true;
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  });
  child.once('exit', () => parentPort.postMessage({ id, shimExited: true }));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    line += chunk;
    const end = line.indexOf('\n');
    if (end >= 0) settle(line.slice(0, end));
  });
  child.stdout.on('end', () => settle(undefined));
}

parentPort.on('message', (m) => (m.kind === 'collect' ? collect : shim)(m.id, m.request));
`;

interface Pending {
  resolve(value: any): void;
  reject(err: Error): void;
}

interface WorkerMessage {
  id: number;
  result?: any;
  error?: string;
  shimExited?: boolean;
}

interface ShimExitWatch {
  exited: boolean;
  listeners: (() => void)[];
}

/** The one spawning worker of this process, started on first use. */
class Spawner {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly shimExits = new Map<number, ShimExitWatch>();

  collect(request: CollectRequest): Promise<CollectResult> {
    return this.send('collect', request);
  }

  async shim(request: ShimSpawnRequest): Promise<ShimSpawnResult> {
    const id = this.nextId++;
    const watch: ShimExitWatch = { exited: false, listeners: [] };
    this.shimExits.set(id, watch);
    let result: { pid?: number; statusLine?: string };
    try {
      result = await this.send('shim', request, id);
    } catch (err) {
      this.shimExits.delete(id);
      throw err;
    }
    return {
      ...result,
      onExit: (listener) => {
        if (watch.exited) listener();
        else watch.listeners.push(listener);
      },
    };
  }

  private send<T>(kind: 'collect' | 'shim', request: unknown, id = this.nextId++): Promise<T> {
    const worker = this.ensureWorker();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A request in flight keeps the process alive, as its child process would.
      worker.ref();
      worker.postMessage({ id, kind, request });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // No --import tsx (or other loaders) in the worker: it is plain JavaScript and stays small.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], stdout: false, stderr: false });
    worker.unref();
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    worker.on('error', (err) => this.onWorkerGone(worker, err));
    worker.on('exit', (code) => this.onWorkerGone(worker, new Error(`the spawning worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private onMessage(m: WorkerMessage): void {
    if (m.shimExited) {
      this.shimExited(m.id);
      return;
    }
    const pending = this.pending.get(m.id);
    if (!pending) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (m.error !== undefined) pending.reject(new Error(m.error));
    else pending.resolve(m.result);
  }

  private shimExited(id: number): void {
    const watch = this.shimExits.get(id);
    if (!watch) return;
    this.shimExits.delete(id);
    watch.exited = true;
    for (const listener of watch.listeners) listener();
  }

  /** The worker died: fail what is in flight, and let shim watchers re-check (they read the shim's files). */
  private onWorkerGone(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
    for (const id of [...this.shimExits.keys()]) this.shimExited(id);
  }
}

export const spawner = new Spawner();
