// Pods waiting to be scheduled, as in kube-scheduler's PriorityQueue:
//  - active: ready to try now, highest priority first, then oldest first;
//  - backoff: failed recently, retried after 1 s, 2 s, 4 s … (max 10 s) per attempt;
//  - unschedulable: no node fit; they wait for a cluster change that might help (a node
//    added or changed, a pod removed), and are retried anyway after a while.
// A failure that raced with such a change goes to backoff instead, so it is not missed.
import type { KubeObject } from '../api/resource-type.ts';
import { type PodInfo, podInfoOf } from './pod-info.ts';

export interface QueuedPod {
  info: PodInfo;
  /** When the pod first entered the queue (ms, for ordering and latency). */
  addedAt: number;
  attempts: number;
  /** When the last attempt failed (ms). */
  failedAt?: number;
  /** Where the pod is; undefined while it is being scheduled. */
  where?: 'active' | 'backoff' | 'unschedulable';
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at least this often even without a cluster change. */
  maxInUnschedulableMs?: number;
  now?: () => number;
}

const keyOf = (pod: KubeObject) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

/** Higher priority first, then the pod that has waited longest. */
function before(a: QueuedPod, b: QueuedPod): boolean {
  if (a.info.priority !== b.info.priority) return a.info.priority > b.info.priority;
  return a.addedAt < b.addedAt;
}

