// Runs iproute2's `ip` (the one dependency of the isolated pod network) and turns its
// failures into errors that say which command failed and why.
import { randomBytes } from 'node:crypto';
import { unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CollectResult, pathOnlyEnvironment, spawner } from '../runtime/process/spawner.ts';

export class IpCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`ip ${args.join(' ')}: ${stderr.trim() || 'failed'}`);
  }
}

// Started by the runtime's spawn server (see spawner.ts): `ip` runs forked from the agent's
// own process cost more CPU than everything else a burst of pods needed. Callers that run
// several commands use ipBatch (one process for all of them).
export async function ip(args: string[]): Promise<string> {
  let result: CollectResult;
  try {
    result = await spawner.collect({
      file: 'ip',
      args,
      env: pathOnlyEnvironment(),
      timeoutMs: 10_000,
      maxOutput: 1 << 20,
      outputGraceMs: 1000,
    });
  } catch (err) {
    throw new IpCommandError(args, err instanceof Error ? err.message : String(err));
  }
  if (result.timedOut) throw new IpCommandError(args, 'timed out after 10 s');
  if (result.exitCode !== 0) throw new IpCommandError(args, result.stderr || `exit code ${result.exitCode}`);
  return result.stdout;
}

/** Runs `ip` with these arguments in the network namespace to manage; throws IpCommandError. */
export type IpRunner = (args: string[]) => Promise<string>;

/** Like ip(), but an error whose text matches `harmless` (e.g. "File exists") is not one. */
export async function ipAllowing(harmless: RegExp, args: string[], run: IpRunner = ip): Promise<void> {
  try {
    await run(args);
  } catch (err) {
    if (!(err instanceof IpCommandError && harmless.test(err.stderr))) throw err;
  }
}

/** Deletes every rule matching `spec` (`ip rule del SPEC`): one call removes one rule, so it repeats until one fails. */
export async function deleteMatchingRules(spec: string[], run: IpRunner = ip): Promise<void> {
  for (let i = 0; i < 16; i++) {
    try {
      await run(['rule', 'del', ...spec]);
    } catch {
      return;
    }
  }
}

export interface IpBatchOptions {
  /** Run every command inside this named network namespace (`ip -n NS`). */
  netns?: string;
  /** Errors whose text matches are not failures; with it, every command runs (`ip -force`). */
  allowing?: RegExp;
}

/**
 * Runs several `ip` commands in one process (`ip -batch FILE`): one fork instead of one per
 * command. Without `allowing` the batch stops at the first failing command, and the error
 * names that command (iproute2 says "Command failed FILE:LINE" after its message).
 */
export async function ipBatch(commands: string[][], opts: IpBatchOptions = {}): Promise<void> {
  const failure = (await runIpBatch(commands, { netns: opts.netns, force: !!opts.allowing })).find(
    ({ message }) => !opts.allowing?.test(message),
  );
  if (failure) throw batchCommandError(commands[failure.line - 1], failure.message, opts.netns);
}

interface IpBatchFailure {
  /** 1-based index into the batch's commands. */
  line: number;
  message: string;
}

/**
 * Runs the commands in one `ip [-n NS] [-force] -batch FILE` process and returns the ones that
 * failed: with `force` all of them (every command runs), else the first (the rest did not run).
 * Throws when the batch failed as a whole (no `ip`, no such namespace, timeout).
 */
async function runIpBatch(commands: string[][], opts: { netns?: string; force?: boolean } = {}): Promise<IpBatchFailure[]> {
  if (commands.length === 0) return [];
  const lines = commands.map(batchLine);
  const file = join(tmpdir(), `hale-ip-batch-${process.pid}-${randomBytes(6).toString('hex')}`);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  const args = [...(opts.netns ? ['-n', opts.netns] : []), ...(opts.force ? ['-force'] : []), '-batch', file];
  try {
    await ip(args);
    return [];
  } catch (err) {
    if (!(err instanceof IpCommandError)) throw err;
    const failures = batchFailures(err.stderr, commands.length);
    // ip exits at once, naming no line, on bad arguments (e.g. `master` of a device that does
    // not exist): say which commands were in the batch (the file is gone by then).
    if (failures.length === 0) throw new IpCommandError([...args.slice(0, -1), `(${lines.join('; ')})`], err.stderr);
    return failures;
  } finally {
    try {
      unlinkSync(file);
    } catch {}
  }
}

/** The error of one command of a batch, worded as if it had run on its own. */
function batchCommandError(command: string[], message: string, netns?: string): IpCommandError {
  return new IpCommandError([...(netns ? ['-n', netns] : []), ...command], message);
}

/** One command as a batch line; batch lines are split on blanks and know quotes and comments. */
export function batchLine(args: string[]): string {
  for (const arg of args) {
    if (arg === '' || /[\s"'#\\]/.test(arg)) throw new Error(`ip batch: argument ${JSON.stringify(arg)} cannot be passed in batch mode`);
  }
  return args.join(' ');
}

/** The failed commands of a batch run: each message is the text ip printed before "Command failed FILE:LINE". */
export function batchFailures(stderr: string, lineCount: number): { line: number; message: string }[] {
  const failures: { line: number; message: string }[] = [];
  let pending: string[] = [];
  for (const text of stderr.split('\n')) {
    const failed = /^Command failed .*:(\d+)$/.exec(text.trim());
    if (!failed) {
      if (text.trim()) pending.push(text.trim());
      continue;
    }
    const line = Number(failed[1]);
    if (line >= 1 && line <= lineCount) failures.push({ line, message: pending.join('\n') || 'failed' });
    pending = [];
  }
  return failures;
}

/** `ip` is on PATH and answers (it is iproute2, not a BusyBox stub without netns). */
export async function ipWorks(): Promise<boolean> {
  try {
    await ip(['netns', 'list']);
    return true;
  } catch {
    return false;
  }
}
