// In-process watch fan-out shared by the single-process stores (memory, SQLite).
//
// A new watcher first catches up by reading the store's committed history page by page,
// then turns "live" and receives the events the store publishes right after each commit.
// The last page read and the switch to live happen in one synchronous step, and a store's
// commit-then-publish is one synchronous step too, so no commit can fall between replay
// and live: no gap, no duplicate.
//
// Delivery is always asynchronous (a microtask after the write), so a watcher callback
// never runs inside a write. If onEvents returns a promise, the next batch waits for it
// (backpressure); events arriving meanwhile queue up to `queueLimit`, after which the
// watcher is closed with WatcherTooSlowError instead of buffering without bound.

import type { StoreWatchEvent, Watch, WatchOptions } from './store.ts';
import { CompactedError, WatcherTooSlowError } from './store.ts';

/** The part of a store a watcher reads while catching up. All calls are synchronous. */
export interface HistorySource {
  /** Up to `limit` events with revision > afterRevision whose key starts with prefix, in revision order. */
  readHistory(prefix: string, afterRevision: number, limit: number): StoreWatchEvent[];
  currentRevision(): number;
  compactedRevision(): number;
}

export interface WatchHubOptions {
  /** Events a watcher may have pending before it is closed as too slow. */
  queueLimit?: number;
  /** Events read from history per catch-up step. */
  replayPageSize?: number;
}

export const DEFAULT_WATCH_QUEUE_LIMIT = 10_000;
const DEFAULT_REPLAY_PAGE_SIZE = 1_000;

/** Passed to onClose of every open watcher when the store shuts down. */
export class StoreClosedError extends Error {
  constructor() {
    super('store is closing');
  }
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly queueLimit: number;
  private readonly replayPageSize: number;

  constructor(
    private readonly source: HistorySource,
    options: WatchHubOptions = {},
  ) {
    this.queueLimit = options.queueLimit ?? DEFAULT_WATCH_QUEUE_LIMIT;
    this.replayPageSize = options.replayPageSize ?? DEFAULT_REPLAY_PAGE_SIZE;
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Throws CompactedError when the requested history is gone. */
  watch(prefix: string, opts: WatchOptions): Watch {
    const compacted = this.source.compactedRevision();
    if (opts.afterRevision < compacted) throw new CompactedError(opts.afterRevision, compacted);
    const watcher = new Watcher(this, prefix, opts);
    this.watchers.add(watcher);
    if (opts.afterRevision < this.source.currentRevision()) watcher.startCatchUp();
    return { close: () => watcher.stop(undefined) };
  }

  /** Called by the store right after a commit, with that commit's events in revision order. */
  publish(events: StoreWatchEvent[]): void {
    if (this.watchers.size === 0) return;
    for (const watcher of this.watchers) watcher.offer(events);
  }

  /** Ends every watch, telling each one why. */
  closeAll(reason: Error): void {
    for (const watcher of [...this.watchers]) watcher.stop(reason);
  }

  /** @internal */
  remove(watcher: Watcher): void {
    this.watchers.delete(watcher);
  }

  /** @internal */
  get history(): HistorySource {
    return this.source;
  }

  /** @internal */
  get limits(): { queueLimit: number; replayPageSize: number } {
    return { queueLimit: this.queueLimit, replayPageSize: this.replayPageSize };
  }
}

class Watcher {
  private catchingUp = false;
  /** Highest revision already handed to the caller (or skipped by the start point). */
  private cursor: number;
  private pending: StoreWatchEvent[] = [];
  private scheduled = false;
  /** The caller's last onEvents returned a promise that has not settled yet. */
  private busy = false;
  private closed = false;

  constructor(
    private readonly hub: WatchHub,
    private readonly prefix: string,
    private readonly opts: WatchOptions,
  ) {
    this.cursor = opts.afterRevision;
  }

  startCatchUp(): void {
    this.catchingUp = true;
    this.schedule();
  }

  offer(events: StoreWatchEvent[]): void {
    // While catching up, the history read will pick these events up from the log.
    if (this.closed || this.catchingUp) return;
    for (const event of events) {
      if (event.kv.modRevision > this.cursor && event.kv.key.startsWith(this.prefix)) this.pending.push(event);
    }
    if (this.pending.length > this.hub.limits.queueLimit) {
      this.stop(new WatcherTooSlowError());
      return;
    }
    if (this.pending.length > 0) this.schedule();
  }

  stop(reason: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.hub.remove(this);
    if (reason && this.opts.onClose) {
      try {
        this.opts.onClose(reason);
      } catch {
        // A failing onClose must not break the store that is closing the watch.
      }
    }
  }

  private schedule(): void {
    if (this.scheduled || this.busy || this.closed) return;
    this.scheduled = true;
    // Catch-up pages go through setImmediate so a long replay does not starve I/O;
    // live events go out as a microtask, right after the write that produced them.
    if (this.catchingUp) setImmediate(() => this.run());
    else queueMicrotask(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    if (this.closed || this.busy) return;
    if (this.catchingUp) this.catchUpStep();
    else if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      this.deliver(batch);
    }
  }

  private catchUpStep(): void {
    const history = this.hub.history;
    const compacted = history.compactedRevision();
    if (this.cursor < compacted) {
      this.stop(new CompactedError(this.cursor, compacted));
      return;
    }
    const pageSize = this.hub.limits.replayPageSize;
    let page: StoreWatchEvent[];
    try {
      page = history.readHistory(this.prefix, this.cursor, pageSize);
    } catch (err) {
      this.stop(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (page.length < pageSize) {
      // The history is exhausted up to the current revision; from now on the hub feeds us.
      this.catchingUp = false;
      this.cursor = Math.max(this.cursor, history.currentRevision());
    } else {
      this.cursor = page[page.length - 1].kv.modRevision;
    }
    if (page.length > 0) this.deliver(page);
    else this.schedule();
  }

  private deliver(batch: StoreWatchEvent[]): void {
    this.cursor = Math.max(this.cursor, batch[batch.length - 1].kv.modRevision);
    let result: unknown;
    try {
      result = this.opts.onEvents(batch);
    } catch (err) {
      this.stop(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (isPromiseLike(result)) {
      this.busy = true;
      result.then(
        () => {
          this.busy = false;
          this.continueAfterDelivery();
        },
        (err: unknown) => this.stop(err instanceof Error ? err : new Error(String(err))),
      );
    } else {
      this.continueAfterDelivery();
    }
  }

  private continueAfterDelivery(): void {
    if (this.catchingUp || this.pending.length > 0) this.schedule();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
