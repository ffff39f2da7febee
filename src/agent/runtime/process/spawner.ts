// Starting processes without forking this process. `child_process.spawn` forks the calling
// process, and a fork of a 150+ MB Node.js process costs milliseconds of CPU: it copies the
// page tables, write-protects the whole heap (every later write to a page faults) and holds
// the mm lock. A burst of pods (a shim per container, exec probes, hooks, `ip` commands) spent
// seconds of CPU there, even with the forks moved to a worker thread. So each Node process
// (each thread that uses this module) forks once, at first use, a small C spawn server
// (native/hale-spawner.c, build/hale-spawner) and asks it, over its stdin and stdout, to start
// every other process: forking that ~1 MB process costs tens of microseconds.
//
// Four kinds of request:
// - collect: run a command to completion, capture the start of its output, kill its process
//   group after a timeout (exec probes and hooks, `ip`);
// - shim: start a detached hale-shim and wait for its one status line; the shim's exit is
//   reported later (the server is its parent and reaps it);
// - pod network attach and detach: the isolated network's per-sandbox set-up and removal,
//   done by a forked child of the server itself (native/pod-network.c), collected like a
//   command.
// The server is restarted when it dies (requests in flight fail; shim exit watchers are told
// to re-check). It never keeps this process alive while idle, and exits when this process
// does, killing nothing: shims are detached and outlive the agent.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFields, encodeRequest, RecordReader } from './spawn-protocol.ts';

// HALE_ROOT is set by bin/hale.js (the bundled build lives elsewhere than this file).
export const REPO_ROOT = process.env.HALE_ROOT ?? fileURLToPath(new URL('../../../../', import.meta.url));

/** A binary built by scripts/build-native.sh (npm postinstall) into build/. */
export const nativeBinary = (name: string) => join(REPO_ROOT, 'build', name);

// Tools the agent runs (`ip`, `chattr`) need only PATH to be found. A copy of the whole
// environment per run cost more main-thread time than the rest of a run (process.env is read
// key by key, then encoded for the spawn server).
let pathOnly: Record<string, string> | undefined;
/** This process's PATH alone, as the environment for a tool run through collect(). */
export const pathOnlyEnvironment = (): Record<string, string> => (pathOnly ??= process.env.PATH ? { PATH: process.env.PATH } : {});

/** The spawn server reads whole, non-negative numbers only. */
const wholeNumber = (n: number) => String(Number.isFinite(n) ? Math.max(0, Math.ceil(n)) : 2 ** 31 - 1);

/** build/hale-spawner, built by scripts/build-native.sh (npm postinstall) beside hale-shim. */
export const SPAWN_SERVER_PATH = nativeBinary('hale-spawner');

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

export interface PodNetworkAttachRequest {
  /** Where the new network namespace is pinned (/run/netns/NAME). */
  netnsPath: string;
  /** The host end of the veth pair, put on `bridge`; the other end is the pod's eth0. */
  veth: string;
  bridge: string;
  /** The pod's address with the prefix length of its range, e.g. 10.42.0.7/24. */
  address: string;
  gateway: string;
  timeoutMs: number;
}

export interface PodNetworkDetachRequest {
  netnsPath: string;
  veth: string;
  timeoutMs: number;
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

interface Pending {
  resolve(value: any): void;
  reject(err: Error): void;
}

interface ShimExitWatch {
  exited: boolean;
  listeners: (() => void)[];
}

interface SpawnServer {
  child: ChildProcess;
  stdin: Socket;
  stdout: Socket;
}

/**
 * A request in flight keeps this process alive, as its child process would; an idle server
 * does not. Both the answers' pipe and the process handle count: when the server dies, its
 * 'close' (which fails what was in flight) needs the exit too.
 */
function keepAlive(server: SpawnServer, on: boolean): void {
  if (on) {
    server.child.ref();
    server.stdout.ref();
  } else {
    server.child.unref();
    server.stdout.unref();
  }
}

/** This process's spawn server, started on first use. */
class Spawner {
  private server?: SpawnServer;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly shimExits = new Map<number, ShimExitWatch>();

  /** The server's pid while it runs (tests kill it). */
  get serverPid(): number | undefined {
    return this.server?.child.pid;
  }

