// Helpers for the node-agent benchmarks: a `hale server` with its embedded agent, pods
// created / watched / deleted over the REST API, and a last-resort sweep of pod processes.
// Pods outlive the server (each container runs under a detached shim), so every exit path
// must delete the pods or kill their processes by the pid files the runtime keeps.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLiveProcess } from '../../src/agent/runtime/process/proc.ts';
import { type HaleProcess, startHaleProcess } from './hale-process.ts';
import { BenchHttpClient } from './http.ts';

export const benchNodeName = 'hale-bench-node';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pods are handled as plain JSON here. */
export type PodJson = any;

export interface AgentServer {
  server: HaleProcess;
  http: BenchHttpClient;
  /** The process running the agent: `hale agent`, or the server when it is embedded. */
  agentPid: number;
  /** Deletes every pod in `namespace`, waits until they are gone, stops the server, sweeps. */
  shutdown(namespace: string): Promise<void>;
}

const dataDirsToSweep = new Set<string>();
const separateAgents = new Set<ChildProcess>();
const haleBin = join(dirname(fileURLToPath(import.meta.url)), '../../bin/hale.js');

/** The process runtime's per-container folders (container.json; shim.pid from older shims). */
function containerDirs(dataDir: string): string[] {
  const root = join(dataDir, 'agent/runtime/process/containers');
  try {
    return readdirSync(root).map((id) => join(root, id));
  } catch {
    return [];
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A pid that runs, or undefined. */
function livePid(value: unknown): number | undefined {
  const pid = Number(value);
  return Number.isInteger(pid) && pid > 1 && isLiveProcess(pid) ? pid : undefined;
}

function containerInfo(dir: string): { pid?: number; shimPid?: number } {
  try {
    return JSON.parse(readText(join(dir, 'container.json')) ?? '{}');
  } catch {
    return {};
  }
}

/** The pids of every container's shim and workload (workloads lead their process group). */
export function podProcessPids(dataDir: string): { shims: number[]; workloads: number[] } {
  const shims: number[] = [];
  const workloads: number[] = [];
  for (const dir of containerDirs(dataDir)) {
    const info = containerInfo(dir);
    const shim = livePid(info.shimPid ?? readText(join(dir, 'shim.pid'))?.trim());
    const workload = livePid(info.pid);
    if (shim) shims.push(shim);
    if (workload) workloads.push(workload);
  }
  return { shims, workloads };
}

/** Kills whatever pod processes are left under `dataDir`. Synchronous: usable in 'exit'. */
export function sweepPodProcesses(dataDir: string): number {
  const { shims, workloads } = podProcessPids(dataDir);
  let killed = 0;
  for (const pid of workloads) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
        killed++;
      } catch {}
    }
  }
  for (const pid of shims) {
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {}
  }
  return killed;
}

// Runs before hale-process's own 'exit' handler (which removes the data dir we read pids from).
process.prependListener('exit', () => {
  for (const proc of separateAgents) proc.kill('SIGKILL');
  for (const dir of dataDirsToSweep) sweepPodProcesses(dir);
});

export interface AgentServerOptions {
  /** Extra flags for the node process that runs the agent (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /**
   * Run the agent as its own `hale agent` process (joined with the server's agent token)
   * instead of embedded in `hale server`, so that its memory and CPU can be read alone.
   */
  separateAgent?: boolean;
  /** Script to run instead of bin/hale.js (see buildPrivateBundle). */
  entry?: string;
  /** --network-mode for the agent (default: Hale's default, auto). */
  networkMode?: 'auto' | 'isolated' | 'host';
  /** Connections the benchmark's own requests share (default 16); 1 sends them one at a time. */
  connections?: number;
}

/**
 * Address ranges of this benchmark's own: pods get isolated networks (a bridge and a route
 * per cluster) by default, and two clusters on one machine with the same ranges collide
 * (the second cannot route its pod range). Derived from the pid, away from the defaults.
 */
