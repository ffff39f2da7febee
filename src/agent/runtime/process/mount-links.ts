// The fallback for volumes when the runtime cannot create mount namespaces (not root): a
// symlink at the mount path pointing at the volume's host directory, where that path is free.
// Links are host-wide, so two pods mounting different volumes at the same path collide; the
// first one wins and the other is reported by the caller.
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Mount } from '../runtime.ts';

export interface MountLinkResult {
  created: string[];
  /** Mount paths that could not be linked, with the reason. */
  skipped: { containerPath: string; reason: string }[];
}

export function createMountLinks(mounts: Mount[]): MountLinkResult {
  const result: MountLinkResult = { created: [], skipped: [] };
  for (const m of mounts) {
    if (m.containerPath === m.hostPath) continue;
    try {
      const existing = lstatSync(m.containerPath, { throwIfNoEntry: false });
      if (existing) {
        if (existing.isSymbolicLink() && readlinkSync(m.containerPath) === m.hostPath) continue;
        result.skipped.push({ containerPath: m.containerPath, reason: 'the path already exists on the host' });
        continue;
      }
      mkdirSync(dirname(m.containerPath), { recursive: true });
      symlinkSync(m.hostPath, m.containerPath);
      result.created.push(m.containerPath);
    } catch (err) {
      result.skipped.push({ containerPath: m.containerPath, reason: (err as Error).message });
    }
  }
  return result;
}

export function removeMountLinks(links: string[]): void {
  for (const link of links) {
    try {
      if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) rmSync(link);
    } catch {
      // already gone
    }
  }
}
