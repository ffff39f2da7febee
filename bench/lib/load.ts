// Two ways to put load on a server:
//  - closed loop: N clients, each sends its next request when the previous one answers;
//    measures the maximum throughput and the latency at that throughput.
//  - open loop: requests are sent on a fixed schedule whether or not earlier ones have
//    answered, and latency counts from the scheduled send time, so a slow server cannot
//    hide its queueing by slowing the client down ("coordinated omission").

/** One request; resolves to its HTTP status code. */
export type Operation = (index: number) => Promise<number>;

export interface LoadResult {
  /** Per request, milliseconds, successful (2xx) requests only. */
  latenciesMs: number[];
  /** Latency of request i at index i; NaN where it failed (for per-verb breakdowns). */
  latencyByIndex: number[];
  elapsedMs: number;
  ok: number;
  /** Non-2xx responses and transport errors, by status code ("error" for the latter). */
  failures: Record<string, number>;
}

function record(result: LoadResult, index: number, status: number | 'error', ms: number): void {
  if (typeof status === 'number' && status >= 200 && status < 300) {
    result.ok++;
    result.latenciesMs.push(ms);
    result.latencyByIndex[index] = ms;
  } else {
    result.failures[String(status)] = (result.failures[String(status)] ?? 0) + 1;
  }
}

export async function runClosedLoop(clients: number, total: number, op: Operation): Promise<LoadResult> {
  const result: LoadResult = { latenciesMs: [], latencyByIndex: new Array(total).fill(Number.NaN), elapsedMs: 0, ok: 0, failures: {} };
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < total) {
      const index = next++;
      const sent = performance.now();
      let status: number | 'error';
      try {
        status = await op(index);
      } catch {
        status = 'error';
      }
      record(result, index, status, performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, total) }, client));
  result.elapsedMs = performance.now() - started;
  return result;
}

export interface OpenLoopResult extends LoadResult {
  /** Requests actually sent per second (should equal the target rate). */
  sentPerSecond: number;
  maxInFlight: number;
  /** How late the client sent each request (ms after its scheduled time): client stalls. */
  sendLagMs: number[];
}

export async function runOpenLoop(ratePerSecond: number, durationMs: number, op: Operation): Promise<OpenLoopResult> {
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const result: OpenLoopResult = {
    latenciesMs: [],
    latencyByIndex: new Array(total).fill(Number.NaN),
    elapsedMs: 0,
    ok: 0,
    failures: {},
    sentPerSecond: 0,
    maxInFlight: 0,
    sendLagMs: [],
  };
  const intervalMs = 1000 / ratePerSecond;
  const pending: Promise<void>[] = [];
  let inFlight = 0;
  let sent = 0;
  const started = performance.now();
  const fire = (index: number, scheduledAt: number) => {
    result.sendLagMs.push(performance.now() - scheduledAt);
    inFlight++;
    result.maxInFlight = Math.max(result.maxInFlight, inFlight);
    pending.push(
      op(index)
        .then(
          (status) => record(result, index, status, performance.now() - scheduledAt),
          () => record(result, index, 'error', performance.now() - scheduledAt),
        )
        .finally(() => inFlight--),
    );
  };
  // Timers fire at most about once a millisecond; each tick sends everything now due.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + sent * intervalMs <= now) {
        fire(sent, started + sent * intervalMs);
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()));
    };
    tick();
  });
  const sendingMs = performance.now() - started;
  await Promise.all(pending);
  result.elapsedMs = performance.now() - started;
  // n sends span n-1 intervals; a client that fell behind shows here as a lower rate.
  result.sentPerSecond = total > 1 ? Math.round(((total - 1) * 1000) / sendingMs) : total;
  return result;
}
