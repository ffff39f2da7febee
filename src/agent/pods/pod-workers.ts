// One worker per pod (the kubelet's podWorkers): syncs of the same pod never overlap, a wake-up
// during a sync causes exactly one more sync afterwards, and each sync may ask to be woken again
// later (back-off expiry, retries, periodic refresh). Pods are keyed by uid, so a pod deleted
// and re-created under the same name gets a fresh worker.

import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import type { AdmittedRequests } from './pod-admission.ts';
import type { WaitingReason } from './pod-status.ts';
import type { TerminationDeadline } from './termination-deadline.ts';

/** Everything the agent remembers about one pod between syncs (the rest comes from the runtime). */
export interface PodWorkerState {
  uid: string;
  /** The newest pod object seen. */
  pod: KubeObject;
  /** Gone from the API (or no longer bound to this node). */
  deleted: boolean;
  /** Terminated and cleaned up (or, for a pod that ended, wound down): nothing left to do. */
  finished: boolean;
  /** Terminated for its deletion: killed, cleaned up, deletion confirmed. */
  terminated: boolean;
  /** While it is being terminated: when its containers must be gone (a later delete may bring it forward). */
  terminationDeadline?: TerminationDeadline;
  /** When the agent first saw the pod (status.startTime when the API has none). */
  firstSeen: Date;
  /** Container name → why it waits (set by the last sync). */
  waiting: Map<string, WaitingReason>;
  /** Container id → why it must be killed (liveness/startup probe failure). */
  pendingKills: Map<string, { probe: 'liveness' | 'startup'; message: string }>;
  /** Container names to restart at once, skipping back-off (after a probe-triggered kill). */
  restartNow: Set<string>;
  /** Container ids with an exit watcher / registered with the prober. */
  watched: Set<string>;
  probed: Set<string>;
  /** First readiness attempts of containers this sync started (see PodSync.awaitFirstReadiness). */
  firstReadiness: Promise<void>[];
  /** Container id → terminated.message (exited containers do not change). */
  messages: Map<string, string>;
  /** The last sync's wake-up replaces an earlier planned one (set by a sync in crash-loop back-off). */
  replaceWake: boolean;
  /** Exited container ids whose terminated state was handed to the status writer before their restart. */
  exitsReported: Set<string>;
  /** Exited container ids an OOMKilling event was already recorded for (or skipped). */
  oomReported: Set<string>;
  lastPodIP?: string;
  /** Its requests, once the agent admitted it (pod-admission.ts): what it takes of the node. */
  admitted?: AdmittedRequests;
  /** Evicted by the eviction manager (local storage over a limit): kill it, phase Failed, reason Evicted. */
  eviction?: { reason: string; message: string };
  lastVolumeRefresh: number;
  lastMountError?: string;
}

export function newPodWorkerState(pod: KubeObject): PodWorkerState {
  return {
    uid: pod.metadata?.uid,
    pod,
    deleted: false,
    finished: false,
    terminated: false,
    firstSeen: new Date(),
    waiting: new Map(),
    pendingKills: new Map(),
    restartNow: new Set(),
    watched: new Set(),
    probed: new Set(),
    firstReadiness: [],
    messages: new Map(),
    replaceWake: false,
    exitsReported: new Set(),
    oomReported: new Set(),
    lastVolumeRefresh: 0,
  };
}

/** Syncs one pod; returns milliseconds after which it wants another sync, if any. */
export type SyncFunction = (state: PodWorkerState) => Promise<number | undefined>;

interface Worker {
  state: PodWorkerState;
  running?: Promise<void>;
  dirty: boolean;
  timer?: NodeJS.Timeout;
  timerAt?: number;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;

  constructor(
    private readonly sync: SyncFunction,
    private readonly logger?: Logger,
    private readonly errorRetryMs = 2000,
  ) {}

  /**
   * A pod was added or changed: remember the newest object and sync it. With `sync: false`
   * (the echo of the agent's own status write, which tells it nothing new) a known pod's
   * object is only replaced.
   */
  update(pod: KubeObject, opts: { sync?: boolean } = {}): void {
    const uid = pod.metadata?.uid;
    if (!uid || this.stopped) return;
    let worker = this.workers.get(uid);
    if (!worker) {
      worker = { state: newPodWorkerState(pod), dirty: false };
      this.workers.set(uid, worker);
    } else {
      worker.state.pod = pod;
      if (opts.sync === false) return;
    }
    this.wake(uid);
  }

  /** The pod is gone from the API (or this node): terminate and clean up. */
  markDeleted(pod: KubeObject): void {
    const uid = pod.metadata?.uid;
    if (!uid || this.stopped) return;
    let worker = this.workers.get(uid);
    if (!worker) {
      worker = { state: newPodWorkerState(pod), dirty: false };
      this.workers.set(uid, worker);
    }
    worker.state.deleted = true;
    this.wake(uid);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  get(uid: string): PodWorkerState | undefined {
    return this.workers.get(uid)?.state;
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  wake(uid: string): void {
    const worker = this.workers.get(uid);
    if (!worker || this.stopped) return;
    worker.dirty = true;
    if (!worker.running) worker.running = this.run(worker);
  }

  /** Wakes the pod after `ms` unless an earlier wake-up is already planned (or `replace` drops it). */
  wakeAfter(uid: string, ms: number, replace = false): void {
    const worker = this.workers.get(uid);
    if (!worker || this.stopped) return;
    const at = Date.now() + ms;
    if (!replace && worker.timer && worker.timerAt !== undefined && worker.timerAt <= at) return;
    if (worker.timer) clearTimeout(worker.timer);
    worker.timerAt = at;
    worker.timer = setTimeout(() => {
      worker.timer = undefined;
      worker.timerAt = undefined;
      this.wake(uid);
    }, ms);
    worker.timer.unref?.();
  }

  /** Stops syncing (running syncs finish); containers are left as they are. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const worker of this.workers.values()) if (worker.timer) clearTimeout(worker.timer);
    await Promise.all([...this.workers.values()].map((w) => w.running));
  }

  /** Resolves when no pod is syncing or due for an immediate sync (for tests). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.workers.values()].map((w) => w.running).filter((p) => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  private async run(worker: Worker): Promise<void> {
    try {
      while (worker.dirty && !this.stopped) {
        worker.dirty = false;
        let next: number | undefined;
        try {
          next = await this.sync(worker.state);
        } catch (err) {
          const pod = worker.state.pod.metadata ?? {};
          this.logger?.warn(
            { pod: `${pod.namespace}/${pod.name}`, err: err instanceof Error ? err.message : String(err) },
            'pod sync failed',
          );
          next = this.errorRetryMs;
        }
        if (worker.state.finished) {
          if (worker.timer) clearTimeout(worker.timer);
          // Gone from the API: forget it. Still listed (e.g. a finished pod): keep the worker idle,
          // unless it was woken during this sync (a deletion arriving as the pod completed):
          // that wake still gets its sync, or the deletion would never be confirmed.
          if (worker.state.deleted) {
            this.workers.delete(worker.state.uid);
            break;
          }
          continue;
        }
        const replace = worker.state.replaceWake;
        worker.state.replaceWake = false;
        if (next !== undefined && !this.stopped) this.wakeAfter(worker.state.uid, next, replace);
      }
    } finally {
      worker.running = undefined;
    }
  }
}
