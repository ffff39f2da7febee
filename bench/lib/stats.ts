// Latency statistics for benchmarks: nearest-rank percentiles over raw samples (no
// histogram buckets, so small runs are exact), plus rate helpers.

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of samples already sorted ascending. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1];
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const count = sorted.length;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count,
    min: count ? sorted[0] : Number.NaN,
    mean: count ? sum / count : Number.NaN,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    max: count ? sorted[count - 1] : Number.NaN,
  };
}

/** Rounds every number in a summary for printing/JSON (3 decimals is µs resolution). */
export function roundSummary(s: LatencySummary, decimals = 3): LatencySummary {
  const f = 10 ** decimals;
  const r = (n: number) => (Number.isFinite(n) ? Math.round(n * f) / f : n);
  return { count: s.count, min: r(s.min), mean: r(s.mean), p50: r(s.p50), p90: r(s.p90), p99: r(s.p99), max: r(s.max) };
}

export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((count * 1000) / elapsedMs) : 0;
}
