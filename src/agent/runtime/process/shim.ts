// Talking to hale-shim (native/hale-shim.c): where the binary is, how to start the
// per-container supervisor, and the files it leaves in the container's directory.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// HALE_ROOT is set by bin/hale.js (the bundled build lives elsewhere than this file).
const REPO_ROOT = process.env.HALE_ROOT ?? fileURLToPath(new URL('../../../../', import.meta.url));

/** build/hale-shim in the repository, as built by scripts/build-native.sh (npm postinstall). */
export const DEFAULT_SHIM_PATH = join(REPO_ROOT, 'build', 'hale-shim');

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

export interface RunShimOptions {
  shimPath: string;
  stateDir: string;
  logPath: string;
  logMaxSizeBytes: number;
  logMaxFiles: number;
  cwd: string;
  cgroups: string[];
  mounts: { hostPath: string; containerPath: string; readOnly: boolean }[];
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
  if (o.tty) args.push('--tty');
  if (o.stdin) args.push(o.stdinOnce ? '--stdin-once' : '--stdin');
  args.push('--', ...o.argv);
  return args;
}

export type ShimStartResult =
  | { started: true; shimPid: number; info: ShimContainerInfo; onShimExit: (listener: () => void) => void }
  | { started: false; shimPid?: number; exit?: ShimExitInfo; error: string };

/**
 * Starts the detached supervisor and waits for its one status line ("started PID" or
 * "failed"). The shim outlives us; its exit event is still reported while we run.
 */
export function startShim(o: RunShimOptions): Promise<ShimStartResult> {
  const shimLog = openSync(join(o.stateDir, 'shim.log'), 'a', 0o600);
  const child = spawn(o.shimPath, runShimArgs(o), {
    detached: true,
    stdio: ['ignore', 'pipe', shimLog],
    env: o.env,
    cwd: o.stateDir,
  });
  closeSync(shimLog);
  return new Promise((resolve) => {
    let line = '';
    let settled = false;
    const settle = (result: ShimStartResult) => {
      if (settled) return;
      settled = true;
      child.stdout?.destroy();
      child.unref();
      resolve(result);
    };
    const shimError = () => readFileSafe(join(o.stateDir, 'shim.log')).trim().split('\n').pop() || 'hale-shim exited without a status';
    child.on('error', (err) =>
      settle({
        started: false,
        error: `cannot start hale-shim (${o.shimPath}): ${err.message}; build it with \`bash scripts/build-native.sh\``,
      }),
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      line += chunk;
      if (!line.includes('\n')) return;
      const status = line.slice(0, line.indexOf('\n'));
      if (status.startsWith('started ')) {
        const info = readContainerInfo(o.stateDir);
        if (info) {
          settle({
            started: true,
            shimPid: child.pid!,
            info,
            onShimExit: (listener) => {
              if (child.exitCode !== null || child.signalCode !== null) listener();
              else child.once('exit', listener);
            },
          });
          return;
        }
      }
      const exit = readExitInfo(o.stateDir);
      settle({ started: false, shimPid: child.pid, exit, error: exit?.message || shimError() });
    });
    child.stdout?.on('end', () => {
      // The pipe closed without a status line: the shim itself failed (bad options, no permission, …).
      const exit = readExitInfo(o.stateDir);
      settle({ started: false, shimPid: child.pid, exit, error: exit?.message || shimError() });
    });
  });
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
