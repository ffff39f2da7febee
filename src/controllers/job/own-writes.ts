// Remembers the objects a controller itself last wrote, so that when its next reconcile
// runs before the informer has delivered that write, it works from the newer copy instead
// of the stale cached one (which would only earn a 409 Conflict, or act twice).
import type { KubeObject } from '../../api/resource-type.ts';

export class OwnWrites<T extends KubeObject = KubeObject> {
  private readonly written = new Map<string, T>();

  /** Records the object the server returned for our write. */
  remember(key: string, obj: T): void {
    this.written.set(key, obj);
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  /** The newer of the cached object and our last write of the same incarnation. */
  freshest(key: string, cached: T): T {
    const written = this.written.get(key);
    if (!written) return cached;
    const sameObject = written.metadata?.uid === cached.metadata?.uid;
    if (sameObject && Number(written.metadata?.resourceVersion) > Number(cached.metadata?.resourceVersion)) return written;
    // The cache caught up (or the object was replaced): our copy is no longer needed.
    this.written.delete(key);
    return cached;
  }
}
