// One open watch: the chunked NDJSON body of a `?watch=true` response, consumed as an
// async iterable of events. Closing it (or breaking out of `for await`) ends the request.
// A partition leaves the socket open and silent, so the stream notes when bytes last came:
// with an idle limit it fails itself after that long without data (bookmarks count), and the
// client fails it when another request to the same server timed out meanwhile.
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { KubeObject } from '../api/resource-type.ts';
import { NdjsonDecoder } from './ndjson.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** The object; for ERROR events a Status (e.g. code 410 when the resourceVersion is too old). */
  object: T;
}

// Stop reading the socket while this many events wait for the consumer.
const HIGH_WATER = 1000;
const LOW_WATER = 100;

export interface WatchStreamOptions {
  /** Fail with an error when no bytes arrived for this long (while the consumer keeps up). */
  idleTimeoutMs?: number;
}

export class WatchStream<T extends KubeObject = KubeObject> implements AsyncIterable<WatchEvent<T>> {
  private readonly decoder = new NdjsonDecoder();
  private readonly queue: WatchEvent<T>[] = [];
  private waiter?: { resolve: () => void };
  private ended = false;
  private closedByUs = false;
  private failure?: Error;
  /** When bytes last arrived (or the stream opened), in performance.now() ms (monotonic, like the client's request times). */
  private lastDataAt = performance.now();
  private idleTimer?: NodeJS.Timeout;

  constructor(
    private readonly req: ClientRequest,
    private readonly res: IncomingMessage,
    opts: WatchStreamOptions = {},
  ) {
    res.on('data', (chunk: Buffer) => {
      this.lastDataAt = performance.now();
      this.take(() => this.decoder.push(chunk));
    });
    res.on('end', () => {
      this.take(() => this.decoder.end());
      this.finish();
    });
    res.on('error', (err) => this.finish(err));
    req.on('error', (err) => this.finish(err));
    res.on('close', () => this.finish(res.complete ? undefined : new Error('watch connection closed before the stream ended')));
    if (opts.idleTimeoutMs && opts.idleTimeoutMs > 0) this.armIdleTimer(opts.idleTimeoutMs);
  }

  /**
   * Fails the stream (the consumer sees an error, the connection is destroyed) when no bytes
   * arrived since `since`; true when it did. The client calls it when a request sent at
   * `since` timed out: a connection that has said nothing since then is presumed dead too.
   */
  failIfSilentSince(since: number): boolean {
    if (this.ended || this.lastDataAt >= since || this.res.isPaused()) return false;
    this.fail(new Error('watch connection presumed dead: silent while a request to the same server timed out'));
    return true;
  }

  /** Checks at most once per idle period whether data came; re-arms for the rest of the period. */
  private armIdleTimer(idleMs: number): void {
    const check = () => {
      if (this.ended) return;
      const silentFor = performance.now() - this.lastDataAt;
      // A consumer that paused the socket is the reason for the silence, not the network.
      if (this.res.isPaused()) this.lastDataAt = performance.now();
      else if (silentFor >= idleMs) {
        this.fail(new Error(`watch connection presumed dead: nothing received for ${Math.round(silentFor)} ms`));
        return;
      }
      this.idleTimer = setTimeout(check, Math.max(idleMs - (performance.now() - this.lastDataAt), 10));
      this.idleTimer.unref();
    };
    this.idleTimer = setTimeout(check, idleMs);
    this.idleTimer.unref();
  }

  private fail(err: Error): void {
    this.finish(err);
    this.req.destroy();
  }

  /** Ends the watch; pending and later next() calls report the end of the stream. */
  close(): void {
    if (this.ended) return;
    this.closedByUs = true;
    this.queue.length = 0;
    this.finish();
    this.req.destroy();
  }

  get closed(): boolean {
    return this.ended;
  }

  async next(): Promise<IteratorResult<WatchEvent<T>, undefined>> {
    for (;;) {
      const event = this.queue.shift();
      if (event) {
        if (this.queue.length <= LOW_WATER && this.res.isPaused()) this.res.resume();
        return { value: event, done: false };
      }
      if (this.failure) {
        const err = this.failure;
        this.failure = undefined;
        throw err;
      }
      if (this.ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.waiter = { resolve };
      });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>, undefined> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  private take(decode: () => unknown[]): void {
    if (this.ended) return;
    let values: unknown[];
    try {
      values = decode();
    } catch (err) {
      this.finish(err as Error);
      this.req.destroy();
      return;
    }
    for (const value of values) {
      if (!isWatchEvent(value)) {
        this.finish(new Error(`unexpected watch event: ${JSON.stringify(value).slice(0, 200)}`));
        this.req.destroy();
        return;
      }
      this.queue.push(value as WatchEvent<T>);
    }
    if (this.queue.length >= HIGH_WATER) this.res.pause();
    this.wake();
  }

  private finish(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    if (err && !this.closedByUs) this.failure = err;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve();
  }
}

function isWatchEvent(value: unknown): value is WatchEvent {
  if (!value || typeof value !== 'object') return false;
  const { type, object } = value as Record<string, unknown>;
  return typeof type === 'string' && !!object && typeof object === 'object';
}
