// Talking to hale-shim (native/hale-shim.c): where the binary is, how to start the
// per-container supervisor, and the files it leaves in the container's directory.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeBinary, REPO_ROOT, type ShimSpawnResult, spawner } from './spawner.ts';

/** build/hale-shim in the repository, as built by scripts/build-native.sh (npm postinstall). */
export const DEFAULT_SHIM_PATH = nativeBinary('hale-shim');

/** Builds the shim if it is missing or older than its source (used by tests and `hale` on first run). */
export function ensureShimBuilt(): string {
  const result = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'build-native.sh')], { encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(DEFAULT_SHIM_PATH)) {
    throw new Error(`building hale-shim failed: ${(result.stderr || result.stdout || '').trim()}`);
  }
  return DEFAULT_SHIM_PATH;
}

/** container.json: written by the shim once the workload has exec'd. */
export interface ShimContainerInfo {
  pid: number;
  /** /proc/PID/stat field 22. */
  startTime: number;
  bootId: string;
  startedAt: string;
  /** The shim's own pid (shims before it was recorded here wrote it to shim.pid). */
  shimPid?: number;
}

/** exit.json: written by the shim when the workload ended (or could not start). */
export interface ShimExitInfo {
  exitCode: number;
  signal: number | null;
  finishedAt: string;
  message: string;
  oomKilled: boolean;
  startFailed?: boolean;
}

function readJson<T>(file: string): T | undefined {
  // Checked first: the exit poll asks about every running container each second, and a
  // failed read (an exception) costs far more than a stat.
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readContainerInfo(stateDir: string): ShimContainerInfo | undefined {
  return readJson(join(stateDir, 'container.json'));
}

export function readExitInfo(stateDir: string): ShimExitInfo | undefined {
  return readJson(join(stateDir, 'exit.json'));
}

/**
 * The supervisor's pid, from container.json; containers started by an older shim have it in
 * shim.pid (written before it forked the workload).
 */
export function readShimPid(stateDir: string, info = readContainerInfo(stateDir)): number | undefined {
  const pid = info?.shimPid ?? Number(readFileSafe(join(stateDir, 'shim.pid')).trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

export interface RunShimOptions {
  shimPath: string;
  stateDir: string;
  logPath: string;
  logMaxSizeBytes: number;
  logMaxFiles: number;
  cwd: string;
  cgroups: string[];
  mounts: { hostPath: string; containerPath: string; readOnly: boolean }[];
  /** The pod's network namespace to run in (isolated network mode). */
  netnsPath?: string;
  /** The pod's hostname, in a UTS namespace of the workload's own (with a mount namespace). */
  hostname?: string;
  /** Who the workload runs as (the shim itself stays root, to write the log). */
  user?: ShimUser;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  argv: string[];
  env: Record<string, string>;
}

export function runShimArgs(o: RunShimOptions): string[] {
  const args = ['run', '--state-dir', o.stateDir, '--log', o.logPath];
  args.push('--log-max-size', String(o.logMaxSizeBytes), '--log-max-files', String(o.logMaxFiles), '--cwd', o.cwd);
  for (const c of o.cgroups) args.push('--cgroup', c);
  for (const m of o.mounts) args.push('--mount', `${m.hostPath}:${m.containerPath}:${m.readOnly ? 'ro' : 'rw'}`);
  if (o.netnsPath) args.push('--netns', o.netnsPath);
  if (o.hostname) args.push('--hostname', o.hostname);
  if (o.user) args.push('--user', shimUserArg(o.user));
  if (o.tty) args.push('--tty');
  if (o.stdin) args.push(o.stdinOnce ? '--stdin-once' : '--stdin');
  args.push('--', ...o.argv);
  return args;
}

/** A container's user with its group resolved. */
export interface ShimUser {
  uid: number;
  gid: number;
  supplementalGroups: number[];
}

/** hale-shim's `--user UID:GID[:G,...]`. */
export function shimUserArg(user: ShimUser): string {
  const groups = user.supplementalGroups.length > 0 ? `:${user.supplementalGroups.join(',')}` : '';
  return `${user.uid}:${user.gid}${groups}`;
}

export type ShimStartResult =
  | { started: true; shimPid: number; info: ShimContainerInfo; onShimExit: (listener: () => void) => void }
  | { started: false; shimPid?: number; exit?: ShimExitInfo; error: string };

/**
 * Starts the detached supervisor (through the spawn server, spawner.ts) and waits for its one
 * status line ("started PID" or "failed"). The shim outlives us; its exit is still reported
 * while we run.
 */
export async function startShim(o: RunShimOptions): Promise<ShimStartResult> {
  let spawned: ShimSpawnResult;
  try {
    spawned = await spawner.shim({
      file: o.shimPath,
      args: runShimArgs(o),
      env: o.env,
      cwd: o.stateDir,
      // The shim writes its own error to stateDir/shim.log when it has one (no file otherwise).
      stderrPath: '/dev/null',
    });
  } catch (err) {
    return { started: false, error: shimSpawnError(o, err instanceof Error ? err.message : String(err)) };
  }
  const shimPid = spawned.pid;
  if (shimPid !== undefined && spawned.statusLine?.startsWith('started ')) {
    const info = readContainerInfo(o.stateDir);
    if (info) return { started: true, shimPid, info, onShimExit: spawned.onExit };
  }
  // No status line: the shim itself failed (bad options, no permission, …).
  const exit = readExitInfo(o.stateDir);
  const shimError = readFileSafe(join(o.stateDir, 'shim.log')).trim().split('\n').pop() || 'hale-shim exited without a status';
  return { started: false, shimPid, exit, error: exit?.message || shimError };
}

/**
 * Why the shim could not be started. The spawn server's error ends with the errno's name. The
 * container's command line and environment travel through the shim's own execve, so an E2BIG
 * is theirs, said as runc says it; only a missing or unusable binary calls for a build.
 */
function shimSpawnError(o: RunShimOptions, message: string): string {
  const errno = /\b(E[A-Z0-9]+)$/.exec(message)?.[1];
  if (errno === 'E2BIG') {
    return `exec: "${o.argv[0]}": argument list too long (the command, its arguments and the environment exceed what execve accepts: 128 KiB per string, about 2 MiB in all)`;
  }
  const unusable = errno === 'ENOENT' || errno === 'EACCES' || errno === 'ENOEXEC';
  return `cannot start hale-shim (${o.shimPath}): ${message}${unusable ? '; build it with `bash scripts/build-native.sh`' : ''}`;
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
