// Writes a set of files into a volume directory so that readers never see a half-updated
// set, in the kubelet's layout (AtomicWriter):
//
//   <dir>/..2024_05_01_10_00_00.123456789/   the files of one version (timestamped dir)
//   <dir>/..data -> ..2024_05_01_10_00_00.…    switched by an atomic rename of a new link
//   <dir>/key    -> ..data/key                  one link per top-level name users see
//
// A new version is written in full into a fresh timestamped directory, then `..data` is
// replaced in one rename(2); the per-key links never change, so an open path always resolves
// to a complete version. Apps that watch `..data` (as many config reloaders do) keep working.
//
// The file-system calls are synchronous: a volume is a few small files in the page cache, each
// call takes microseconds, and a burst of pods made hundreds of awaited calls queue for the
// libuv thread pool and the event loop (a pod's volume took ~180 ms of waiting to be written).
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Relative path inside the volume → content. */
export type Payload = Map<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** Rejects paths that could escape the volume or clash with the writer's own entries. */
export function validatePayloadPath(p: string): void {
  if (p === '') throw new Error('invalid path: must not be empty');
  if (path.isAbsolute(p)) throw new Error(`invalid path: must be relative path: ${p}`);
  if (p.split('/').includes('..')) throw new Error(`invalid path: must not contain '..': ${p}`);
  if (p.startsWith('..')) throw new Error(`invalid path: must not start with '..': ${p}`);
}

/** `..2006_01_02_15_04_05.` in UTC, then a random suffix (as Go's MkdirTemp adds). */
function timestampDirName(now = new Date()): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}`;
  // Only unique among the volume's own entries (mkdir fails on a clash): no need for crypto.
  return `..${stamp}.${Math.floor(Math.random() * 0x1_0000_0000)}`;
}

function exists(p: string): boolean {
  return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
}

/** The target of the link `p`; null when nothing is there, undefined when it is not a link (or unreadable). */
function linkTarget(p: string): string | null | undefined {
  try {
    return readlinkSync(p);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}

/** True when the version in `tsDir` already holds exactly `payload`. */
function sameAsCurrent(tsDir: string, payload: Payload): boolean {
  let files: string[];
  try {
    files = listFiles(tsDir);
  } catch {
    return false;
  }
  if (files.length !== payload.size) return false;
  for (const file of files) {
    const want = payload.get(file);
    if (!want) return false;
    const full = path.join(tsDir, file);
    if ((statSync(full).mode & 0o7777) !== want.mode || !readFileSync(full).equals(want.data)) return false;
  }
  return true;
}

const topLevel = (p: string) => p.split('/')[0];

/** Whether the process umask takes bits off `mode` (then an explicit chmod must put them back). */
function narrowedByUmask(mode: number): boolean {
  return (mode & ~processUmask()) !== mode;
}

let umask: number | undefined;
/**
 * The umask, read from /proc once (process.umask() with no argument is deprecated, and worker
 * threads, where the embedded agent runs, may not set it). Unknown: assume everything is
 * narrowed, so every mode is set explicitly as before.
 */
function processUmask(): number {
  if (umask === undefined) {
    try {
      const line = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
      umask = line ? Number.parseInt(line[1], 8) : 0o777;
    } catch {
      umask = 0o777;
    }
  }
  return umask;
}

/**
 * Makes `targetDir` hold exactly `payload`. Returns false when it already did (nothing
 * written), true after switching to a new version.
 */
export function writePayload(targetDir: string, payload: Payload): boolean {
  const clean: Payload = new Map();
  for (const [p, file] of payload) {
    const normalized = path.posix.normalize(p).replace(/\/+$/, '');
    validatePayloadPath(p);
    clean.set(normalized, file);
  }
  // A directory made just now holds nothing to compare, replace or remove (the common case: a
  // pod's first set-up), and a failed lookup costs an exception each.
  const fresh = mkdirSync(targetDir, { recursive: true }) !== undefined;

  const oldTsName = fresh ? undefined : linkTarget(path.join(targetDir, DATA_DIR));
  const oldTsDir = oldTsName ? path.join(targetDir, oldTsName) : undefined;
  if (oldTsDir && sameAsCurrent(oldTsDir, clean)) return false;
  const oldVisible = new Set(oldTsDir ? listFilesOrNone(oldTsDir).map(topLevel) : []);

  // 1. The new version, complete, in its own directory.
  const tsName = timestampDirName();
  const tsDir = path.join(targetDir, tsName);
  mkdirSync(tsDir, { mode: 0o755 });
  if (narrowedByUmask(0o755)) chmodSync(tsDir, 0o755);
  for (const [rel, file] of clean) {
    const full = path.join(tsDir, rel);
    if (rel.includes('/')) mkdirSync(path.dirname(full), { recursive: true, mode: 0o755 });
    writeFileSync(full, file.data, { mode: file.mode });
    if (narrowedByUmask(file.mode)) chmodSync(full, file.mode);
  }

  // 2. The switch: a new link renamed over ..data is atomic (no one reads a fresh directory yet).
  if (fresh) symlinkSync(tsName, path.join(targetDir, DATA_DIR));
  else {
    const tmpLink = path.join(targetDir, DATA_DIR_TMP);
    rmSync(tmpLink, { force: true });
    symlinkSync(tsName, tmpLink);
    renameSync(tmpLink, path.join(targetDir, DATA_DIR));
  }

  // 3. Links for names that are new, removal of names that are gone.
  const visible = new Set([...clean.keys()].map(topLevel));
  for (const name of visible) {
    const link = path.join(targetDir, name);
    const current = fresh ? null : linkTarget(link);
    if (current === path.join(DATA_DIR, name)) continue;
    // null: nothing there yet; undefined: something that is not a link (or unreadable) is in the way.
    if (current !== null && exists(link)) rmSync(link, { recursive: true, force: true });
    symlinkSync(path.join(DATA_DIR, name), link);
  }
  for (const name of oldVisible) {
    if (!visible.has(name)) rmSync(path.join(targetDir, name), { force: true });
  }

  // 4. The old version goes last: readers holding it open keep their file.
  if (oldTsDir) rmSync(oldTsDir, { recursive: true, force: true });
  return true;
}

function listFilesOrNone(dir: string): string[] {
  try {
    return listFiles(dir);
  } catch {
    return [];
  }
}
