// Controller expectations (client-go's ControllerExpectations): after a controller asks for
// N creations or deletions, it does not act on the same owner again until its informers
// have observed them, so that a stale cache never causes duplicate pods.

/** Pending expectations older than this are considered lost (the watch missed them). */
const expectationTimeoutMs = 5 * 60 * 1000;

interface Pending {
  adds: number;
  deletes: Set<string>;
  since: number;
}

export class Expectations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when the controller may act on `key`: nothing pending, or the wait timed out. */
  satisfied(key: string): boolean {
    const p = this.pending.get(key);
    if (!p) return true;
    if (p.adds <= 0 && p.deletes.size === 0) return true;
    return this.now() - p.since > expectationTimeoutMs;
  }

  expectCreations(key: string, count: number): void {
    this.entry(key).adds += count;
  }

  /** `uids` of the objects whose deletion was requested. */
  expectDeletions(key: string, uids: string[]): void {
    const p = this.entry(key);
    for (const uid of uids) p.deletes.add(uid);
  }

  creationObserved(key: string): void {
    const p = this.pending.get(key);
    if (p && p.adds > 0) p.adds--;
  }

  /** A creation that failed will never be observed. */
  creationFailed(key: string): void {
    this.creationObserved(key);
  }

  deletionObserved(key: string, uid: string): void {
    this.pending.get(key)?.deletes.delete(uid);
  }

  forget(key: string): void {
    this.pending.delete(key);
  }

  private entry(key: string): Pending {
    let p = this.pending.get(key);
    if (!p || (p.adds <= 0 && p.deletes.size === 0)) {
      p = { adds: 0, deletes: new Set(), since: this.now() };
      this.pending.set(key, p);
    }
    return p;
  }
}
