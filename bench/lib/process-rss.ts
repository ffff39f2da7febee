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
