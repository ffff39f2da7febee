// Writes the scheduler's events without letting them pile up: a few at a time, in order,
// and dropping (with a count) when thousands are waiting — as client-go's event
// broadcaster does — so a burst of scheduling never floods the API server with events.
import type { KubeObject } from '../api/resource-type.ts';
import type { EventRecorder, EventType } from '../controllers/framework/event-recorder.ts';

interface PendingEvent {
  obj: KubeObject;
  type: EventType;
  reason: string;
  message: string;
}

export class EventSink {
  private readonly pending: PendingEvent[] = [];
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  dropped = 0;

  constructor(
    private readonly recorder: EventRecorder,
    private readonly concurrency = 8,
    private readonly maxPending = 5000,
  ) {}

  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    if (this.pending.length >= this.maxPending) {
      this.dropped++;
      return;
    }
    this.pending.push({ obj, type, reason, message });
    this.pump();
  }

  /** Resolves once everything queued so far has been written (or dropped). */
  idle(): Promise<void> {
    if (this.running === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.pending.length > 0) {
      const e = this.pending.shift()!;
      this.running++;
      void this.recorder.event(e.obj, e.type, e.reason, e.message).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.pending.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }
}
