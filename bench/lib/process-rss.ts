// Resident memory of another process, from Linux's /proc/PID/status (VmRSS: now,
// VmHWM: peak). Undefined where /proc is not available.
import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  rssBytes: number;
  peakRssBytes: number;
}

export function readProcessMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssBytes: kb('VmRSS') * 1024, peakRssBytes: kb('VmHWM') * 1024 };
}

export function toMiB(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/**
 * CPU time (user + system) the process has used so far, in milliseconds, from
 * /proc/PID/stat; `withChildren` adds that of the children it has reaped (cutime + cstime).
 * Linux counts it in clock ticks, 100 per second on every common build.
 */
export function readProcessCpuMs(pid: number | 'self', opts: { withChildren?: boolean } = {}): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces; the fields after its ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  if (opts.withChildren) ticks += Number(fields[13]) + Number(fields[14]); // cutime, cstime (16 and 17)
  return Number.isFinite(ticks) ? ticks * 10 : undefined;
}
