// The node's and its containers' CPU and memory use, for the metrics API (`kubectl top`): what
// the kubelet's resource metrics give metrics-server. Every interval it reads cumulative CPU
// time and the memory working set of the node and of each running container; CPU use is the
// rate between the last two readings (nanocores), so a container shows up after two.
import { readFileSync } from 'node:fs';
import { parseMeminfo } from '../node/host-readings.ts';
import { CONTAINER_NAME_LABEL, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL } from '../pods/runtime-labels.ts';
import type { Runtime } from '../runtime/runtime.ts';

export interface Usage {
  cpuNanoCores: number;
  memoryWorkingSetBytes: number;
}

export interface ContainerUsage extends Usage {
  name: string;
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid: string;
  /** When the newer of the two readings was taken (RFC 3339). */
  timestamp: string;
  windowSeconds: number;
  containers: ContainerUsage[];
}

/** GET /stats/resource on the agent. */
export interface ResourceUsageReport {
  node?: Usage & { timestamp: string; windowSeconds: number };
  pods: PodUsage[];
}

interface Reading {
  at: number;
  cpuNanos: number;
  memoryWorkingSetBytes: number;
}

/** Cumulative CPU time of the whole machine (/proc/stat, all but idle and iowait) and memory in use. */
export function readNodeUsage(): { cpuNanos: number; memoryWorkingSetBytes: number } {
  const cpuLine = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  // user nice system idle iowait irq softirq steal (guest time is part of user already)
  const [user, nice, system, , , irq, softirq, steal] = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  const ticks = user + nice + system + irq + softirq + (steal || 0);
  const mem = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
  // USER_HZ is 100 on every Linux Node.js runs on.
  return { cpuNanos: ticks * 10_000_000, memoryWorkingSetBytes: Math.max(0, (mem.MemTotal ?? 0) - (mem.MemAvailable ?? 0)) };
}

function rate(prev: Reading | undefined, cur: Reading): number | undefined {
  if (!prev || cur.at <= prev.at || cur.cpuNanos < prev.cpuNanos) return undefined;
  return Math.round(((cur.cpuNanos - prev.cpuNanos) * 1000) / (cur.at - prev.at));
}

export interface ResourceUsageSamplerOptions {
  runtime: Runtime;
  intervalMs?: number;
  readNode?: () => { cpuNanos: number; memoryWorkingSetBytes: number };
  now?: () => number;
}

export class ResourceUsageSampler {
  private readonly runtime: Runtime;
  private readonly intervalMs: number;
  private readonly readNode: () => { cpuNanos: number; memoryWorkingSetBytes: number };
  private readonly now: () => number;
  /** Key ("node" or a container id) → its last two readings. */
  private readings = new Map<string, [Reading | undefined, Reading]>();
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;
  private report: ResourceUsageReport = { pods: [] };

  constructor(opts: ResourceUsageSamplerOptions) {
    this.runtime = opts.runtime;
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.readNode = opts.readNode ?? readNodeUsage;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }

  /** The latest figures (pods and containers with two readings so far). */
  latest(): ResourceUsageReport {
    return this.report;
  }

  /** One round of readings (the timer's work; tests call it directly). */
  sample(): Promise<void> {
    this.sampling ??= this.readAll().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  private remember(key: string, reading: Reading, seen: Map<string, [Reading | undefined, Reading]>): [Reading | undefined, Reading] {
    const pair: [Reading | undefined, Reading] = [this.readings.get(key)?.[1], reading];
    seen.set(key, pair);
    return pair;
  }

  private async readAll(): Promise<void> {
    const seen = new Map<string, [Reading | undefined, Reading]>();
    const report: ResourceUsageReport = { pods: [] };
    try {
      const node = this.readNode();
      const [prev, cur] = this.remember('node', { at: this.now(), ...node }, seen);
      const cpu = rate(prev, cur);
      if (prev && cpu !== undefined) {
        report.node = {
          cpuNanoCores: cpu,
          memoryWorkingSetBytes: cur.memoryWorkingSetBytes,
          timestamp: new Date(cur.at).toISOString(),
          windowSeconds: Math.round((cur.at - prev.at) / 1000),
        };
      }
    } catch {
      // No /proc (not Linux): no node figures.
    }
    const pods = new Map<string, PodUsage>();
    for (const c of await this.runtime.listContainers()) {
      if (c.state !== 'running') continue;
      const stats = await this.runtime.containerStats(c.id).catch(() => undefined);
      if (!stats) continue;
      const [prev, cur] = this.remember(
        c.id,
        { at: stats.timestamp.getTime(), cpuNanos: stats.cpuUsageCoreNanoSeconds, memoryWorkingSetBytes: stats.memoryWorkingSetBytes },
        seen,
      );
      const cpu = rate(prev, cur);
      const uid = c.labels[POD_UID_LABEL];
      if (!prev || cpu === undefined || !uid) continue;
      let pod = pods.get(uid);
      if (!pod) {
        pod = {
          namespace: c.labels[POD_NAMESPACE_LABEL],
          name: c.labels[POD_NAME_LABEL],
          uid,
          timestamp: new Date(cur.at).toISOString(),
          windowSeconds: Math.round((cur.at - prev.at) / 1000),
          containers: [],
        };
        pods.set(uid, pod);
      }
      pod.containers.push({
        name: c.labels[CONTAINER_NAME_LABEL] ?? c.name,
        cpuNanoCores: cpu,
        memoryWorkingSetBytes: cur.memoryWorkingSetBytes,
      });
    }
    report.pods = [...pods.values()];
    // Containers that ended are forgotten with their readings.
    this.readings = seen;
    this.report = report;
  }
}
