// Helpers for the node-agent benchmarks: a `hale server` with its embedded agent, pods
// created / watched / deleted over the REST API, and a last-resort sweep of pod processes.
// Pods outlive the server (each container runs under a detached shim), so every exit path
// must delete the pods or kill their processes by the pid files the runtime keeps.
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { type HaleProcess, startHaleProcess } from './hale-process.ts';
import { BenchHttpClient } from './http.ts';

export const benchNodeName = 'hale-bench-node';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pods are handled as plain JSON here. */
export type PodJson = any;

export interface AgentServer {
  server: HaleProcess;
  http: BenchHttpClient;
  /** Deletes every pod in `namespace`, waits until they are gone, stops the server, sweeps. */
  shutdown(namespace: string): Promise<void>;
}

const dataDirsToSweep = new Set<string>();

/** The process runtime's per-container folders (shim.pid, container.json). */
function containerDirs(dataDir: string): string[] {
  const root = join(dataDir, 'agent/runtime/process/containers');
  try {
    return readdirSync(root).map((id) => join(root, id));
  } catch {
    return [];
  }
}

function readPid(file: string, field?: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const pid = field ? JSON.parse(text)[field] : Number(text.trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pids of every container's shim and workload (workloads lead their process group). */
export function podProcessPids(dataDir: string): { shims: number[]; workloads: number[] } {
  const shims: number[] = [];
  const workloads: number[] = [];
  for (const dir of containerDirs(dataDir)) {
    const shim = readPid(join(dir, 'shim.pid'));
    const workload = readPid(join(dir, 'container.json'), 'pid');
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
  for (const dir of dataDirsToSweep) sweepPodProcesses(dir);
});

/** Starts `hale server` with its agent and waits until its Node is Ready. */
export async function startAgentServer(nodeFlags: string[] = []): Promise<AgentServer> {
  const server = await startHaleProcess({ withAgent: true, nodeFlags, extraArgs: ['--node-name', benchNodeName] });
  dataDirsToSweep.add(server.dataDir);
  const http = new BenchHttpClient({ baseUrl: server.url, token: server.token, caPem: server.caPem, maxSockets: 16 });
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
    async shutdown(namespace: string) {
      try {
        await deleteAllPods(http, namespace);
      } finally {
        http.close();
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
