// One probe (liveness, readiness or startup) of one container: runs it on schedule, counts
// consecutive results against successThreshold/failureThreshold like the kubelet's probe
// worker, and hands a settled result to its owner. Attempts never overlap: the next one is
// scheduled when the previous one finished, on the grid firstAt + k·period (ticks that a slow
// probe overran are skipped, as a Go ticker drops them).
//
// Warm-up (Hale's addition, for fast recovery): a readiness or startup probe that starts
// without a known result is first run at once (right after initialDelaySeconds), and — until
// its first success — retried after 25 ms, 50 ms, 100 ms, … within its first period. Failures
// during that first period are neither counted nor reported: the kubelet would not have probed
// yet (its first probe lands up to a full period after the container started), so nothing a
// user sees changes except that a healthy container becomes Ready within milliseconds instead
// of up to periodSeconds later.

import type { Clock, TimerHandle } from './clock.ts';
import type { ProbeOutcome } from './run-probe.ts';
import type { ProbeKind } from './types.ts';

export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

const positive = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);

/** The probe's timing and thresholds with Kubernetes' defaults; `secondMs` is how long a second lasts (tests shrink it). */
export function probeSettings(probe: Record<string, any>, kind: ProbeKind, secondMs: number): ProbeSettings {
  const delay = typeof probe.initialDelaySeconds === 'number' && probe.initialDelaySeconds > 0 ? probe.initialDelaySeconds : 0;
  return {
    initialDelayMs: delay * secondMs,
    periodMs: positive(probe.periodSeconds, 10) * secondMs,
    timeoutMs: positive(probe.timeoutSeconds, 1) * secondMs,
    // Liveness and startup probes must have successThreshold 1 (API validation); enforce it anyway.
    successThreshold: kind === 'readiness' ? Math.floor(positive(probe.successThreshold, 1)) : 1,
    failureThreshold: Math.floor(positive(probe.failureThreshold, 3)),
  };
}

export interface WorkerHost {
  clock: Clock;
  /** One probe attempt; never rejects. */
  check(): Promise<ProbeOutcome>;
  /** The threshold for `result` is met (called again on every further attempt that keeps it met). */
  settle(result: 'success' | 'failure', output: string): void;
  event(reason: 'Unhealthy' | 'ProbeWarning', message: string): void;
}

export interface WorkerStart {
  /** Time of the first regular attempt. */
  firstAt: number;
  /** Run the warm-up described above during the first period. */
  warmup: boolean;
}

const LABELS: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export class ProbeWorker {
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** Settled on a result that ends this worker's job for this container (liveness failure, startup either way). */
  private onHold = false;
  private lastResult: 'success' | 'failure' | undefined;
  private resultRun = 0;
  private regularAt = 0;
  private regularRuns = 0;
  private warmup = false;
  private retryDelayMs: number;
  private succeeded = false;
  private firstAt: number | undefined;
  private firstFinished = false;
  private finishFirstAttempt!: () => void;
  /** Resolves when the first attempt has finished (whatever its outcome), or the worker stopped. */
  readonly firstAttempt = new Promise<void>((resolve) => {
    this.finishFirstAttempt = () => {
      this.firstFinished = true;
      resolve();
    };
  });

  constructor(
    readonly kind: ProbeKind,
    readonly settings: ProbeSettings,
    private readonly host: WorkerHost,
    private readonly firstRetryMs: number,
  ) {
    this.retryDelayMs = firstRetryMs;
  }

  start({ firstAt, warmup }: WorkerStart): void {
    if (this.stopped || this.timer !== undefined) return;
    this.firstAt = firstAt;
    this.regularAt = firstAt;
    this.warmup = warmup && this.firstRetryMs > 0;
    this.arm(firstAt, 'regular');
  }

  /** Whether the first attempt is due by `now` (the worker started) and has not finished yet. */
  firstAttemptPending(now: number): boolean {
    return !this.firstFinished && this.firstAt !== undefined && this.firstAt <= now;
  }

  stop(): void {
    this.stopped = true;
    this.finishFirstAttempt();
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(at: number, attempt: 'regular' | 'retry'): void {
    const delay = Math.max(0, at - this.host.clock.now());
    this.timer = this.host.clock.setTimeout(() => void this.run(attempt), delay);
  }

  private async run(attempt: 'regular' | 'retry'): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    const quiet = this.warmup && !this.succeeded && (attempt === 'retry' || this.regularRuns === 0);
    if (attempt === 'regular') this.regularRuns++;
    const outcome = await this.host.check();
    if (this.stopped) return;
    this.handle(outcome, quiet);
    this.finishFirstAttempt();
    if (!this.stopped && !this.onHold) this.scheduleNext();
  }

  private handle(outcome: ProbeOutcome, quiet: boolean): void {
    const label = LABELS[this.kind];
    switch (outcome.result) {
      case 'unknown':
        // An attempt that could not run says nothing about the container: no count.
        if (!quiet) this.host.event('Unhealthy', `${label} probe errored and resulted in unknown state: ${outcome.error}`);
        return;
      case 'warning':
        this.host.event('ProbeWarning', `${label} probe warning: ${outcome.output}`);
        this.record('success', outcome.output);
        return;
      case 'success':
        this.record('success', outcome.output);
        return;
      case 'failure':
        if (quiet) return;
        this.host.event('Unhealthy', `${label} probe failed: ${outcome.output}`);
        this.record('failure', outcome.output);
        return;
    }
  }

  private record(result: 'success' | 'failure', output: string): void {
    if (result === 'success') this.succeeded = true;
    if (result === this.lastResult) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    const threshold = result === 'failure' ? this.settings.failureThreshold : this.settings.successThreshold;
    if (this.resultRun < threshold) return;
    // A failed liveness probe means a new container; a startup probe's verdict is final either way.
    if ((this.kind === 'liveness' && result === 'failure') || this.kind === 'startup') {
      this.onHold = true;
      this.resultRun = 0;
    }
    this.host.settle(result, output);
  }

  private scheduleNext(): void {
    const now = this.host.clock.now();
    while (this.regularAt <= now) this.regularAt += this.settings.periodMs;
    if (this.warmup && !this.succeeded && this.regularRuns <= 1) {
      const retryAt = now + this.retryDelayMs;
      this.retryDelayMs *= 2;
      if (retryAt < this.regularAt) {
        this.arm(retryAt, 'retry');
        return;
      }
    }
    this.arm(this.regularAt, 'regular');
  }
}
