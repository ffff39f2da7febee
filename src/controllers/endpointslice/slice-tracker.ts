// Remembers the slices this controller itself created, updated or deleted until its informer
// has seen those writes (Kubernetes' endpointSliceTracker). Without it, a reconcile that runs
// before the watch delivers our last write would create a second slice for the same pods,
// or update a stale copy and earn a 409 Conflict.
import type { KubeObject } from '../../api/resource-type.ts';

export class SliceTracker {
  /** service key → slice name → our last written copy, or null for a slice we deleted. */
  private readonly byService = new Map<string, Map<string, KubeObject | null>>();

  written(serviceKey: string, slice: KubeObject): void {
    this.entries(serviceKey).set(slice.metadata?.name, slice);
  }

  deleted(serviceKey: string, slice: KubeObject): void {
    this.entries(serviceKey).set(slice.metadata?.name, null);
  }

  /** The service's slices as they really are now: the cache, corrected by our newer writes. */
  view(serviceKey: string, cached: KubeObject[]): KubeObject[] {
    const entries = this.byService.get(serviceKey);
    if (!entries) return cached;
    const out: KubeObject[] = [];
    const seen = new Set<string>();
    for (const slice of cached) {
      const name = slice.metadata?.name;
      seen.add(name);
      if (!entries.has(name)) {
        out.push(slice);
        continue;
      }
      const ours = entries.get(name);
      if (ours === null) continue; // deleted by us; the watch has not said so yet
      if (ours && Number(ours.metadata?.resourceVersion) > Number(slice.metadata?.resourceVersion)) out.push(ours);
      else {
        entries.delete(name); // the cache caught up
        out.push(slice);
      }
    }
    for (const [name, ours] of entries) {
      if (seen.has(name)) continue;
      if (ours === null)
        entries.delete(name); // our delete has reached the cache
      else out.push(ours); // created by us, not in the cache yet
    }
    if (entries.size === 0) this.byService.delete(serviceKey);
    return out;
  }

  private entries(serviceKey: string): Map<string, KubeObject | null> {
    const entries = this.byService.get(serviceKey) ?? new Map<string, KubeObject | null>();
    this.byService.set(serviceKey, entries);
    return entries;
  }
}
