// What a benchmark ran on, for the first lines of its JSON result.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** The 1-minute load average, to two decimals. */
export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

export function machineInfo(loadAverage1mAtStart: number) {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage1mAtStart,
  };
}

/**
 * Busy CPU time of the whole machine so far, ms (/proc/stat: user, nice, system, irq, softirq).
 * Much of a pod's start is the kernel's work, in short-lived children and kernel threads that
 * no process's own figures show.
 */
export function machineCpuMs(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq) * 1000) / 100; // USER_HZ is 100 on Linux
}
