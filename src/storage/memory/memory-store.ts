// The in-memory Store: for tests and for running without any datastore. It keeps the same
// history model as the SQLite store (an append-only log plus the current value of each key)
// so lists at old revisions, watch replay and compaction behave identically.

import type { KeyValue, ListOptions, ListResult, Store, StoreWatchEvent, Watch, WatchEventType, WatchOptions } from '../store.ts';
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError } from '../store.ts';
import type { HistorySource, WatchHubOptions } from '../watch-hub.ts';
import { StoreClosedError, WatchHub } from '../watch-hub.ts';

export type MemoryStoreOptions = WatchHubOptions;

interface LogEntry {
  revision: number;
  key: string;
  type: WatchEventType;
  /** For deletes: the value that was deleted. */
  value: string;
  createRevision: number;
  /** Revision of the entry this one replaced (0 for a create). */
  prevRevision: number;
}

export class MemoryStore implements Store {
  private readonly current = new Map<string, KeyValue>();
  /** Keys of `current`, sorted, so prefix lists and pagination are binary searches. */
  private readonly sortedKeys: string[] = [];
  /** Ordered by revision. Compaction removes superseded entries. */
  private log: LogEntry[] = [];
  private revision = 0;
  private compacted = 0;
  private closed = false;
  private readonly hub: WatchHub;

  constructor(options: MemoryStoreOptions = {}) {
    const history: HistorySource = {
      readHistory: (prefix, afterRevision, limit) => this.readHistory(prefix, afterRevision, limit),
      currentRevision: () => this.revision,
      compactedRevision: () => this.compacted,
    };
    this.hub = new WatchHub(history, options);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const kv = this.current.get(key);
    return kv ? { ...kv } : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
    const at = opts.revision || this.revision;
    if (at < this.compacted) throw new CompactedError(at, this.compacted);
    if (at > this.revision) throw new Error(`required revision ${at} is a future revision (current ${this.revision})`);
    const from = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter : undefined;
    if (at === this.revision) {
      const items: KeyValue[] = [];
      let i = from === undefined ? lowerBound(this.sortedKeys, prefix) : upperBound(this.sortedKeys, from);
      for (; i < this.sortedKeys.length; i++) {
        const key = this.sortedKeys[i];
        if (!key.startsWith(prefix)) break;
        if (items.length === limit) return { items, revision: at, more: true };
        items.push({ ...this.current.get(key)! });
      }
      return { items, revision: at, more: false };
    }
    return this.listAt(prefix, from, limit, at);
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    let n = 0;
    for (let i = lowerBound(this.sortedKeys, prefix); i < this.sortedKeys.length && this.sortedKeys[i].startsWith(prefix); i++) n++;
    return n;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.assertOpen();
    if (this.current.has(key)) throw new KeyExistsError(key);
    const revision = ++this.revision;
    const kv: KeyValue = { key, value, createRevision: revision, modRevision: revision };
    this.current.set(key, kv);
    this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 0, key);
    this.log.push({ revision, key, type: 'create', value, createRevision: revision, prevRevision: 0 });
    this.hub.publish([{ type: 'create', kv: { ...kv } }]);
    return { ...kv };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.assertOpen();
    const prev = this.current.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (prev.modRevision !== expectedRevision) throw new ConflictError(key, prev.modRevision);
    const revision = ++this.revision;
    const kv: KeyValue = { key, value, createRevision: prev.createRevision, modRevision: revision };
    this.current.set(key, kv);
    this.log.push({ revision, key, type: 'update', value, createRevision: prev.createRevision, prevRevision: prev.modRevision });
    this.hub.publish([{ type: 'update', kv: { ...kv }, prevKv: { ...prev } }]);
    return { ...kv };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.assertOpen();
    const prev = this.current.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) throw new ConflictError(key, prev.modRevision);
    const revision = ++this.revision;
    this.current.delete(key);
    this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 1);
    this.log.push({
      revision,
      key,
      type: 'delete',
      value: prev.value,
      createRevision: prev.createRevision,
      prevRevision: prev.modRevision,
    });
    this.hub.publish([{ type: 'delete', kv: { ...prev, modRevision: revision }, prevKv: { ...prev } }]);
    return { ...prev };
  }

  watch(prefix: string, opts: WatchOptions): Watch {
    this.assertOpen();
    return this.hub.watch(prefix, opts);
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) throw new Error(`cannot compact to future revision ${revision} (current ${this.revision})`);
    if (revision <= this.compacted) return;
    // Drop every entry superseded at or below `revision`, and deletes at or below it, so the
    // newest entry of each key as of `revision` survives (it is the prevKv of later events).
    const drop = new Set<number>();
    for (let i = upperBound(this.log, this.compacted, revisionOf); i < this.log.length && this.log[i].revision <= revision; i++) {
      const entry = this.log[i];
      if (entry.prevRevision > 0) drop.add(entry.prevRevision);
      if (entry.type === 'delete') drop.add(entry.revision);
    }
    this.log = this.log.filter((entry) => !drop.has(entry.revision));
    this.compacted = revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.closeAll(new StoreClosedError());
  }

  private readHistory(prefix: string, afterRevision: number, limit: number): StoreWatchEvent[] {
    const events: StoreWatchEvent[] = [];
    for (let i = upperBound(this.log, afterRevision, revisionOf); i < this.log.length && events.length < limit; i++) {
      const entry = this.log[i];
      if (entry.key.startsWith(prefix)) events.push(this.toEvent(entry));
    }
    return events;
  }

  private toEvent(entry: LogEntry): StoreWatchEvent {
    const kv: KeyValue = { key: entry.key, value: entry.value, createRevision: entry.createRevision, modRevision: entry.revision };
    if (entry.type === 'create') return { type: 'create', kv };
    const prev = this.log[lowerBound(this.log, entry.prevRevision, revisionOf)];
    const prevKv =
      prev && prev.revision === entry.prevRevision
        ? { key: prev.key, value: prev.value, createRevision: prev.createRevision, modRevision: prev.revision }
        : undefined;
    return { type: entry.type, kv, prevKv };
  }

  /** Reconstructs the state at an older revision from the log. */
  private listAt(prefix: string, startAfter: string | undefined, limit: number, at: number): ListResult {
    const latest = new Map<string, LogEntry>();
    for (const entry of this.log) {
      if (entry.revision > at) break;
      if (entry.key.startsWith(prefix) && (startAfter === undefined || entry.key > startAfter)) latest.set(entry.key, entry);
    }
    const live = [...latest.values()].filter((e) => e.type !== 'delete').sort((a, b) => compareStrings(a.key, b.key));
    const page = live.slice(0, limit);
    return {
      items: page.map((e) => ({ key: e.key, value: e.value, createRevision: e.createRevision, modRevision: e.revision })),
      revision: at,
      more: live.length > page.length,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

function revisionOf(entry: LogEntry): number {
  return entry.revision;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function identity<T>(x: T): T {
  return x;
}

/** First index whose value is >= target. */
function lowerBound<T, V>(items: T[], target: V, keyOf: (item: T) => V = identity as (item: T) => V): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOf(items[mid]) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > target. */
function upperBound<T, V>(items: T[], target: V, keyOf: (item: T) => V = identity as (item: T) => V): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOf(items[mid]) <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