  collect(r: CollectRequest): Promise<CollectResult> {
    return this.send((id) =>
      encodeRequest(
        ['c', String(id), r.file, wholeNumber(r.timeoutMs), wholeNumber(r.maxOutput), wholeNumber(r.outputGraceMs)],
        [r.file, ...r.args],
        r.env,
      ),
    );
  }

  /** exitCode 0: attached; else stderr says which step failed and why. */
  attachPodNetwork(r: PodNetworkAttachRequest): Promise<CollectResult> {
    return this.send((id) =>
      encodeFields(
        ['n', String(id), wholeNumber(r.timeoutMs), r.netnsPath, r.veth, r.bridge, r.address, r.gateway],
        'pod network attach: names and addresses',
      ),
    );
  }

  /** Removes what attachPodNetwork made; what is not there is no error. */
  detachPodNetwork(r: PodNetworkDetachRequest): Promise<CollectResult> {
    return this.send((id) => encodeFields(['N', String(id), wholeNumber(r.timeoutMs), r.netnsPath, r.veth], 'pod network detach: names'));
  }

  async shim(r: ShimSpawnRequest): Promise<ShimSpawnResult> {
    const id = this.nextId++;
    const watch: ShimExitWatch = { exited: false, listeners: [] };
    this.shimExits.set(id, watch);
    let result: { pid?: number; statusLine?: string };
    try {
      result = await this.send(() => encodeRequest(['s', String(id), r.file, r.cwd, r.stderrPath], [r.file, ...r.args], r.env), id);
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

  private send<T>(encode: (id: number) => Buffer, id = this.nextId++): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const record = encode(id);
      const server = this.ensureServer();
      this.pending.set(id, { resolve, reject });
      keepAlive(server, true);
      server.stdin.write(record);
    });
  }

  private ensureServer(): SpawnServer {
    if (this.server) return this.server;
    if (!existsSync(SPAWN_SERVER_PATH)) {
      throw new Error(`the spawn server ${SPAWN_SERVER_PATH} is missing; build it with \`bash scripts/build-native.sh\``);
    }
    // The one fork of this process; stderr is ours, for the server's rare complaints.
    const child = spawn(SPAWN_SERVER_PATH, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const server: SpawnServer = { child, stdin: child.stdin as Socket, stdout: child.stdout as Socket };
    const reader = new RecordReader();
    server.stdout.on('data', (chunk: Buffer) => {
      for (const fields of reader.push(chunk)) this.onAnswer(fields);
    });
    // Errors surface through 'close' (or the child's 'error' when it could not start).
    server.stdin.on('error', () => {});
    server.stdout.on('error', () => {});
    child.on('error', (err) => this.onServerGone(server, new Error(`the spawn server ${SPAWN_SERVER_PATH} failed: ${err.message}`)));
    child.on('close', (code, signal) =>
      this.onServerGone(server, new Error(`the spawn server exited (${signal ? `signal ${signal}` : `code ${code}`}) before answering`)),
    );
    server.stdin.unref();
    keepAlive(server, false);
    this.server = server;
    return server;
  }

  private onAnswer(fields: Buffer[]): void {
    const kind = fields[0]?.toString('latin1');
    const id = Number(fields[1]?.toString('latin1'));
    if (kind === 'x') {
      this.shimExited(id);
      return;
    }
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (this.pending.size === 0 && this.server) keepAlive(this.server, false);
    const text = (i: number) => fields[i]?.toString('utf8') ?? '';
    if (kind === 'r') {
      pending.resolve({ exitCode: Number(text(2)), stdout: text(4), stderr: text(5), timedOut: text(3) === '1' });
    } else if (kind === 'p') {
      pending.resolve({ pid: Number(text(2)), statusLine: text(3) === '1' ? text(4) : undefined });
    } else {
      pending.reject(new Error(kind === 'e' ? text(2) : `the spawn server answered '${kind}'`));
    }
  }

  private shimExited(id: number): void {
    const watch = this.shimExits.get(id);
    if (!watch) return;
    this.shimExits.delete(id);
    watch.exited = true;
    for (const listener of watch.listeners) listener();
  }

  /** The server died: fail what is in flight, and let shim watchers re-check (they read the shim's files). */
  private onServerGone(server: SpawnServer, err: Error): void {
    if (this.server !== server) return;
    this.server = undefined;
    server.child.kill('SIGKILL');
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
    for (const id of [...this.shimExits.keys()]) this.shimExited(id);
  }
}

export const spawner = new Spawner();
