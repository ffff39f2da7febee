// What a benchmark ran on, for the first lines of its JSON result.
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
