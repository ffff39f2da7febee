// tmpfs mounts for emptyDir volumes with `medium: Memory`, and finding what is still mounted
// under a pod's directory so that tear-down never deletes through a live mount.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mounts a tmpfs at `dir` (world-writable, as emptyDirs are), limited to `sizeBytes` when given. */
export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  const options = ['mode=0777', ...(sizeBytes && sizeBytes > 0 ? [`size=${Math.ceil(sizeBytes)}`] : [])].join(',');
  await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
}

export async function unmount(dir: string): Promise<void> {
  await run('umount', [dir]);
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Mount points at or below `root`, deepest first (the order to unmount them in). */
export async function mountsUnder(root: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return []; // not Linux: nothing Hale could have mounted
  }
  const base = path.resolve(root);
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    const mountPoint = unescapeMountPath(fields[4]);
    if (mountPoint === base || mountPoint.startsWith(`${base}/`)) found.add(mountPoint);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

export async function isMountPoint(dir: string): Promise<boolean> {
  return (await mountsUnder(dir)).includes(path.resolve(dir));
}
