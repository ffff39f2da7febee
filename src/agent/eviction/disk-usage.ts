// How much disk a directory tree uses, as the kubelet's volume metrics measure it (`du -x -B1`:
// allocated blocks × 512, hard links counted once, nothing on another file system). Built for
// the eviction manager's periodic checks, so it is bounded: it stops as soon as the total
// passes `stopAbove` (the answer is then "over the limit", not the full size), visits at most
// `maxEntries` entries, never follows a symlink (a link counts its own few bytes), never
// crosses into another mount, and never throws (files vanishing mid-walk are skipped).
import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';

export interface DiskUsage {
  /** Bytes found (a lower bound when `stoppedEarly` or `truncated`). */
  bytes: number;
  /** The walk stopped because `bytes` passed `stopAbove`. */
  stoppedEarly: boolean;
  /** The walk stopped at `maxEntries` entries before reaching `stopAbove`: `bytes` is incomplete. */
  truncated: boolean;
}

export interface DiskUsageOptions {
  /** Stop once the total is strictly greater than this many bytes. */
  stopAbove?: number;
  /** Entries to look at, at most (default 100 000). */
  maxEntries?: number;
}

/** Measures a path: a directory tree, a file, or nothing (0 bytes) when it does not exist. */
export type MeasureDiskUsage = (root: string, opts?: DiskUsageOptions) => Promise<DiskUsage>;

export const DEFAULT_MAX_ENTRIES = 100_000;

const BLOCK_BYTES = 512;

export const measureDiskUsage: MeasureDiskUsage = async (root, opts = {}) => {
  const stopAbove = opts.stopAbove ?? Number.POSITIVE_INFINITY;
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const result: DiskUsage = { bytes: 0, stoppedEarly: false, truncated: false };
  const seenLinks = new Set<bigint>();
  const count = (st: { blocks: number; nlink: number; ino: number | bigint }) => {
    if (st.nlink > 1) {
      const ino = BigInt(st.ino);
      if (seenLinks.has(ino)) return;
      seenLinks.add(ino);
    }
    result.bytes += st.blocks * BLOCK_BYTES;
  };
  let rootStat: Awaited<ReturnType<typeof lstat>>;
  try {
    rootStat = await lstat(root);
  } catch {
    return result; // not there (yet, or any more): nothing used
  }
  count(rootStat);
  if (!rootStat.isDirectory()) {
    result.stoppedEarly = result.bytes > stopAbove;
    return result;
  }
  const device = rootStat.dev;
  const pending = [root];
  let entries = 0;
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    let handle: Awaited<ReturnType<typeof opendir>>;
    try {
      handle = await opendir(dir, { bufferSize: 128 });
    } catch {
      continue; // removed meanwhile, or unreadable
    }
    try {
      for await (const entry of handle) {
        if (++entries > maxEntries) {
          result.truncated = true;
          return result;
        }
        const full = path.join(dir, entry.name);
        let st: Awaited<ReturnType<typeof lstat>>;
        try {
          st = await lstat(full);
        } catch {
          continue;
        }
        if (st.dev !== device) continue; // a mount inside: not this volume's disk
        count(st);
        if (result.bytes > stopAbove) {
          result.stoppedEarly = true;
          return result;
        }
        if (st.isDirectory()) pending.push(full);
      }
    } catch {
      // The directory went away while being read: what was counted stands.
    } finally {
      // for-await closes the handle when it ends or breaks; after an early return it may not have.
      await handle.close().catch(() => undefined);
    }
  }
  return result;
};
