// A shared informer, as in client-go: list a resource, then watch from the list's
// resourceVersion, keeping a local indexed cache and telling handlers what changed.
// Re-watches from the last seen version when a stream ends; relists (with back-off on
// failures) when the version is too old (410 Gone) or the connection breaks. A watch that
// receives nothing, not even the server's bookmarks, for DEFAULT_WATCH_IDLE_TIMEOUT_MS is taken
// for a dead connection and re-opened.
//
// Objects returned by the lister methods (get, list, byIndex) are the cache's own copies,
// shared with every other user of the informer: never mutate them. Copy with clone() first.
import type { KubeObject } from '../api/resource-type.ts';
import { ApiError, isResourceExpired, isStatus } from './api-error.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { type Clock, realClock, sleep, type TimerHandle } from './clock.ts';
import { Indexer, type IndexFunc, keyOf, NAMESPACE_INDEX, objectKey } from './indexer.ts';
import type { ResourceDescriptor } from './resource-path.ts';
import type { RestClient } from './rest-client.ts';
import type { WatchEvent, WatchStream } from './watch-stream.ts';

/** A deep copy of a cached object, safe to modify. */
export function clone<T>(obj: T): T {
  return structuredClone(obj);
}

export interface EventHandlers<T extends KubeObject = KubeObject> {
  onAdd?(obj: T): void;
  /** Also called on resync with the same object twice. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** obj is the last state seen (after a relist, possibly older than the real final state). */
  onDelete?(obj: T): void;
}

/** Minimal pino-compatible logger. */
export interface InformerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** Only this namespace; all namespaces when omitted. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  /** Re-deliver every cached object to onUpdate this often; 0 (default) disables it. */
  resyncPeriodMs?: number;
  /** List page size (limit); 0 lists in one request. Default 500. */
  pageSize?: number;
  backoff?: BackoffOptions;
  /** Seconds the server should keep each watch open; default random 300–600 like client-go. */
  watchTimeoutSeconds?: () => number;
  /** A watch ending this soon without events counts as a failure (avoids hot loops). */
  minWatchDurationMs?: number;
  clock?: Clock;
  logger?: InformerLogger;
}

/** The part of RestClient an informer needs (a fake can stand in for it). */
export type ListWatchClient = Pick<RestClient, 'listAll' | 'watch'>;

const silentLogger: InformerLogger = { info() {}, warn() {} };

/**
 * A watch silent this long is presumed dead and re-opened: 2.5 × the API server's bookmark
 * interval (30 s), so it never fires on a live connection.
 */
