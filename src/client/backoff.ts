// Exponential back-off with jitter, like client-go's reflector: each failure doubles the
// wait up to a cap, and a quiet period since the last failure starts over from the bottom.
import { type Clock, realClock } from './clock.ts';

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Forget earlier failures when none happened for this long. */
  resetAfterMs?: number;
  /** 1.0 adds up to 100% random extra wait, so many clients do not retry in lockstep. */
  jitter?: number;
  clock?: Clock;
  random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly resetAfterMs: number;
  private readonly jitter: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private currentMs: number;
  private lastFailure?: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    this.resetAfterMs = opts.resetAfterMs ?? 120_000;
    this.jitter = opts.jitter ?? 1.0;
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.currentMs = this.initialMs;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    const now = this.clock.now();
    if (this.lastFailure !== undefined && now - this.lastFailure > this.resetAfterMs) this.currentMs = this.initialMs;
    this.lastFailure = now;
    const wait = this.currentMs * (1 + this.jitter * this.random());
    this.currentMs = Math.min(this.currentMs * 2, this.maxMs);
    return Math.min(wait, this.maxMs * (1 + this.jitter));
  }

  reset(): void {
    this.currentMs = this.initialMs;
    this.lastFailure = undefined;
  }
}