export class SchedulingQueue {
  private readonly pods = new Map<string, QueuedPod>();
  private readonly active: QueuedPod[] = [];
  private readonly backoff = new Set<QueuedPod>();
  private readonly unschedulable = new Set<QueuedPod>();
  private readonly waiters: ((p: QueuedPod | undefined) => void)[] = [];
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly now: () => number;
  private backoffTimer?: NodeJS.Timeout;
  private backoffTimerAt = Number.POSITIVE_INFINITY;
  private flushTimer?: NodeJS.Timeout;
  private closed = false;
  /** Incremented on every pop; compared with the cycle of the last move request. */
  private schedulingCycle = 0;
  private moveRequestCycle = -1;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
    this.flushTimer = setInterval(() => this.flushUnschedulableLeftover(), Math.min(30_000, this.maxInUnschedulableMs));
    this.flushTimer.unref();
  }

  get cycle(): number {
    return this.schedulingCycle;
  }

  /** A new pending pod, or a newer version of one already waiting. */
  addOrUpdate(pod: KubeObject): void {
    if (this.closed) return;
    const key = keyOf(pod);
    const queued = this.pods.get(key);
    if (!queued) {
      const entry: QueuedPod = { info: podInfoOf(pod), addedAt: this.now(), attempts: 0 };
      this.pods.set(key, entry);
      this.pushActive(entry);
      return;
    }
    const changed = queued.info.uid !== pod.metadata?.uid || specOrLabelsChanged(queued.info.pod, pod);
    queued.info = podInfoOf(pod);
    // An update may make an unschedulable pod schedulable (new tolerations, labels …).
    if (changed && queued.where === 'unschedulable') {
      this.unschedulable.delete(queued);
      this.requeue(queued);
    }
  }

  delete(pod: KubeObject): void {
    const key = keyOf(pod);
    const queued = this.pods.get(key);
    if (!queued || (pod.metadata?.uid && queued.info.uid !== pod.metadata.uid)) return;
    this.pods.delete(key);
    this.detach(queued);
  }

  /** Is this pod (by key) queued or being scheduled? */
  has(pod: KubeObject): boolean {
    return this.pods.has(keyOf(pod));
  }

  /** Waits for the next pod to schedule; undefined once the queue is closed. */
  pop(): Promise<QueuedPod | undefined> {
    const next = this.takeActive();
    if (next) return Promise.resolve(next);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The pod was scheduled (or dropped): forget it. */
  done(entry: QueuedPod): void {
    const key = entry.info.key;
    if (this.pods.get(key) === entry && entry.where === undefined) this.pods.delete(key);
  }

  /** No node fit. `cycle` is the scheduling cycle in which the pod was popped. */
  addUnschedulable(entry: QueuedPod, cycle: number): void {
    if (this.pods.get(entry.info.key) !== entry || entry.where !== undefined) return;
    entry.failedAt = this.now();
    if (this.moveRequestCycle >= cycle) {
      // The cluster changed while this pod was being scheduled: try again soon.
      this.addBackoff(entry);
      return;
    }
    entry.where = 'unschedulable';
    this.unschedulable.add(entry);
  }

  /** An error (e.g. the binding failed): retry after back-off. */
  addBackoff(entry: QueuedPod): void {
    if (this.pods.get(entry.info.key) !== entry || (entry.where !== undefined && entry.where !== 'unschedulable')) return;
    entry.failedAt ??= this.now();
    entry.where = 'backoff';
    this.backoff.add(entry);
    this.armBackoffTimer(this.backoffExpiry(entry));
  }

  /** Something changed that may let unschedulable pods fit: give them another try. */
  moveAllToActiveOrBackoff(): void {
    this.moveRequestCycle = this.schedulingCycle;
    if (this.unschedulable.size === 0) return;
    const moving = [...this.unschedulable];
    this.unschedulable.clear();
    for (const entry of moving) this.requeue(entry);
  }

  pendingCounts(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.active.length, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
  }

  // ---- internals ----

  backoffDurationMs(entry: QueuedPod): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < entry.attempts && d < this.maxBackoffMs; i++) d *= 2;
    return Math.min(d, this.maxBackoffMs);
  }

  private backoffExpiry(entry: QueuedPod): number {
    return (entry.failedAt ?? 0) + this.backoffDurationMs(entry);
  }

  private requeue(entry: QueuedPod): void {
    entry.where = undefined;
    if (this.backoffExpiry(entry) <= this.now()) this.pushActive(entry);
    else this.addBackoff(entry);
  }

  private detach(entry: QueuedPod): void {
    if (entry.where === 'active') {
      const i = this.active.indexOf(entry);
      if (i >= 0) this.removeActiveAt(i);
    } else if (entry.where === 'backoff') this.backoff.delete(entry);
    else if (entry.where === 'unschedulable') this.unschedulable.delete(entry);
    entry.where = undefined;
  }

  private flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const entry of [...this.unschedulable]) {
      if (now - (entry.failedAt ?? now) >= this.maxInUnschedulableMs) {
        this.unschedulable.delete(entry);
        this.requeue(entry);
      }
    }
  }

  private armBackoffTimer(at: number): void {
    if (this.closed || at >= this.backoffTimerAt) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = setTimeout(() => this.flushBackoff(), Math.max(0, at - this.now()));
    this.backoffTimer.unref();
  }

  private flushBackoff(): void {
    this.backoffTimer = undefined;
    this.backoffTimerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of [...this.backoff]) {
      const expiry = this.backoffExpiry(entry);
      if (expiry <= now) {
        this.backoff.delete(entry);
        entry.where = undefined;
        this.pushActive(entry);
      } else if (expiry < next) next = expiry;
    }
    if (next !== Number.POSITIVE_INFINITY) this.armBackoffTimer(next);
  }

  private pushActive(entry: QueuedPod): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.startAttempt(entry);
      waiter(entry);
      return;
    }
    entry.where = 'active';
    // Binary heap insert.
    const heap = this.active;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private takeActive(): QueuedPod | undefined {
    if (this.active.length === 0) return undefined;
    const top = this.active[0];
    this.removeActiveAt(0);
    this.startAttempt(top);
    return top;
  }

  private startAttempt(entry: QueuedPod): void {
    entry.where = undefined;
    entry.attempts++;
    this.schedulingCycle++;
  }

  private removeActiveAt(index: number): void {
    const heap = this.active;
    const last = heap.pop()!;
    if (index === heap.length) return;
    heap[index] = last;
    // Restore the heap property in both directions.
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < heap.length && before(heap[l], heap[best])) best = l;
      if (r < heap.length && before(heap[r], heap[best])) best = r;
      if (best === i) break;
      [heap[i], heap[best]] = [heap[best], heap[i]];
      i = best;
    }
  }
}

function specOrLabelsChanged(a: KubeObject, b: KubeObject): boolean {
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec) || JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels);
}
