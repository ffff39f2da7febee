// Hands out one informer per (resource, namespace, selectors), so every controller in a
// process shares a single list+watch and cache per resource instead of opening its own.
import type { KubeObject } from '../api/resource-type.ts';
import type { IndexFunc } from './indexer.ts';
import { Informer, type InformerOptions, type ListWatchClient } from './informer.ts';
import type { ResourceDescriptor } from './resource-path.ts';

export interface InformerSelection<T extends KubeObject = KubeObject> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Added to the shared informer (names already present are kept). */
  indexers?: Record<string, IndexFunc<T>>;
}

/** Options applied to every informer the factory creates (resync, back-off, clock, logger). */
export type InformerDefaults = Omit<InformerOptions, 'namespace' | 'labelSelector' | 'fieldSelector' | 'indexers'>;

export class InformerFactory {
  private readonly informers = new Map<string, Informer<any>>();
  private started = false;

  constructor(
    private readonly client: ListWatchClient,
    private readonly defaults: InformerDefaults = {},
  ) {}

  informerFor<T extends KubeObject = KubeObject>(resource: ResourceDescriptor, selection: InformerSelection<T> = {}): Informer<T> {
    const { indexers, ...which } = selection;
    const key = JSON.stringify([
      resource.group,
      resource.version,
      resource.plural,
      which.namespace ?? '',
      which.labelSelector ?? '',
      which.fieldSelector ?? '',
    ]);
    let informer = this.informers.get(key) as Informer<T> | undefined;
    if (!informer) {
      informer = new Informer<T>(this.client, resource, { ...(this.defaults as InformerOptions<T>), ...which, indexers });
      this.informers.set(key, informer);
      if (this.started) informer.start();
    } else if (indexers) {
      informer.addIndexers(indexers);
    }
    return informer;
  }

  /** Starts every informer; ones requested later start as soon as they are created. */
  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  /** True when every informer synced; false if one stopped or the signal aborted first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
