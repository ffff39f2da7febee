// Reading /proc: the identity of a process (pid + start time + boot id survives pid reuse),
// process-group membership, and CPU/memory of a process tree when there are no cgroups.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports CPU times in USER_HZ ticks, which is 100 on every architecture Node runs on. */
const NANOS_PER_TICK = 1e9 / 100;

export interface ProcStat {
  pid: number;
  /** R, S, D, Z, … */
  state: string;
  ppid: number;
  pgid: number;
  /** utime + stime, in ticks. */
  cpuTicks: number;
  /** Field 22: start time in ticks since boot. */
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3, so field N is rest[N - 3].
  return {
    pid,
    state: rest[0],
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    startTime: Number(rest[19]),
  };
}

let cachedBootId: string | undefined;

export function bootId(): string {
  cachedBootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cachedBootId;
}

const isLive = (stat: ProcStat | undefined): stat is ProcStat => stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';

/** True when `pid` runs: it exists and is not a zombie (which `kill(pid, 0)` cannot tell). */
export function isLiveProcess(pid: number): boolean {
  return isLive(readProcStat(pid));
}

/** True when `pid` is still the process that started at `startTime` in this boot, and not a zombie. */
export function isSameProcess(pid: number | undefined, startTime: number | undefined, recordedBootId?: string): boolean {
  if (!pid || startTime === undefined) return false;
  if (recordedBootId !== undefined && recordedBootId !== bootId()) return false;
  const stat = readProcStat(pid);
  return isLive(stat) && stat.startTime === startTime;
}

export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Every live (not zombie) process whose stat matches. */
function liveProcessesWhere(match: (stat: ProcStat) => boolean): number[] {
  const found: number[] = [];
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (isLive(stat) && match(stat)) found.push(pid);
  }
  return found;
}

/** Every live child of `ppid`. */
export function childProcesses(ppid: number): number[] {
  return liveProcessesWhere((stat) => stat.ppid === ppid);
}

/** Every process whose command line has `flag` immediately followed by `value`. */
export function processesWithArgument(flag: string, value: string): number[] {
  const found: number[] = [];
  for (const pid of listPids()) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = args.indexOf(flag);
    if (at >= 0 && args[at + 1] === value) found.push(pid);
  }
  return found;
}

/** Every live process whose process group is `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  return liveProcessesWhere((stat) => stat.pgid === pgid);
}

function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (ns) and resident memory (bytes) summed over `pids`. */
export function processTreeUsage(pids: number[]): { cpuNanos: number; memoryBytes: number } {
  let cpuNanos = 0;
  let memoryBytes = 0;
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (!stat) continue;
    cpuNanos += stat.cpuTicks * NANOS_PER_TICK;
    memoryBytes += residentBytes(pid);
  }
  return { cpuNanos, memoryBytes };
}

/** Sends `signal`, ignoring processes that are already gone. */
export function trySignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