const clusterCidr = `10.${128 + (process.pid % 64)}.0.0/16`;
const serviceCidr = `10.${192 + (process.pid % 64)}.0.0/16`;
const networkArgs = ['--cluster-cidr', clusterCidr, '--service-cidr', serviceCidr];

/** A `hale agent` process joined to `server`, with its data under the server's data dir. */
function spawnSeparateAgent(
  server: HaleProcess,
  nodeFlags: string[],
  entry: string,
  modeArgs: string[],
): { pid: number; stop(): Promise<void> } {
  const token = readFileSync(join(server.dataDir, 'agent-token'), 'utf8').trim();
  const args = [...nodeFlags, entry, 'agent', '--server', server.url, '--token', token, '--ca-file', join(server.dataDir, 'tls/ca.crt')];
  args.push('--node-name', benchNodeName, '--data-dir', join(server.dataDir, 'agent'), '--agent-port', '0', '--log-level', 'warn');
  args.push(...networkArgs, ...modeArgs);
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: server.dataDir } });
  let output = '';
  proc.stderr.on('data', (d: Buffer) => {
    output = (output + d).slice(-4000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  separateAgents.add(proc);
  void exited.then(() => {
    separateAgents.delete(proc);
    if (output.trim()) process.stderr.write(`[bench] hale agent output:\n${output}\n`);
  });
  return {
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts `hale server` with its agent (embedded or separate) and waits until its Node is Ready. */
export async function startAgentServer(opts: AgentServerOptions = {}): Promise<AgentServer> {
  const nodeFlags = opts.nodeFlags ?? [];
  const entry = opts.entry;
  const modeArgs = opts.networkMode ? ['--network-mode', opts.networkMode] : [];
  const server = opts.separateAgent
    ? await startHaleProcess({ withAgent: false, entry, extraArgs: networkArgs })
    : await startHaleProcess({ withAgent: true, nodeFlags, entry, extraArgs: ['--node-name', benchNodeName, ...networkArgs, ...modeArgs] });
  dataDirsToSweep.add(server.dataDir);
  const agent = opts.separateAgent ? spawnSeparateAgent(server, [...nodeFlags], entry ?? haleBin, modeArgs) : undefined;
  const http = new BenchHttpClient({ baseUrl: server.url, token: server.token, caPem: server.caPem, maxSockets: opts.connections ?? 16 });
  const deadline = performance.now() + 30_000;
  for (;;) {
    const res = await http.request('GET', `/api/v1/nodes/${benchNodeName}`);
    if (res.status === 200) {
      const node = JSON.parse(res.body.toString('utf8'));
      if (node.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')) break;
    }
    if (performance.now() > deadline) throw new Error(`node ${benchNodeName} did not become Ready within 30 s`);
    await sleep(100);
  }
  return {
    server,
    http,
    agentPid: agent?.pid ?? server.pid,
    async shutdown(namespace: string) {
      try {
        await deleteAllPods(http, namespace);
      } finally {
        http.close();
        await agent?.stop();
        await server.stop();
        sweepPodProcesses(server.dataDir);
        dataDirsToSweep.delete(server.dataDir);
      }
    },
  };
}

export async function createPod(http: BenchHttpClient, namespace: string, pod: PodJson): Promise<PodJson> {
  const res = await http.request('POST', `/api/v1/namespaces/${namespace}/pods`, JSON.stringify(pod));
  if (res.status !== 201) throw new Error(`creating pod ${pod.metadata?.name}: ${res.status} ${res.body.subarray(0, 300)}`);
  return JSON.parse(res.body.toString('utf8'));
}

export async function getPod(http: BenchHttpClient, namespace: string, name: string): Promise<PodJson | undefined> {
  const res = await http.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
  return res.status === 200 ? JSON.parse(res.body.toString('utf8')) : undefined;
}

export function isPodReady(pod: PodJson): boolean {
  return pod?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Polls until `check(pod)` holds; returns that pod. */
export async function waitForPod(
  http: BenchHttpClient,
  namespace: string,
  name: string,
  check: (pod: PodJson) => boolean,
  timeoutMs = 30_000,
): Promise<PodJson> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const pod = await getPod(http, namespace, name);
    if (pod && check(pod)) return pod;
    if (performance.now() > deadline) throw new Error(`pod ${namespace}/${name} not as expected within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Deletes one pod (grace 0) and waits until the API no longer has it. */
export async function deletePodAndWait(http: BenchHttpClient, namespace: string, name: string, timeoutMs = 30_000): Promise<void> {
  await http.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}?gracePeriodSeconds=0`);
  const deadline = performance.now() + timeoutMs;
  while ((await http.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).status !== 404) {
    if (performance.now() > deadline) throw new Error(`pod ${namespace}/${name} still present after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Deletes every pod in the namespace and waits until the list is empty. */
export async function deleteAllPods(http: BenchHttpClient, namespace: string, timeoutMs = 60_000): Promise<void> {
  await http.request('DELETE', `/api/v1/namespaces/${namespace}/pods?gracePeriodSeconds=0`);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const res = await http.request('GET', `/api/v1/namespaces/${namespace}/pods`);
    if (res.status === 200 && JSON.parse(res.body.toString('utf8')).items.length === 0) return;
    if (performance.now() > deadline) throw new Error(`pods in ${namespace} still present after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export interface PodWatchOptions {
  baseUrl: string;
  token: string;
  caPem: string;
  namespace: string;
  resourceVersion: string;
  /** Called for every ADDED/MODIFIED/DELETED pod, with the time its bytes arrived. */
  onEvent: (type: string, pod: PodJson, arrivedAt: number) => void;
}

/** One watch on a namespace's pods, parsed line by line. */
export class PodWatch {
  readonly opened: Promise<void>;
  private closeRequest: () => void = () => {};

  constructor(opts: PodWatchOptions) {
    const url = new URL(opts.baseUrl);
    this.opened = new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: `/api/v1/namespaces/${opts.namespace}/pods?watch=1&resourceVersion=${opts.resourceVersion}`,
          ca: opts.caPem,
          agent: false,
          headers: { Authorization: `Bearer ${opts.token}`, Accept: 'application/json', 'User-Agent': 'hale-bench-watch' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`pod watch answered ${res.statusCode}`));
            return;
          }
          let partial = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const arrivedAt = performance.now();
            const lines = (partial + chunk).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) {
              if (!line.trim()) continue;
              const event = JSON.parse(line);
              if (event.type !== 'BOOKMARK' && event.type !== 'ERROR') opts.onEvent(event.type, event.object, arrivedAt);
            }
          });
          res.on('error', () => {});
          resolve();
        },
      );
      req.on('error', reject);
      req.end();
      this.closeRequest = () => req.destroy();
    });
  }

  close(): void {
    this.closeRequest();
  }
}

/** The namespace's current list resourceVersion, to start a watch from. */
export async function podListResourceVersion(http: BenchHttpClient, namespace: string): Promise<string> {
  const res = await http.request('GET', `/api/v1/namespaces/${namespace}/pods`);
  if (res.status !== 200) throw new Error(`listing pods: ${res.status}`);
  return JSON.parse(res.body.toString('utf8')).metadata.resourceVersion;
}

/** A PodWatch on `namespace` of the agent's server, from the pods' current resourceVersion on. */
export async function watchPodsFromNow(
  { server, http }: Pick<AgentServer, 'server' | 'http'>,
  namespace: string,
  onEvent: PodWatchOptions['onEvent'],
): Promise<PodWatch> {
  const resourceVersion = await podListResourceVersion(http, namespace);
  return new PodWatch({ baseUrl: server.url, token: server.token, caPem: server.caPem, namespace, resourceVersion, onEvent });
}
