// Live resource readings of the machine the agent runs on: memory from /proc/meminfo, the
// data directory's filesystem from statfs, process ids from /proc, and the usable CPU count
// (CPU affinity, capped by a cgroup CPU quota). The node status reporter turns them into
// capacity, allocatable and the pressure conditions. Tests inject their own NodeReadings.
import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MemoryReading {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
}

export interface FilesystemReading {
  totalBytes: number;
  /** Bytes an unprivileged writer may still use (statfs f_bavail). */
  availableBytes: number;
}

export interface PidReading {
  /** The most process ids the kernel hands out: min(pid_max, threads-max). */
  max: number;
  /** Tasks (processes and threads) that exist now. */
  inUse: number;
}

/** Where the node's numbers come from; every method reads afresh. */
export interface NodeReadings {
  cpuCount(): number;
  memory(): MemoryReading;
  filesystem(path: string): FilesystemReading;
  pids(): PidReading;
}

/** Fields of /proc/meminfo in bytes (the file's "kB" are KiB). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (!m) continue;
    const value = Number(m[2]);
    out[m[1]] = line.trimEnd().endsWith('kB') ? value * 1024 : value;
  }
  return out;
}

/** The task count from /proc/loadavg ("0.10 0.20 0.30 2/345 6789" → 345). */
export function parseLoadavgTasks(text: string): number | undefined {
  const m = /^\S+\s+\S+\s+\S+\s+\d+\/(\d+)/.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * CPUs allowed by a CFS quota, rounded up: cgroup v2 "cpu.max" is "<quota|max> <period>",
 * v1 gives quota (-1 = none) and period separately. Undefined when unlimited.
 */
export function cpusFromQuota(quota: number, period: number): number | undefined {
  if (!(quota > 0) || !(period > 0)) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === 'max') return undefined;
  return cpusFromQuota(Number(quota), Number(period ?? '100000'));
}

/** "/proc/self/cgroup" lines → controller → path ("" names the v2 unified hierarchy). */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '') out.set('', m[2]);
    for (const c of m[1].split(',')) if (c) out.set(c, m[2]);
  }
  return out;
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** CPUs this process may use given its cgroup's CFS quota, if one is set (v2, then v1). */
export function cgroupCpuLimit(root = '/sys/fs/cgroup', procCgroup = tryRead('/proc/self/cgroup') ?? ''): number | undefined {
  const paths = parseProcCgroup(procCgroup);
  const v1 = paths.get('cpu');
  if (v1 !== undefined) {
    for (const mount of ['cpu', 'cpu,cpuacct', 'cpuacct,cpu']) {
      // Inside a cgroup namespace the process's own cgroup is the mount's root.
      for (const dir of [join(root, mount, v1), join(root, mount)]) {
        const quota = tryRead(join(dir, 'cpu.cfs_quota_us'));
        const period = tryRead(join(dir, 'cpu.cfs_period_us'));
        if (quota !== undefined && period !== undefined) return cpusFromQuota(Number(quota), Number(period));
      }
    }
    return undefined;
  }
  const v2 = paths.get('');
  if (v2 === undefined) return undefined;
  for (const dir of [join(root, v2), root]) {
    const max = tryRead(join(dir, 'cpu.max'));
    if (max !== undefined) return parseCpuMax(max);
  }
  return undefined;
}

/** Readings of this machine from /proc, statfs and the cgroup filesystem. */
export function systemReadings(): NodeReadings {
  return {
    cpuCount() {
      const cpus = availableParallelism();
      const limit = cgroupCpuLimit();
      return limit ? Math.min(cpus, limit) : cpus;
    },
    memory() {
      const info = parseMeminfo(tryRead('/proc/meminfo') ?? '');
      // Without /proc (macOS) Node's own figures are the best there is.
      if (info.MemTotal === undefined) return { totalBytes: totalmem(), availableBytes: freemem(), swapTotalBytes: 0 };
      const totalBytes = info.MemTotal ?? 0;
      // Kernels before 3.14 lack MemAvailable; free + page cache is the usual estimate.
      const availableBytes = info.MemAvailable ?? (info.MemFree ?? 0) + (info.Cached ?? 0) + (info.Buffers ?? 0);
      return { totalBytes, availableBytes, swapTotalBytes: info.SwapTotal ?? 0 };
    },
    filesystem(path) {
      const s = statfsSync(path);
      return { totalBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
    },
    pids() {
      const pidMax = Number(tryRead('/proc/sys/kernel/pid_max') ?? Number.NaN);
      const threadsMax = Number(tryRead('/proc/sys/kernel/threads-max') ?? Number.NaN);
      const max = Math.min(...[pidMax, threadsMax].filter((n) => Number.isFinite(n) && n > 0), 4_194_304);
      const inUse = parseLoadavgTasks(tryRead('/proc/loadavg') ?? '') ?? 0;
      return { max, inUse };
    },
  };
}
