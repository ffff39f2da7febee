// Periodic history compaction, so the datastore does not grow without bound when the same
// objects are rewritten forever (status updates, leases, endpoints).
//
// Policy: every `intervalSeconds` (default 60) compact to `currentRevision - retainRevisions`
// (default 10,000). Kubernetes compacts every 5 minutes by time; we keep a fixed number of
// revisions instead because it bounds disk use whatever the write rate is, and a client that
// falls further behind than that simply gets 410 Expired and relists, which informers and
// `kubectl get -w` already handle. At a typical small-cluster rate (a few writes per second)
// 10,000 revisions is far more than 5 minutes of history.

import type { Store } from './store.ts';

/** A store with extra housekeeping to run after compacting (SQLite: WAL checkpoint, free-page reuse). */
export interface MaintainableStore extends Store {
  maintenance(): void | Promise<void>;
}

export interface CompactorOptions {
  intervalSeconds?: number;
  retainRevisions?: number;
  /** Where failures of a background pass go; defaults to stderr. */
  onError?: (err: unknown) => void;
}

export interface CompactionPass {
  /** The revision compacted to, or undefined when there was nothing old enough. */
  compactedTo: number | undefined;
}

export const DEFAULT_COMPACTION_INTERVAL_SECONDS = 60;
export const DEFAULT_RETAIN_REVISIONS = 10_000;

export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<CompactionPass> | undefined;
  private readonly intervalMs: number;
  private readonly retain: number;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly store: Store,
    options: CompactorOptions = {},
  ) {
    this.intervalMs = (options.intervalSeconds ?? DEFAULT_COMPACTION_INTERVAL_SECONDS) * 1000;
    this.retain = options.retainRevisions ?? DEFAULT_RETAIN_REVISIONS;
    if (!(this.intervalMs > 0)) throw new Error('compaction interval must be positive');
    if (!(this.retain >= 0)) throw new Error('retained revisions must not be negative');
    this.onError = options.onError ?? ((err) => console.error('storage compactor:', err));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.runOnce().catch(this.onError);
    }, this.intervalMs);
    // The compactor alone must not keep the process alive.
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  /** One compaction pass; a pass already in progress is joined rather than overlapped. */
  runOnce(): Promise<CompactionPass> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async pass(): Promise<CompactionPass> {
    const target = (await this.store.currentRevision()) - this.retain;
    if (target <= (await this.store.compactedRevision())) return { compactedTo: undefined };
    await this.store.compact(target);
    if (isMaintainable(this.store)) await this.store.maintenance();
    return { compactedTo: target };
  }
}

function isMaintainable(store: Store): store is MaintainableStore {
  return typeof (store as Partial<MaintainableStore>).maintenance === 'function';
}
