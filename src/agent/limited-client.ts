// Views of a RestClient that share one bound on the requests in flight (watches excepted),
// queueing the rest in order. A burst of pods makes the agent fire hundreds of writes at once
// (three events and a few status writes per pod); without a bound each one opened its own
// connection, and the handshakes on both ends cost more CPU than the requests. With a bound the
// keep-alive pool stays small and warm. (The kubelet throttles its API client too, with a QPS
// limit.)
//
// Two lanes share the gate. Foreground requests (pod status writes, config objects) run up to
// `limit` at once. Background requests (Events) run only once no foreground request has been
// in flight or waiting for `quietMs`, or once one has waited `maxDelayMs`: during a burst the
// status writes that show pods Running and Ready go first, and the Events follow when the
// burst is over (measured: sent during a burst of 100 pods, the 300 Events cost 15–25 % of the
// burst's CPU). Like the kubelet's event broadcaster, which queues events and sends them
// asynchronously at a limited rate, an Event may reach the API a little after what it
// reports; its timestamps are taken when it is recorded.
import type { RestClient } from '../client/rest-client.ts';

export interface BackgroundLane {
  /** Background requests in flight at once. */
  limit: number;
  /** A background request waits for an idle foreground at most this long. */
  maxDelayMs: number;
  /** How long the foreground must have been idle (default 0: idle now is enough). */
  quietMs?: number;
}

/** The Events lane of the agent: 4 in flight, after 250 ms without status writes or pod starts, none held back more than 2 s. */
export const DEFAULT_BACKGROUND_LANE: BackgroundLane = { limit: 4, maxDelayMs: 2_000, quietMs: 250 };

export class RequestGate {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private backgroundRunning = 0;
  private readonly backgroundQueue: { start: () => void; since: number }[] = [];
  private agingTimer?: NodeJS.Timeout;
  private agingTimerDue = 0;
  /** When a foreground request (or hold) last started or ended. */
  private foregroundActiveAt = Number.NEGATIVE_INFINITY;
  private holds = 0;

  constructor(
    private readonly limit: number,
    private readonly background: BackgroundLane = DEFAULT_BACKGROUND_LANE,
  ) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    this.foregroundActiveAt = performance.now();
    try {
      return await task();
    } finally {
      this.foregroundActiveAt = performance.now();
      // Hand the slot straight to the next waiter, or free it.
      const next = this.queue.shift();
      if (next) next();
      else {
        this.running--;
        this.startBackground();
      }
    }
  }

  async runInBackground<T>(task: () => Promise<T>): Promise<T> {
    // Queued in order; startBackground starts the head at once when it may.
    await new Promise<void>((start) => {
      this.backgroundQueue.push({ start, since: performance.now() });
      this.startBackground();
    });
    try {
      return await task();
    } finally {
      this.backgroundRunning--;
      this.startBackground();
    }
  }

  /**
   * Marks foreground work that does not go through the gate (pods being started): background
   * requests wait while any is held, and quietMs after. Returns its release.
   */
  hold(): () => void {
    this.holds++;
    this.foregroundActiveAt = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.foregroundActiveAt = performance.now();
      this.startBackground();
    };
  }

  private foregroundIdle(): boolean {
    return this.running === 0 && this.queue.length === 0 && this.holds === 0;
  }

  /** When the foreground will have been quiet long enough, if it is idle now. */
  private quietAt(): number {
    return this.foregroundIdle() ? this.foregroundActiveAt + (this.background.quietMs ?? 0) : Number.POSITIVE_INFINITY;
  }

  private backgroundMayStart(now: number, waitingSince: number): boolean {
    if (this.backgroundRunning >= this.background.limit) return false;
    return now >= this.quietAt() || now - waitingSince >= this.background.maxDelayMs;
  }

  private startBackground(): void {
    const now = performance.now();
    while (this.backgroundQueue.length > 0 && this.backgroundMayStart(now, this.backgroundQueue[0].since)) {
      this.backgroundRunning++;
      this.backgroundQueue.shift()?.start();
    }
    this.armAgingTimer();
  }

  /**
   * Wakes the oldest background request when the foreground has been quiet long enough, or
   * when it has waited maxDelayMs, busy foreground or not. A wake-up that finds the foreground
   * busy again does nothing but arm the next one.
   */
  private armAgingTimer(): void {
    // A full lane starts its next request when one ends (runInBackground's finally), not on a timer.
    if (this.backgroundQueue.length === 0 || this.backgroundRunning >= this.background.limit) return;
    const due = Math.min(this.backgroundQueue[0].since + this.background.maxDelayMs, this.quietAt());
    if (this.agingTimer && this.agingTimerDue <= due) return;
    clearTimeout(this.agingTimer);
    this.agingTimerDue = due;
    this.agingTimer = setTimeout(
      () => {
        this.agingTimer = undefined;
        this.startBackground();
      },
      Math.max(0, due - performance.now()),
    );
    this.agingTimer.unref();
  }
}

const directSlot = Symbol('hale.directSlot');
type SlotRunner = <T>(task: (direct: RestClient) => Promise<T>) => Promise<T>;

/**
 * Every verb of RestClient (get, list, create, update, patch, delete, …) goes through
 * `request`; the view overrides only that and inherits the rest, so `watch` streams are not
 * counted (they stay open for minutes).
 */
function gatedView(client: RestClient, run: <T>(task: () => Promise<T>) => Promise<T>): RestClient {
  const view = Object.create(client) as RestClient;
  view.request = (method, path, opts) => run(() => client.request(method, path, opts));
  const slot: SlotRunner = (task) => run(() => task(client));
  Object.defineProperty(view, directSlot, { value: slot });
  return view;
}

/** A view whose requests are foreground requests of `gate`. */
export function foregroundClient(client: RestClient, gate: RequestGate): RestClient {
  return gatedView(client, (task) => gate.run(task));
}

/** A view whose requests are background requests of `gate` (see RequestGate). */
export function backgroundClient(client: RestClient, gate: RequestGate): RestClient {
  return gatedView(client, (task) => gate.runInBackground(task));
}

/** A view that sends at most `limit` requests at a time, in a gate of its own. */
export function withConcurrencyLimit(client: RestClient, limit: number): RestClient {
  return foregroundClient(client, new RequestGate(limit));
}

/**
 * Runs `task` in one slot of the view's gate, with the client behind the view: work that must
 * be computed just before it is sent (a status merged from the newest state) waits for the
 * slot first. On a client without a gate, `task` runs at once with that client.
 */
export function inRequestSlot<T>(client: RestClient, task: (direct: RestClient) => Promise<T>): Promise<T> {
  const slot = (client as unknown as { [directSlot]?: SlotRunner })[directSlot];
  return slot ? slot(task) : task(client);
}
