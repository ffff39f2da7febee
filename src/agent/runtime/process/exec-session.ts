// exec and execSync through `hale-shim exec`, which joins the container's cgroups and mount
// namespace, optionally allocates a pty (resized through fd 3), and exits with the command's
// exit code (128+signal when killed). The shim leads its own process group so that closing a
// session can kill everything it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import type { ExecOptions, ExecResult, StreamSession } from '../runtime.ts';
import { type ShimUser, shimUserArg } from './shim.ts';
import { spawner } from './spawner.ts';

export interface ExecContext {
  shimPath: string;
  cwd: string;
  cgroups: string[];
  /** The pid whose mount namespace to enter, when the container has its own. */
  mountNamespacePid?: number;
  /** The pod's network namespace, in isolated network mode. */
  netnsPath?: string;
  /** The container's user: an exec runs as the container does. */
  user?: ShimUser;
  env: Record<string, string>;
}

/** How long output may still arrive after the command exited before the session ends anyway. */
const OUTPUT_GRACE_MS = 1000;
/** Output kept per stream by execSync (probes and hooks only look at the start). */
const EXEC_SYNC_MAX_OUTPUT = 1024 * 1024;

export function execShimArgs(ctx: ExecContext, argv: string[], tty: boolean): string[] {
  const args = ['exec', '--cwd', ctx.cwd];
  if (tty) args.push('--tty');
  for (const c of ctx.cgroups) args.push('--cgroup', c);
  if (ctx.mountNamespacePid) args.push('--mountns-pid', String(ctx.mountNamespacePid));
  if (ctx.netnsPath) args.push('--netns', ctx.netnsPath);
  if (ctx.user) args.push('--user', shimUserArg(ctx.user));
  args.push('--', ...argv);
  return args;
}

function spawnExec(ctx: ExecContext, argv: string[], opts: Omit<ExecOptions, 'argv'>): ChildProcess {
  const tty = opts.tty;
  return spawn(ctx.shimPath, execShimArgs(ctx, argv, tty), {
    detached: true,
    // As containerd's CRI exec: a tty brings TERM=xterm, over the container's own TERM.
    env: tty ? { ...ctx.env, TERM: 'xterm' } : ctx.env,
    stdio: [
      opts.stdin ? 'pipe' : 'ignore',
      opts.stdout || tty ? 'pipe' : 'ignore',
      opts.stderr && !tty ? 'pipe' : 'ignore',
      tty ? 'pipe' : 'ignore',
    ],
  });
}

/** The exit code of a finished child, Kubernetes-style (128+signal when killed). */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

/** Resolves once the child exited and its output ended (or shortly after it exited). */
function whenDone(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let code: number | undefined;
    let grace: NodeJS.Timeout | undefined;
    child.once('error', reject);
    child.once('exit', (c, s) => {
      code = exitCodeOf(c, s);
      grace = setTimeout(() => resolve(code!), OUTPUT_GRACE_MS);
    });
    child.once('close', (c, s) => {
      clearTimeout(grace);
      resolve(code ?? exitCodeOf(c, s));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export function startExecSession(ctx: ExecContext, opts: ExecOptions): Promise<StreamSession> {
  const child = spawnExec(ctx, opts.argv, opts);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => {
      child.off('error', reject);
      const exit = whenDone(child);
      let finished = false;
      void exit.then(
        () => {
          finished = true;
        },
        () => {},
      );
      const resizeChannel = child.stdio[3] as Writable | null;
      resizeChannel?.on('error', () => {});
      child.stdin?.on('error', () => {});
      resolve({
        stdin: child.stdin ?? undefined,
        stdout: child.stdout ?? undefined,
        stderr: child.stderr ?? undefined,
        resize(width, height) {
          if (resizeChannel && !resizeChannel.destroyed && width > 0 && height > 0) {
            resizeChannel.write(`${Math.floor(width)} ${Math.floor(height)}\n`);
          }
        },
        exit,
        close() {
          if (finished) return;
          // A hang-up first (a shell exits on it), then nothing is left to chance.
          if (child.pid) {
            try {
              process.kill(child.pid, 'SIGHUP');
            } catch {
              // already gone
            }
          }
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 200);
          timer.unref();
          child.once('exit', () => {
            clearTimeout(timer);
            killGroup(child, 'SIGKILL');
          });
        },
      });
    });
  });
}

/** Runs a command to completion (probes, hooks), started by the spawn server (spawner.ts). */
export function execSync(ctx: ExecContext, argv: string[], timeoutMs: number): Promise<ExecResult> {
  return spawner.collect({
    file: ctx.shimPath,
    args: execShimArgs(ctx, argv, false),
    env: ctx.env,
    timeoutMs,
    maxOutput: EXEC_SYNC_MAX_OUTPUT,
    outputGraceMs: OUTPUT_GRACE_MS,
  });
}
