// Per-node back-off for replacing failed daemon pods (Kubernetes' failedPodsBackoff): a
// kubelet that keeps rejecting a DaemonSet's pod must not make the controller hot-loop
// creating and deleting it. The first failure is replaced at once; repeats wait 1 s, 2 s,
// 4 s … up to the maximum; an entry idle for twice the maximum starts over.
interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class FailedPodBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** Milliseconds still to wait before `key` may act again (0 when it may act now). */
  waitFor(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    return Math.max(0, entry.lastUpdate + entry.delayMs - now);
  }

  /** Records an action for `key`: the next one waits longer. */
  next(key: string, now: number): void {
    const entry = this.entries.get(key);
    if (!entry || now - entry.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
      return;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.maxMs);
    entry.lastUpdate = now;
  }

  /** Drops every entry whose key starts with `prefix` (a deleted DaemonSet). */
  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
