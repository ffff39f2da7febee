// An adaptive failure detector (Hayashibara et al., "The φ accrual failure detector", 2004),
// fed with the times the controller saw a node's Lease renewed (its rhythm) and, as other
// signs of life, the times it saw the agent post a new heartbeat in the Node's status.
//
// It keeps the last `windowSize` intervals between renewals and models the next interval as
// normal with their mean μ and standard deviation σ (σ never below `minStdDeviationMs`, so a
// perfectly regular node is not judged on a zero-width curve). For the time Δ since the last
// renewal,
//
//     φ(Δ) = −log10( P(next interval > Δ) )
//
// so φ = 1 means a 10 % chance that the renewal is merely late, φ = 8 one in 10^8. The tail
// probability uses the logistic approximation of the normal CDF that Akka and Cassandra use:
// with y = (Δ − μ) / σ and e = exp(−y · (1.5976 + 0.070566 · y²)), P = e / (1 + e).
//
// A node whose renewals become irregular (CPU hog, GC pause, slow disk) widens σ, so it must
// be silent for longer before φ crosses the threshold: that is the "adaptive" part.
export interface PhiAccrualOptions {
  /** Intervals remembered (default 50). */
  windowSize?: number;
  /** Floor for σ in ms (default 200). */
  minStdDeviationMs?: number;
  /** The interval assumed before any renewal was seen twice (the agent's renew interval, default 1000). */
  firstIntervalMs?: number;
}

export class PhiAccrualDetector {
  private readonly intervals: number[] = [];
  private readonly windowSize: number;
  private readonly minStd: number;
  /** The last sign of life of any kind: silences are measured from it. */
  private last?: number;
  /** The last heartbeat of the rhythm (Lease renewals): intervals are measured between these. */
  private lastBeat?: number;

  constructor(opts: PhiAccrualOptions = {}) {
    this.windowSize = Math.max(2, opts.windowSize ?? 50);
    this.minStd = Math.max(1, opts.minStdDeviationMs ?? 200);
    const first = opts.firstIntervalMs ?? 1000;
    // Seed with a plausible history so the first judgement is neither instant nor endless.
    this.intervals.push(first, first);
  }

  /** The time of the last heartbeat or other sign of life, if any. */
  get lastHeartbeatAt(): number | undefined {
    return this.last;
  }

  /** Records a heartbeat seen at `at` (ms). */
  heartbeat(at: number): void {
    if (this.lastBeat !== undefined && at > this.lastBeat) {
      this.intervals.push(at - this.lastBeat);
      if (this.intervals.length > this.windowSize) this.intervals.shift();
    }
    this.advance(at, true);
  }

  /**
   * Records a heartbeat after a silence already judged a failure: the gap is not a sample
   * of the node's healthy rhythm, so it is not remembered (it would blunt the detector).
   */
  resume(at: number): void {
    this.advance(at, true);
  }

  /**
   * Records a sign of life outside the rhythm (the node's own status write): the silence
   * starts again from it, but the interval statistics stay those of the heartbeats, which an
   * occasional extra sample would skew.
   */
  signOfLife(at: number): void {
    this.advance(at, false);
  }

  private advance(at: number, beat: boolean): void {
    if (this.last === undefined || at > this.last) this.last = at;
    if (beat && (this.lastBeat === undefined || at > this.lastBeat)) this.lastBeat = at;
  }

  /** Mean and (floored) standard deviation of the remembered intervals. */
  stats(): { meanMs: number; stdDeviationMs: number } {
    const n = this.intervals.length;
    const mean = this.intervals.reduce((a, b) => a + b, 0) / n;
    const variance = this.intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    return { meanMs: mean, stdDeviationMs: Math.max(Math.sqrt(variance), this.minStd) };
  }

  /** φ at time `now`; 0 before the first heartbeat. */
  phi(now: number): number {
    if (this.last === undefined) return 0;
    const { meanMs, stdDeviationMs } = this.stats();
    return phiOf(now - this.last, meanMs, stdDeviationMs);
  }

  /** How long after the last heartbeat φ reaches `threshold` (for scheduling the next look). */
  silenceForPhi(threshold: number): number {
    const { meanMs, stdDeviationMs } = this.stats();
    // φ is monotonic in Δ: bisect between the mean and a generous upper bound.
    let lo = 0;
    let hi = meanMs + 100 * stdDeviationMs;
    for (let i = 0; i < 50; i++) {
      const mid = (lo + hi) / 2;
      if (phiOf(mid, meanMs, stdDeviationMs) >= threshold) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

/** φ for a silence of `elapsedMs` given the interval distribution. */
export function phiOf(elapsedMs: number, meanMs: number, stdDeviationMs: number): number {
  const y = (elapsedMs - meanMs) / stdDeviationMs;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  // Two forms of the same value, each numerically stable on its side of the mean.
  const p = elapsedMs > meanMs ? e / (1 + e) : 1 - 1 / (1 + e);
  return p <= 0 ? Number.POSITIVE_INFINITY : -Math.log10(p);
}
