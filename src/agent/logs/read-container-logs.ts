// Writes a container's log, as `kubectl logs` shows it, from its CRI log files: the rotated
// files PATH.N … PATH.1 (oldest first) and then PATH, filtered by --since, cut to --tail
// lines and --limit-bytes, prefixed with --timestamps; with --follow it keeps reading PATH
// as it grows (across rotations and truncation) until the container exits or the client
// goes away.
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { CriLineSplitter, type CriLogRecord } from './cri-log.ts';
import type { LogOptions } from './log-options.ts';

export interface ReadLogsContext {
  /** Resolves when the container has exited: a follow then ends after a last read. */
  exited?: Promise<unknown>;
  /** Aborted when the client disconnects. */
  signal?: AbortSignal;
  /** How often a follow re-reads the file when no change notification comes. */
  pollMs?: number;
}

const READ_CHUNK = 64 * 1024;

/** PATH.N … PATH.1 that exist, oldest first. */
export async function rotatedFiles(path: string): Promise<string[]> {
  const name = basename(path);
  let entries: string[];
  try {
    entries = await readdir(dirname(path));
  } catch {
    return [];
  }
  const numbered = entries
    .map((e) => ({ e, n: e.startsWith(`${name}.`) ? Number(e.slice(name.length + 1)) : Number.NaN }))
    .filter((x) => Number.isInteger(x.n) && x.n > 0)
    .sort((a, b) => b.n - a.n);
  return numbered.map((x) => join(dirname(path), x.e));
}

/** Turns records into output bytes: --since, --timestamps, --tail and --limit-bytes. */
class LogFormatter {
  private written = 0;
  private midLine = false;
  /** While collecting a tail: complete lines kept, and the line being assembled. */
  private tail?: { lines: Buffer[][]; current: Buffer[] };
  done = false;

  constructor(
    private readonly options: LogOptions,
    private readonly write: (bytes: Buffer) => Promise<boolean>,
  ) {
    if (options.tailLines !== undefined) this.tail = { lines: [], current: [] };
  }

  async add(record: CriLogRecord): Promise<void> {
    if (this.done) return;
    if (this.options.sinceNanos !== undefined && record.timeNanos < this.options.sinceNanos) return;
    const parts: Buffer[] = [];
    if (this.options.timestamps && !this.midLine) parts.push(Buffer.from(`${record.time} `));
    parts.push(record.content);
    if (!record.partial) parts.push(Buffer.from('\n'));
    this.midLine = record.partial;
    if (this.tail) {
      this.tail.current.push(...parts);
      if (!record.partial) {
        this.tail.lines.push(this.tail.current);
        this.tail.current = [];
        if (this.tail.lines.length > (this.options.tailLines ?? 0)) this.tail.lines.shift();
      }
      return;
    }
    await this.emit(Buffer.concat(parts));
  }

  /** Ends the initial read: a collected tail is written out, later records go straight through. */
  async endOfBacklog(): Promise<void> {
    const tail = this.tail;
    if (!tail) return;
    this.tail = undefined;
    const lines = tail.current.length > 0 ? [...tail.lines, tail.current] : tail.lines;
    // A partial last line counts as a line: keep at most tailLines in all.
    const keep = lines.slice(Math.max(0, lines.length - (this.options.tailLines ?? 0)));
    if (keep.length > 0) await this.emit(Buffer.concat(keep.flat()));
  }

  private async emit(bytes: Buffer): Promise<void> {
    if (this.done || bytes.length === 0) return;
    let out = bytes;
    const limit = this.options.limitBytes;
    if (limit !== undefined && this.written + out.length >= limit) {
      out = out.subarray(0, limit - this.written);
      this.done = true;
    }
    this.written += out.length;
    if (!(await this.write(out))) this.done = true;
  }
}

/** Writes `bytes`, waiting for the destination to drain; false when it is gone. */
function writer(out: Writable): (bytes: Buffer) => Promise<boolean> {
  return (bytes) =>
    new Promise((resolve) => {
      if (out.destroyed || out.writableEnded) return resolve(false);
      if (bytes.length === 0 || out.write(bytes)) return resolve(true);
      const finish = (ok: boolean) => {
        out.off('drain', onDrain);
        out.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => finish(true);
      const onClose = () => finish(false);
      out.on('drain', onDrain);
      out.on('close', onClose);
    });
}

async function readWholeFile(path: string, formatter: LogFormatter): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return; // rotated away meanwhile
  }
  try {
    await drain(handle, 0, new CriLineSplitter(), formatter);
  } finally {
    await handle.close();
  }
}

/** Reads from `position` to the current end; returns the new position. */
async function drain(handle: FileHandle, position: number, splitter: CriLineSplitter, formatter: LogFormatter): Promise<number> {
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  let at = position;
  for (;;) {
    if (formatter.done) return at;
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) return at;
    at += bytesRead;
    for (const record of splitter.push(buffer.subarray(0, bytesRead))) {
      await formatter.add(record);
      if (formatter.done) return at;
    }
  }
}

/** Writes the log of the container whose current log file is `path` to `out` (which is not ended). */
export async function writeContainerLogs(path: string, options: LogOptions, out: Writable, ctx: ReadLogsContext = {}): Promise<void> {
  const formatter = new LogFormatter(options, writer(out));
  for (const file of await rotatedFiles(path)) {
    await readWholeFile(file, formatter);
    if (formatter.done) return;
  }
  let handle: FileHandle | undefined;
  let ino = 0;
  let position = 0;
  const splitter = new CriLineSplitter();
  try {
    try {
      handle = await open(path, 'r');
      ino = (await handle.stat()).ino;
    } catch {
      handle = undefined;
    }
    if (handle) position = await drain(handle, 0, splitter, formatter);
    await formatter.endOfBacklog();
    if (!options.follow || formatter.done) return;
    await follow();
  } finally {
    await handle?.close().catch(() => {});
  }

  async function follow(): Promise<void> {
    let exited = false;
    let wake: () => void = () => {};
    const poke = () => wake();
    void ctx.exited?.then(
      () => {
        exited = true;
        poke();
      },
      () => {},
    );
    ctx.signal?.addEventListener('abort', poke);
    out.once('close', poke);
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(dirname(path), (_event, file) => {
        if (!file || file.toString().startsWith(basename(path))) poke();
      });
      watcher.on('error', () => {});
    } catch {
      // no file notifications: polling alone still works
    }
    const timer = setInterval(poke, ctx.pollMs ?? 250);
    try {
      for (;;) {
        const stop = exited || ctx.signal?.aborted || out.destroyed || formatter.done;
        await readNew();
        if (stop || formatter.done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      clearInterval(timer);
      watcher?.close();
      ctx.signal?.removeEventListener('abort', poke);
      out.off('close', poke);
    }
  }

  /** Reads what was appended; follows a rotation (new file at PATH) or a truncation. */
  async function readNew(): Promise<void> {
    if (handle) position = await drain(handle, position, splitter, formatter);
    const current = await stat(path).catch(() => undefined);
    if (!current) return;
    if (current.ino !== ino) {
      // Whatever reached the old file before it was renamed comes first.
      if (handle) position = await drain(handle, position, splitter, formatter);
      await handle?.close().catch(() => {});
      handle = await open(path, 'r').catch(() => undefined);
      ino = current.ino;
      position = 0;
      splitter.reset();
      if (handle) position = await drain(handle, 0, splitter, formatter);
    } else if (current.size < position) {
      position = 0;
      splitter.reset();
      if (handle) position = await drain(handle, 0, splitter, formatter);
    }
  }
}
