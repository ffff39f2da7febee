// terminated.message of an exited container, as the kubelet builds it: what the container wrote
// to its terminationMessagePath file (last 4 KiB), or, with FallbackToLogsOnError and a failed
// exit, the last 80 lines of its log (last 2 KiB). Appended to the runtime's own message.
import { open } from 'node:fs/promises';
import type { ContainerStatus } from '../runtime/runtime.ts';
import { TERMINATION_MESSAGE_HOST_PATH_ANNOTATION, TERMINATION_MESSAGE_POLICY_ANNOTATION } from './runtime-labels.ts';

export const MAX_TERMINATION_MESSAGE_BYTES = 4096;
export const MAX_LOG_FALLBACK_LINES = 80;
export const MAX_LOG_FALLBACK_BYTES = 2048;

/** The last `max` bytes of a file; undefined when it does not exist. */
async function readTail(file: string, max: number): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    return buf;
  } finally {
    await handle.close();
  }
}

/** Message text of the last lines of a CRI-format log ("<time> <stream> <P|F> <text>"). */
export function lastLogLines(criLog: string, maxLines: number, maxBytes: number): string {
  const lines: string[] = [];
  let partial = '';
  for (const raw of criLog.split('\n')) {
    if (raw === '') continue;
    const m = /^\S+ (?:stdout|stderr) ([PF]) ?(.*)$/.exec(raw);
    if (!m) continue; // the first line of a tail read may be cut: skip what does not parse
    if (m[1] === 'P') {
      partial += m[2];
      continue;
    }
    lines.push(partial + m[2]);
    partial = '';
  }
  if (partial) lines.push(partial);
  const text = lines
    .slice(-maxLines)
    .map((l) => `${l}\n`)
    .join('');
  const bytes = Buffer.from(text);
  return bytes.length <= maxBytes ? text : bytes.subarray(bytes.length - maxBytes).toString('utf8');
}

export async function terminationMessage(status: ContainerStatus): Promise<string | undefined> {
  if (status.state !== 'exited') return status.message;
  const hostPath = status.annotations?.[TERMINATION_MESSAGE_HOST_PATH_ANNOTATION];
  const fallback =
    status.annotations?.[TERMINATION_MESSAGE_POLICY_ANNOTATION] === 'FallbackToLogsOnError' &&
    (status.exitCode ?? 0) !== 0 &&
    status.reason !== 'ContainerCannotRun';
  let text = '';
  try {
    if (hostPath) text = (await readTail(hostPath, MAX_TERMINATION_MESSAGE_BYTES))?.toString('utf8') ?? '';
    if (text === '' && fallback && status.logPath) {
      // Lines can be long; 64 KiB of log comfortably holds the last 2 KiB of text.
      const log = (await readTail(status.logPath, 64 * 1024))?.toString('utf8') ?? '';
      text = lastLogLines(log, MAX_LOG_FALLBACK_LINES, MAX_LOG_FALLBACK_BYTES);
    }
  } catch (err) {
    text = `Error on reading termination message: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!text) return status.message || undefined;
  return status.message ? `${status.message}: ${text}` : text;
}
