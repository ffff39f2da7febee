// Follows a container log file in the CRI format ("<time> <stream> <F|P> <content>" per line)
// the way `tail -F` does: from the end (or start), across rotations (PATH renamed to PATH.1
// and a new PATH created) and truncation. Used by attach, which streams what the container
// writes from now on.
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface CriLogRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  /** A "P" record: the line continues in the next record. */
  partial: boolean;
  content: Buffer;
}

/** Parses one line (without its newline); undefined if it is not a CRI log record. */
export function parseCriLogLine(line: Buffer): CriLogRecord | undefined {
  const s1 = line.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.subarray(s1 + 1, s2).toString();
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const s3 = line.indexOf(0x20, s2 + 1);
  // The tag may be followed by nothing at all for an empty line.
  const tag = line.subarray(s2 + 1, s3 < 0 ? line.length : s3).toString();
  if (tag !== 'F' && tag !== 'P') return undefined;
  return {
    time: line.subarray(0, s1).toString(),
    stream,
    partial: tag === 'P',
    content: s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1),
  };
}

export class CriLogFollower {
  private handle?: FileHandle;
  private ino = 0;
  private position = 0;
  private pending = Buffer.alloc(0);
  private timer?: NodeJS.Timeout;
  private watcher?: FSWatcher;
  private reading?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly path: string,
    private readonly onRecord: (record: CriLogRecord) => void,
    private readonly options: { fromStart?: boolean; pollMs?: number } = {},
  ) {}

  async start(): Promise<void> {
    await this.reopen(!this.options.fromStart);
    try {
      const name = basename(this.path);
      this.watcher = watch(dirname(this.path), (_event, file) => {
        if (!file || file.toString().startsWith(name)) void this.poll();
      });
      this.watcher.on('error', () => {});
    } catch {
      // no inotify: polling alone still works
    }
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 200);
    this.timer.unref();
  }

  /** Reads everything written so far. */
  async poll(): Promise<void> {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.readAvailable();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.close();
    await this.reading?.catch(() => {});
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  private async reopen(atEnd: boolean): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
    try {
      this.handle = await open(this.path, 'r');
      const st = await this.handle.stat();
      this.ino = st.ino;
      this.position = atEnd ? st.size : 0;
    } catch {
      this.ino = 0;
      this.position = 0;
    }
    this.pending = Buffer.alloc(0);
  }

  private async readAvailable(): Promise<void> {
    if (!this.handle) {
      await this.reopen(false);
      if (!this.handle) return;
    }
    await this.drainHandle();
    // Rotated (a different file now has the name) or truncated: continue with the new content.
    const current = await stat(this.path).catch(() => undefined);
    if (!current) return;
    if (current.ino !== this.ino) {
      await this.reopen(false);
      await this.drainHandle();
    } else if (current.size < this.position) {
      this.position = 0;
      this.pending = Buffer.alloc(0);
      await this.drainHandle();
    }
  }

  private async drainHandle(): Promise<void> {
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      if (!this.handle || this.stopped) return;
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.position);
      if (bytesRead === 0) return;
      this.position += bytesRead;
      let data = Buffer.concat([this.pending, chunk.subarray(0, bytesRead)]);
      let nl = data.indexOf(0x0a);
      while (nl >= 0) {
        const record = parseCriLogLine(data.subarray(0, nl));
        if (record) this.onRecord({ ...record, content: Buffer.from(record.content) });
        data = data.subarray(nl + 1);
        nl = data.indexOf(0x0a);
      }
      this.pending = Buffer.from(data);
    }
  }
}
