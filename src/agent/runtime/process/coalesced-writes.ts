// Whole-file writes (tmp + rename) off the event loop, coalesced per file: a save while an
// earlier write of the same file is in flight is folded into one follow-up write, whose
// content is taken when it starts (so it is the newest). A save's promise resolves when a
// write that includes it is on disk. No fsync: the runtime's files must survive an agent
// crash, not a power cut (after a reboot every container is gone anyway).
import { rename, writeFile } from 'node:fs';

interface FileWrites {
  inflight?: Promise<void>;
  /** The follow-up write, shared by every save made while `inflight` runs. */
  queued?: Promise<void>;
  content: () => string;
  /** Set by forget(): writes not yet started are dropped. */
  dropped: boolean;
}

export class CoalescedWrites {
  private readonly files = new Map<string, FileWrites>();
  private closed = false;

  constructor(private readonly mode = 0o600) {}

  /** Writes `content()` to `file` soon; the promise says when (and whether) it landed. */
  save(file: string, content: () => string): Promise<void> {
    if (this.closed) return Promise.resolve();
    let w = this.files.get(file);
    if (!w) {
      w = { content, dropped: false };
      this.files.set(file, w);
    }
    w.content = content;
    w.dropped = false;
    // A follow-up already queued takes the newest content when it starts: join it. (Between a
    // write's end and the follow-up's start `inflight` is already clear: starting a write
    // there would race the follow-up on the same tmp file.)
    if (w.queued) return w.queued;
    const inflight = w.inflight;
    if (!inflight) return this.start(file, w);
    const current = w;
    const next = () => {
      current.queued = undefined;
      return this.start(file, current);
    };
    // After the write in flight, whether it worked or not (its callers hear of its failure).
    current.queued = inflight.then(next, next);
    return current.queued;
  }

  /** Drops the file's writes not yet started and waits for the one in flight (before deleting it). */
  async forget(file: string): Promise<void> {
    const w = this.files.get(file);
    if (!w) return;
    w.dropped = true;
    await Promise.allSettled([w.inflight, w.queued]);
    if (this.files.get(file) === w && !w.inflight && !w.queued) this.files.delete(file);
  }

  /**
   * Writes nothing more: queued writes are dropped (one in flight still lands). A successor
   * working on the same files must not have them overwritten by older content.
   */
  close(): void {
    this.closed = true;
    for (const w of this.files.values()) w.dropped = true;
  }

  /** Resolves once every save asked for so far has been written (or failed). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.files.values()].flatMap((w) => [w.inflight, w.queued]));
  }

  private start(file: string, w: FileWrites): Promise<void> {
    const write = w.dropped ? Promise.resolve() : writeAtomic(file, w.content(), this.mode);
    const inflight = write.finally(() => {
      if (w.inflight === inflight) w.inflight = undefined;
      // An idle, finished entry is not needed any more (keeps the map small).
      if (!w.inflight && !w.queued && this.files.get(file) === w) this.files.delete(file);
    });
    w.inflight = inflight;
    return inflight;
  }
}

/** tmp + rename, with fs callbacks: they cost the event loop less than fs/promises' FileHandles. */
function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp`;
  return new Promise((resolve, reject) => {
    writeFile(tmp, content, { mode }, (err) => {
      if (err) reject(err);
      else rename(tmp, file, (renameErr) => (renameErr ? reject(renameErr) : resolve()));
    });
  });
}
