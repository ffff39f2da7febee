// Per-pod and per-container cgroups for the process runtime: detection of cgroup v1, v2 and
// hybrid machines at run time, limits (memory → OOM kill, CFS quota/shares, pids.max),
// killing a whole tree (freezer / cgroup.kill), the OOM-kill counter and usage stats.
// Layout under each hierarchy: <mount>/<root>/pod<sandbox>/<container> (like kubelet's kubepods).
// When cgroups cannot be used (no controllers, not permitted) `enabled` is false with a reason,
// and the runtime runs containers without limits.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerResources } from '../runtime.ts';
import { readProcStat } from './proc.ts';

export type CgroupMode = 'v1' | 'v2' | 'hybrid' | 'none';

/** The controllers the runtime uses. */
export type Controller = 'memory' | 'cpu' | 'cpuacct' | 'pids' | 'freezer';
const CONTROLLERS: Controller[] = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'];

interface Hierarchy {
  mountPoint: string;
  version: 1 | 2;
}

/** CFS period used for CPU limits, as kubelet does. */
const CFS_PERIOD_US = 100_000;
/** The smallest quota the kernel accepts. */
const MIN_CFS_QUOTA_US = 1000;

export interface CgroupUsage {
  cpuNanos: number;
  memoryWorkingSetBytes: number;
}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** Parses /proc/self/mountinfo lines into the fields detection needs. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const before = line.slice(0, sep).split(' ');
    const after = line.slice(sep + 3).split(' ');
    entries.push({ mountPoint: unescapeMount(before[4]), fsType: after[0], superOptions: (after[2] ?? '').split(',') });
  }
  return entries;
}

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export class CgroupManager {
  readonly mode: CgroupMode;
  readonly enabled: boolean;
  /** Why cgroups are not used (when `enabled` is false). */
  readonly reason?: string;
  private readonly hierarchies = new Map<Controller, Hierarchy>();

  /**
   * Looks at the mounted hierarchies and checks that `<mount>/<rootName>` can be created in each.
   * `mountInfo` and `readControllers` exist for tests.
   */
  constructor(
    readonly rootName: string,
    options: { mountInfo?: string; readV2Controllers?: (mountPoint: string) => string[]; probe?: boolean } = {},
  ) {
    const entries = parseMountInfo(options.mountInfo ?? safeRead('/proc/self/mountinfo'));
    const readV2 = options.readV2Controllers ?? ((mp: string) => safeRead(join(mp, 'cgroup.controllers')).trim().split(/\s+/));
    let hasV1 = false;
    let v2: string | undefined;
    for (const e of entries) {
      if (e.fsType === 'cgroup2') v2 ??= e.mountPoint;
      if (e.fsType !== 'cgroup') continue;
      for (const c of CONTROLLERS) {
        if (e.superOptions.includes(c) && !this.hierarchies.has(c)) {
          this.hierarchies.set(c, { mountPoint: e.mountPoint, version: 1 });
          hasV1 = true;
        }
      }
    }
    if (v2) {
      const available = new Set(readV2(v2));
      // In v2, CPU usage comes with the cpu controller and freezing/killing is built in.
      const fromV2: Record<Controller, boolean> = {
        memory: available.has('memory'),
        cpu: available.has('cpu'),
        cpuacct: available.has('cpu'),
        pids: available.has('pids'),
        freezer: true,
      };
      for (const c of CONTROLLERS) {
        if (!this.hierarchies.has(c) && fromV2[c]) this.hierarchies.set(c, { mountPoint: v2, version: 2 });
      }
    }
    this.mode = hasV1 && v2 ? 'hybrid' : hasV1 ? 'v1' : v2 ? 'v2' : 'none';
    if (!['memory', 'cpu', 'pids'].some((c) => this.hierarchies.has(c as Controller))) {
      this.enabled = false;
      this.reason = this.mode === 'none' ? 'no cgroup file system is mounted' : 'no usable cgroup controllers (memory, cpu, pids)';
      return;
    }
    if (options.probe === false) {
      this.enabled = true;
      return;
    }
    try {
      for (const dir of this.dirs('')) mkdirSync(dir, { recursive: true });
      this.enableV2Controllers('');
      this.enabled = true;
    } catch (err) {
      this.enabled = false;
      this.reason = `cannot create cgroups under ${this.rootName}: ${(err as Error).message}`;
    }
  }

  /** Which hierarchy serves each controller, for logs and tests. */
  describe(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [c, h] of this.hierarchies) out[c] = `v${h.version}:${h.mountPoint}`;
    return out;
  }

  /** The directory of `rel` (under the root) in `controller`'s hierarchy. */
  path(controller: Controller, rel: string): string | undefined {
    const h = this.hierarchies.get(controller);
    return h && join(h.mountPoint, this.rootName, rel);
  }

  /** The distinct directories of `rel` across hierarchies (what a process must join). */
  dirs(rel: string): string[] {
    const seen = new Set<string>();
    for (const h of this.hierarchies.values()) seen.add(join(h.mountPoint, this.rootName, rel));
    return [...seen];
  }

  /**
   * Creates the cgroup `rel` in every hierarchy and applies `resources`. cgroupfs lives in
   * memory: a mkdir there costs ~20 µs of the kernel's time, about half of what the same mkdir
   * costs through libuv's pool (a thread hand-off each way, a promise), and the agent has a
   * thread of its own.
   */
  async create(rel: string, resources: ContainerResources = {}): Promise<void> {
    if (!this.enabled) return;
    const parent = rel.split('/').slice(0, -1).join('/');
    this.enableV2Controllers(parent);
    for (const dir of this.dirs(rel)) mkdirSync(dir, { recursive: true });
    this.applyLimits(rel, resources);
  }

  applyLimits(rel: string, r: ContainerResources): void {
    if (!this.enabled) return;
    const mem = this.hierarchies.get('memory');
    if (mem && r.memoryLimitBytes !== undefined) {
      const dir = this.path('memory', rel)!;
      if (mem.version === 1) {
        writeControl(dir, 'memory.limit_in_bytes', String(r.memoryLimitBytes));
        // Without this the limit could be escaped by swapping (where swap accounting exists).
        tryWriteControl(dir, 'memory.memsw.limit_in_bytes', String(r.memoryLimitBytes));
      } else {
        writeControl(dir, 'memory.max', String(r.memoryLimitBytes));
        tryWriteControl(dir, 'memory.swap.max', '0');
        // An OOM kills the whole container, like Kubernetes on cgroup v2.
        tryWriteControl(dir, 'memory.oom.group', '1');
      }
    }
    const cpu = this.hierarchies.get('cpu');
    if (cpu) {
      const dir = this.path('cpu', rel)!;
      const quota =
        r.cpuLimitMillis !== undefined ? Math.max(MIN_CFS_QUOTA_US, Math.round((r.cpuLimitMillis * CFS_PERIOD_US) / 1000)) : undefined;
      const shares = r.cpuRequestMillis !== undefined ? milliCpuToShares(r.cpuRequestMillis) : undefined;
      if (cpu.version === 1) {
        if (quota !== undefined) {
          writeControl(dir, 'cpu.cfs_period_us', String(CFS_PERIOD_US));
          writeControl(dir, 'cpu.cfs_quota_us', String(quota));
        }
        if (shares !== undefined) writeControl(dir, 'cpu.shares', String(shares));
      } else {
        if (quota !== undefined) writeControl(dir, 'cpu.max', `${quota} ${CFS_PERIOD_US}`);
        if (shares !== undefined) writeControl(dir, 'cpu.weight', String(sharesToWeight(shares)));
      }
    }
    if (this.hierarchies.has('pids') && r.pidsLimit !== undefined) {
      writeControl(this.path('pids', rel)!, 'pids.max', String(r.pidsLimit));
    }
  }

  /** Pids of every process in `rel` and its descendants. */
  pids(rel: string): number[] {
    if (!this.enabled) return [];
    const controller = (['freezer', 'pids', 'memory', 'cpu', 'cpuacct'] as Controller[]).find((c) => this.hierarchies.has(c))!;
    const found = new Set<number>();
    const walk = (dir: string) => {
      for (const line of safeRead(join(dir, 'cgroup.procs')).split('\n')) if (line) found.add(Number(line));
      for (const child of subdirs(dir)) walk(join(dir, child));
    };
    walk(this.path(controller, rel)!);
    return [...found];
  }

  /**
   * Signals every process in `rel`. The tree is frozen first so nothing can fork away
   * between listing and signalling; `except` filters out processes already signalled.
   */
  async signal(rel: string, signal: NodeJS.Signals, except?: (pid: number) => boolean): Promise<void> {
    if (!this.enabled) return;
    const freezer = this.hierarchies.get('freezer');
    const dir = freezer && this.path('freezer', rel)!;
    const freezable = dir && existsSync(dir) ? { dir, version: freezer.version } : undefined;
    // cgroup v2 kills the whole tree in one write, without listing it first.
    if (freezable?.version === 2 && signal === 'SIGKILL' && !except && tryWriteControl(freezable.dir, 'cgroup.kill', '1')) return;
    // Usually nothing is left to signal (the workload and its group already got it, or ended):
    // then there is nothing that could fork either, and no freeze/thaw round trip is needed.
    const members = this.pids(rel);
    if (members.every((pid) => except?.(pid))) return;
    if (!freezable) {
      for (const pid of members) if (!except?.(pid)) trySignalPid(pid, signal);
      return;
    }
    await this.freeze(freezable.dir, freezable.version, true);
    try {
      for (const pid of this.pids(rel)) if (!except?.(pid)) trySignalPid(pid, signal);
    } finally {
      await this.freeze(freezable.dir, freezable.version, false);
    }
  }

  private async freeze(dir: string, version: 1 | 2, frozen: boolean): Promise<void> {
    if (version === 2) {
      tryWriteControl(dir, 'cgroup.freeze', frozen ? '1' : '0');
      return;
    }
    if (!tryWriteControl(dir, 'freezer.state', frozen ? 'FROZEN' : 'THAWED') || !frozen) return;
    // FREEZING turns into FROZEN once every task stopped; don't wait forever on a stuck task.
    for (let i = 0; i < 50 && safeRead(join(dir, 'freezer.state')).trim() !== 'FROZEN'; i++) await sleep(2);
  }

  /** How many times the kernel's OOM killer has killed a process in `rel`. */
  oomKills(rel: string): number {
    const dir = this.enabled ? this.path('memory', rel) : undefined;
    if (!dir) return 0;
    const text = safeRead(join(dir, 'memory.oom_control')) || safeRead(join(dir, 'memory.events'));
    const match = /^oom_kill (\d+)/m.exec(text);
    return match ? Number(match[1]) : 0;
  }

  /** Cumulative CPU time and memory working set (usage minus inactive file cache). */
  usage(rel: string): CgroupUsage | undefined {
    if (!this.enabled) return undefined;
    let cpuNanos = 0;
    const acct = this.hierarchies.get('cpuacct');
    if (acct?.version === 1) {
      cpuNanos = Number(safeRead(join(this.path('cpuacct', rel)!, 'cpuacct.usage')).trim()) || 0;
    } else if (acct) {
      const match = /^usage_usec (\d+)/m.exec(safeRead(join(this.path('cpuacct', rel)!, 'cpu.stat')));
      cpuNanos = match ? Number(match[1]) * 1000 : 0;
    }
    let memoryWorkingSetBytes = 0;
    const mem = this.hierarchies.get('memory');
    if (mem) {
      const dir = this.path('memory', rel)!;
      const usage = Number(safeRead(join(dir, mem.version === 1 ? 'memory.usage_in_bytes' : 'memory.current')).trim()) || 0;
      const stat = safeRead(join(dir, 'memory.stat'));
      const inactive = /^(?:total_inactive_file|inactive_file) (\d+)/m.exec(stat);
      memoryWorkingSetBytes = Math.max(0, usage - (inactive ? Number(inactive[1]) : 0));
    }
    return { cpuNanos, memoryWorkingSetBytes };
  }

  /** Removes `rel` and its descendants (children first), killing stragglers that keep it busy. */
  async remove(rel: string): Promise<void> {
    if (!this.enabled) return;
    for (let attempt = 0; ; attempt++) {
      const busy = this.dirs(rel).map(removeTree).includes(false);
      if (!busy) return;
      if (attempt >= 100) throw new Error(`cgroup ${this.rootName}/${rel} is still busy`);
      if (attempt === 0) await this.signal(rel, 'SIGKILL');
      await sleep(10);
    }
  }

  /** In v2, controllers must be enabled in every ancestor's subtree_control. */
  private enableV2Controllers(rel: string): void {
    const v2 = [...this.hierarchies.entries()].filter(([, h]) => h.version === 2);
    if (v2.length === 0) return;
    const mountPoint = v2[0][1].mountPoint;
    const wanted = [...new Set(v2.map(([c]) => (c === 'cpuacct' ? 'cpu' : c)).filter((c) => c !== 'freezer'))];
    if (wanted.length === 0) return;
    const parts = [this.rootName, ...rel.split('/').filter(Boolean)];
    let dir = mountPoint;
    for (let i = 0; i <= parts.length; i++) {
      mkdirSync(dir, { recursive: true });
      for (const c of wanted) tryWriteControl(dir, 'cgroup.subtree_control', `+${c}`);
      if (i < parts.length) dir = join(dir, parts[i]);
    }
  }
}

/** Kubernetes' conversion of CPU requests to cpu.shares (min 2, 1024 per core). */
export function milliCpuToShares(milli: number): number {
  return Math.min(262144, Math.max(2, Math.floor((milli * 1024) / 1000)));
}

/** cgroup v2 cpu.weight for v1 shares (the formula runc and kubelet use). */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

function trySignalPid(pid: number, signal: NodeJS.Signals): void {
  // A pid can leave the cgroup (and be reused) between listing and signalling; the freezer
  // makes that rare, and checking it is still alive costs little.
  if (!readProcStat(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function writeControl(dir: string, file: string, value: string): void {
  writeFileSync(join(dir, file), value);
}

function tryWriteControl(dir: string, file: string, value: string): boolean {
  try {
    writeFileSync(join(dir, file), value);
    return true;
  } catch {
    return false;
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * rmdir children first; false if something is still busy. Synchronous, as create() is: the
 * kernel offlines a removed cgroup in the background, and rmdir returns at once.
 */
function removeTree(dir: string): boolean {
  let children: string[];
  try {
    children = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
  const removed = children.map((child) => removeTree(join(dir, child)));
  try {
    rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  return !removed.includes(false);
}