const DEFAULT_WATCH_IDLE_TIMEOUT_MS = 75_000;

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache: Indexer<T>;
  private readonly handlers = new Set<EventHandlers<T>>();
  private readonly syncWaiters = new Set<(synced: boolean) => void>();
  private readonly clock: Clock;
  private readonly logger: InformerLogger;
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private started = false;
  private synced = false;
  private lastResourceVersion = '';
  private currentWatch?: WatchStream<T>;
  private resyncTimer?: TimerHandle;
  private loop?: Promise<void>;

  constructor(
    private readonly client: ListWatchClient,
    readonly resource: ResourceDescriptor,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.cache = new Indexer<T>(opts.indexers);
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? silentLogger;
    this.backoff = new Backoff({ clock: this.clock, ...opts.backoff });
  }

  // --- lifecycle ---

  start(): void {
    if (this.started || this.abort.signal.aborted) return;
    this.started = true;
    this.loop = this.run();
    this.scheduleResync();
  }

  /** Stops list/watch; resolves once the loop has exited. The cache keeps its last state. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('informer stopped'));
    this.currentWatch?.close();
    this.resyncTimer?.cancel();
    for (const resolve of this.syncWaiters) resolve(false);
    this.syncWaiters.clear();
    await this.loop;
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** True once the first list has been loaded into the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true when synced, or false if the informer is stopped (or signal aborted) first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (synced: boolean) => {
        this.syncWaiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      const onAbort = () => done(false);
      this.syncWaiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The resourceVersion of the last list or event applied. */
  lastSyncResourceVersion(): string {
    return this.lastResourceVersion;
  }

  // --- handlers ---

  /** Adds handlers; objects already cached are delivered to onAdd at once. Returns a remover. */
  addEventHandler(handlers: EventHandlers<T>): () => void {
    this.handlers.add(handlers);
    for (const obj of this.cache.list()) this.call('onAdd', () => handlers.onAdd?.(obj));
    return () => this.handlers.delete(handlers);
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.cache.addIndexers(indexers);
  }

  // --- lister (read-only views of the cache: do not mutate what they return) ---

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(keyOf(this.resource.namespaced ? namespace : undefined, name));
  }

  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** All cached objects, or those of one namespace. */
  list(namespace?: string): T[] {
    return namespace === undefined ? this.cache.list() : this.cache.byIndex(NAMESPACE_INDEX, namespace);
  }

  byIndex(indexName: string, value: string): T[] {
    return this.cache.byIndex(indexName, value);
  }

  keys(): string[] {
    return this.cache.keys();
  }

  // --- list and watch ---

  private async run(): Promise<void> {
    let expiredInARow = 0;
    while (!this.stopped) {
      try {
        await this.listIntoCache();
        const outcome = await this.watchUntilRelistNeeded();
        // A fresh list whose watch is refused as too old again: do not spin.
        expiredInARow = outcome === 'expired' ? expiredInARow + 1 : 0;
        if (expiredInARow > 1) await sleep(this.clock, this.backoff.next(), this.abort.signal);
      } catch (err) {
        if (this.stopped) break;
        const waitMs = this.backoff.next();
        this.logger.warn(
          { resource: this.resource.plural, err: String(err), retryInMs: Math.round(waitMs) },
          'list/watch failed; relisting after back-off',
        );
        await sleep(this.clock, waitMs, this.abort.signal).catch(() => undefined);
      }
    }
  }

  private async listIntoCache(): Promise<void> {
    const { items, resourceVersion } = await this.client.listAll<T>(this.resource, this.opts.namespace, {
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      limit: this.opts.pageSize ?? 500,
      signal: this.abort.signal,
    });
    if (this.stopped) return;
    this.replace(items);
    this.lastResourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of [...this.syncWaiters]) resolve(true);
    }
  }

  /** Makes the cache equal to a fresh list, telling handlers only about real differences. */
  private replace(items: T[]): void {
    const listed = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      listed.add(key);
      const old = this.cache.set(key, obj);
      if (!old) this.dispatch('onAdd', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.dispatch('onUpdate', old, obj);
    }
    for (const key of this.cache.keys()) {
      if (listed.has(key)) continue;
      const gone = this.cache.delete(key)!;
      this.dispatch('onDelete', gone);
    }
  }

  /**
   * Watches from the last resourceVersion, re-watching whenever a stream ends normally.
   * Returns 'expired' when a relist is needed; throws on other failures.
   */
  private async watchUntilRelistNeeded(): Promise<'expired' | 'stopped'> {
    while (!this.stopped) {
      const timeoutSeconds = this.opts.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 301);
      let stream: WatchStream<T>;
      try {
        stream = await this.client.watch<T>(this.resource, this.opts.namespace, {
          resourceVersion: this.lastResourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          signal: this.abort.signal,
          idleTimeoutMs: DEFAULT_WATCH_IDLE_TIMEOUT_MS,
        });
      } catch (err) {
        if (isResourceExpired(err)) return this.expired();
        throw err;
      }
      this.currentWatch = stream;
      const openedAt = this.clock.now();
      let events = 0;
      try {
        for await (const event of stream) {
          if (event.type === 'ERROR') {
            const status = isStatus(event.object)
              ? event.object
              : { kind: 'Status' as const, apiVersion: 'v1' as const, code: 500, message: JSON.stringify(event.object) };
            const err = new ApiError(status);
            if (isResourceExpired(err)) return this.expired();
            throw err;
          }
          events++;
          this.apply(event);
        }
      } finally {
        stream.close();
        this.currentWatch = undefined;
      }
      if (events === 0 && this.clock.now() - openedAt < (this.opts.minWatchDurationMs ?? 1000) && !this.stopped) {
        throw new Error('very short watch: the server ended the stream at once without events');
      }
    }
    return 'stopped';
  }

  private expired(): 'expired' {
    this.logger.info(
      { resource: this.resource.plural, resourceVersion: this.lastResourceVersion },
      'watch resourceVersion too old; relisting',
    );
    return 'expired';
  }

  private apply(event: WatchEvent<T>): void {
    const obj = event.object;
    const rv = obj.metadata?.resourceVersion;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.cache.set(objectKey(obj), obj);
        if (old) this.dispatch('onUpdate', old, obj);
        else this.dispatch('onAdd', obj);
        break;
      }
      case 'DELETED':
        this.cache.delete(objectKey(obj));
        this.dispatch('onDelete', obj);
        break;
      case 'BOOKMARK':
        break;
      default:
        this.logger.warn({ resource: this.resource.plural, type: event.type }, 'ignoring unknown watch event type');
        return;
    }
    if (rv) this.lastResourceVersion = rv;
  }

  // --- delivery ---

  private dispatch(kind: 'onAdd' | 'onDelete', obj: T): void;
  private dispatch(kind: 'onUpdate', oldObj: T, newObj: T): void;
  private dispatch(kind: keyof EventHandlers<T>, a: T, b?: T): void {
    for (const h of this.handlers) {
      this.call(kind, () => (kind === 'onUpdate' ? h.onUpdate?.(a, b!) : h[kind]?.(a)));
    }
  }

  /** A throwing handler must not break the informer or starve the other handlers. */
  private call(kind: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.warn({ resource: this.resource.plural, handler: kind, err: String(err) }, 'event handler threw');
    }
  }

  private scheduleResync(): void {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimer(() => {
      if (this.synced) for (const obj of this.cache.list()) this.dispatch('onUpdate', obj, obj);
      this.scheduleResync();
    }, period);
  }
}
