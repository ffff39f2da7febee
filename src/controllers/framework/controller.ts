// The controller loop shared by every controller (kubernetes/sample-controller's shape):
// informer events enqueue keys; workers take a key, call the level-triggered, idempotent
// reconcile(key), and requeue it with per-item back-off when it fails.
import type { Logger } from 'pino';
import { WorkQueue } from '../../client/workqueue.ts';

const maxRequeueMs = 60 * 60 * 1000;

export interface ReconcileResult {
  /** Reconcile again after this many milliseconds (e.g. to wait out a grace period). */
  requeueAfterMs?: number;
}

export abstract class Controller {
  protected readonly queue = new WorkQueue<string>();
  private workers: Promise<void>[] = [];

  constructor(
    readonly name: string,
    protected readonly logger: Logger,
  ) {}

  /** Make one step of progress towards the desired state of `key`. Throw to retry with back-off. */
  protected abstract reconcile(key: string): Promise<ReconcileResult | undefined>;

  enqueue(key: string): void {
    this.queue.add(key);
  }

  run(workers = 1): void {
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.reconcile(key);
        this.queue.forget(key);
        // setTimeout fires at once past ~24.8 days: look again at least hourly instead.
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, Math.min(result.requeueAfterMs, maxRequeueMs));
      } catch (err) {
        this.logger.warn(
          { controller: this.name, key, err: err instanceof Error ? err.message : String(err) },
          'reconcile failed; retrying',
        );
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}
