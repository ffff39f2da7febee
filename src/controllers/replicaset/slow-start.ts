// Kubernetes' slowStartBatch: run `count` calls in batches of 1, 2, 4, … (each batch in
// parallel), stopping after the first batch with a failure. A create that fails for a
// systemic reason (quota, admission) then fails once or twice instead of hundreds of times.

export interface SlowStartResult {
  successes: number;
  /** The first error of the failing batch, if any. */
  error?: unknown;
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failures.length;
    if (failures.length) return { successes, error: failures[0].reason };
    remaining -= batch;
  }
  return { successes };
}
