// fsGroup: a pod's volumes belong to its fsGroup, so that containers running as another user
// (runAsUser) in that supplementary group can use them. As the kubelet's SetVolumeOwnership
// does: every file and directory gets the group, read (and for writable volumes write)
// permission for it, and directories the setgid bit so that new files inherit the group.
// With fsGroupChangePolicy OnRootMismatch, a volume whose root is already right is left alone.
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

export interface FsGroupOptions {
  fsGroup: number;
  /** configMap, secret, downwardAPI and projected volumes are read-only: group read only. */
  readOnly: boolean;
  /** The pod's fsGroupChangePolicy. */
  onRootMismatchOnly: boolean;
}

function wantedMode(mode: number, isDir: boolean, readOnly: boolean): number {
  let mask = readOnly ? RO_MASK : RW_MASK;
  if (isDir) mask |= SETGID | EXEC_MASK;
  return (mode & 0o7777) | mask;
}

/** Whether the volume's root already has the group and permissions (OnRootMismatch skips then). */
async function rootMatches(dir: string, o: FsGroupOptions): Promise<boolean> {
  const st = await lstat(dir);
  return st.gid === o.fsGroup && (st.mode & 0o7777) === wantedMode(st.mode, true, o.readOnly);
}

async function applyTo(file: string, o: FsGroupOptions): Promise<void> {
  const st = await lstat(file);
  // Symlinks (a configMap's `..data` and key links) are followed to files that are walked anyway.
  if (st.isSymbolicLink()) return;
  if (st.gid !== o.fsGroup) await lchown(file, -1, o.fsGroup);
  const mode = wantedMode(st.mode, st.isDirectory(), o.readOnly);
  if ((st.mode & 0o7777) !== mode) await chmod(file, mode);
  if (!st.isDirectory()) return;
  for (const entry of await readdir(file)) await applyTo(path.join(file, entry), o);
}

export async function applyFsGroup(dir: string, o: FsGroupOptions): Promise<void> {
  if (o.onRootMismatchOnly && (await rootMatches(dir, o))) return;
  await applyTo(dir, o);
}
