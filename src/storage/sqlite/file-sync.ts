// Flushes one open file to stable storage (fdatasync) on libuv's thread pool, so the event
// loop keeps serving while the disk works. Requests that arrive while a flush is running
// share the next one: at most one fdatasync per file is in flight, and each caller is told
// only after a flush that *started after its call* has finished — that flush covers every
// byte written to the file before the call.

import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

export class FileSync {
  private readonly fd: number;
  /** Callers waiting for the next flush to start. */
  private waiting: Array<(err: Error | null) => void> = [];
  private flushing = false;
  private failure: Error | undefined;

  /** Opens `path` read-only: Linux flushes a file's data through any descriptor of it. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  /** Resolves once everything written to the file before this call is on stable storage. */
  sync(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push((err) => (err ? reject(err) : resolve()));
      if (!this.flushing) this.startFlush();
    });
  }

  /** The same, blocking the calling thread; for rare, small flushes. */
  syncNow(): void {
    if (this.failure) throw this.failure;
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }

  private startFlush(): void {
    this.flushing = true;
    const batch = this.waiting;
    this.waiting = [];
    fdatasync(this.fd, (err) => {
      this.flushing = false;
      // After a failed fsync the kernel may have dropped the dirty pages: nothing written
      // so far can be called durable any more, so every later request fails too.
      if (err) this.failure = new Error(`fdatasync ${this.path}: ${err.message}`, { cause: err });
      for (const done of batch) done(this.failure ?? null);
      if (this.waiting.length > 0) {
        if (this.failure) for (const done of this.waiting.splice(0)) done(this.failure);
        else this.startFlush();
      }
    });
  }
}
