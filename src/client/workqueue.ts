// A rate-limited work queue with client-go's guarantees, the heart of every controller:
// - a key waiting in the queue is stored once, however often it is added;
// - a key is handed to one worker at a time: re-added while being processed, it waits
//   until done() and is then queued again, so no change is lost and none is handled twice
//   concurrently;
// - failed keys come back after per-item exponential back-off (addRateLimited/forget).
import { type Clock, realClock, type TimerHandle } from './clock.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions<T> {
  rateLimiter?: RateLimiter<T>;
  clock?: Clock;
}

export class WorkQueue<T = string> {
  private readonly queue: T[] = [];
  /** Keys that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiting = new Map<T, { readyAt: number; timer: TimerHandle }>();
  private readonly getters: ((item: T | undefined) => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shutdown = false;
  private readonly rateLimiter: RateLimiter<T>;
  private readonly clock: Clock;

  constructor(opts: WorkQueueOptions<T> = {}) {
    this.clock = opts.clock ?? realClock;
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>(this.clock);
  }

  add(item: T): void {
    if (this.shutdown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return; // done() queues it again
    this.queue.push(item);
    this.handOut();
  }

  /** Number of keys ready to be processed (not counting delayed or in-process ones). */
  len(): number {
    return this.queue.length;
  }

  /**
   * Waits for the next key and marks it as being processed; call done(key) afterwards.
   * Resolves undefined once the queue is shut down and empty: the worker should exit.
   */
  get(): Promise<T | undefined> {
    const item = this.take();
    if (item.found) return Promise.resolve(item.value);
    if (this.shutdown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks key as processed; if it was added meanwhile, it goes back into the queue. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.handOut();
    }
    if (this.processing.size === 0) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /** Adds key after ms; an earlier pending time for the same key wins. */
  addAfter(item: T, ms: number): void {
    if (this.shutdown) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.waiting.get(item);
    if (existing && existing.readyAt <= readyAt) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(() => {
      this.waiting.delete(item);
      this.add(item);
    }, ms);
    this.waiting.set(item, { readyAt, timer });
  }

  /** Adds key after its back-off: 5 ms, 10 ms, 20 ms, … up to 1000 s, and the overall rate limit. */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Resets key's back-off; call when it was processed successfully. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** Stops accepting keys; workers still get what is queued, then undefined. */
  shutDown(): void {
    if (this.shutdown) return;
    this.shutdown = true;
    for (const { timer } of this.waiting.values()) timer.cancel();
    this.waiting.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  /** Shuts down, then resolves once every key being processed was marked done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.shutdown;
  }

  private take(): { found: true; value: T } | { found: false } {
    if (this.queue.length === 0) return { found: false };
    const value = this.queue.shift() as T;
    this.processing.add(value);
    this.dirty.delete(value);
    return { found: true, value };
  }

  private handOut(): void {
    while (this.getters.length > 0) {
      const item = this.take();
      if (!item.found) return;
      this.getters.shift()!(item.value);
    }
  }
}
