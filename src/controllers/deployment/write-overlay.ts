// The controller's own recent writes, laid over the informer cache. Right after the
// controller scales or creates a ReplicaSet (or writes a Deployment's status), the watch
// has not delivered the change yet; reading the stale cached copy would only earn a 409
// Conflict and a retry. Resource versions are one global counter in Hale, so whichever
// copy has the higher one is the fresher.
import type { KubeObject } from '../../api/resource-type.ts';

/** Entries the cache never caught up with (e.g. the object was deleted unseen) expire after this. */
const maxAgeMs = 30_000;

function newerThan(a: KubeObject, b: KubeObject): boolean {
  const ra = a.metadata?.resourceVersion;
  const rb = b.metadata?.resourceVersion;
  if (!/^\d+$/.test(ra ?? '') || !/^\d+$/.test(rb ?? '')) return false;
  return BigInt(ra) > BigInt(rb);
}

export class WriteOverlay {
  private readonly written = new Map<string, { obj: KubeObject; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records an object as the server returned it after our write. */
  remember(obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (uid) this.written.set(uid, { obj, at: this.now() });
  }

  forget(uid: string | undefined): void {
    if (uid) this.written.delete(uid);
  }

  /** The fresher of a cached object and our last write of it (never mutate the result). */
  fresh<T extends KubeObject>(cached: T): T {
    const entry = this.lookup(cached.metadata?.uid);
    if (!entry) return cached;
    if (newerThan(entry, cached)) return entry as T;
    this.forget(cached.metadata?.uid);
    return cached;
  }

  /** Objects we wrote in `namespace` that are not among `seenUids` (the cache has not seen them yet). */
  unseen(namespace: string, seenUids: Set<string>, matches: (obj: KubeObject) => boolean = () => true): KubeObject[] {
    const out: KubeObject[] = [];
    for (const [uid] of this.written) {
      const obj = this.lookup(uid);
      if (!obj || seenUids.has(uid) || obj.metadata?.namespace !== namespace) continue;
      if (matches(obj)) out.push(obj);
    }
    return out;
  }

  private lookup(uid: string | undefined): KubeObject | undefined {
    if (!uid) return undefined;
    const entry = this.written.get(uid);
    if (!entry) return undefined;
    if (this.now() - entry.at > maxAgeMs) {
      this.written.delete(uid);
      return undefined;
    }
    return entry.obj;
  }
}
