// Runs iproute2's `ip` (the one dependency of the isolated pod network) and turns its
// failures into errors that say which command failed and why.
import { type CollectResult, spawner } from '../runtime/process/spawner.ts';

export class IpCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`ip ${args.join(' ')}: ${stderr.trim() || 'failed'}`);
  }
}

// Forked on the runtime's spawning worker thread: nine `ip` runs per pod, forked from the
// agent's event loop, cost more CPU than everything else a burst of pods needs (H3).
export async function ip(args: string[]): Promise<string> {
  let result: CollectResult;
  try {
    result = await spawner.collect({
      file: 'ip',
      args,
      env: { ...process.env } as Record<string, string>,
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

/** Like ip(), but an error whose text matches `harmless` (e.g. "File exists") is not one. */
export async function ipAllowing(harmless: RegExp, args: string[]): Promise<void> {
  try {
    await ip(args);
  } catch (err) {
    if (!(err instanceof IpCommandError && harmless.test(err.stderr))) throw err;
  }
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
