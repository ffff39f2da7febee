// The Store: a narrow, revisioned key-value interface in the style of kine's backend.
// One global revision counter orders every write; an object's resourceVersion is the
// revision of its last write (modRevision). Keys are strings like
// "/registry/apps/deployments/default/web"; values are opaque strings (JSON text).

export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which this key was created (last time it came into existence). */
  createRevision: number;
  /** Revision of the last write to this key. This is the resourceVersion. */
  modRevision: number;
}

export interface ListOptions {
  /** Maximum number of items to return; 0 or undefined means no limit. */
  limit?: number;
  /** Return only keys strictly greater than this key (for pagination). */
  startAfter?: string;
  /** Read the state as of this revision (must not be compacted). 0/undefined = latest. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more items exist after the last returned one. */
  more: boolean;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface StoreWatchEvent {
  type: WatchEventType;
  /** For create/update: the new value. For delete: the value as it was when deleted, with modRevision = the delete's revision. */
  kv: KeyValue;
  /** The previous value (update and delete). */
  prevKv?: KeyValue;
}

export interface WatchOptions {
  /** Deliver events with revision > afterRevision. Throws CompactedError if afterRevision < compacted revision. */
  afterRevision: number;
  /** Called with each batch of events, in revision order. */
  onEvents: (events: StoreWatchEvent[]) => void;
  /**
   * Called once when the watch ends for a reason other than close(): the watcher fell too
   * far behind (the store will not buffer without bound) or the store is closing. The
   * caller should relist. No events follow.
   */
  onClose?: (reason: Error) => void;
}

export interface Watch {
  close(): void;
}

export interface Store {
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Creates key; throws KeyExistsError if it exists. Resolves after the write is durable. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Updates key only if its modRevision equals expectedRevision; throws ConflictError or KeyNotFoundError. */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /** Deletes key (only if modRevision matches, when given); returns the deleted value. */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  watch(prefix: string, opts: WatchOptions): Watch;
  currentRevision(): Promise<number>;
  /** Revision below which history is gone. */
  compactedRevision(): Promise<number>;
  /** Forget history at or below revision (the latest value of each live key is kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}

export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

export class ConflictError extends Error {
  constructor(
    readonly key: string,
    readonly actualRevision: number,
  ) {
    super(`revision mismatch for ${key}: stored ${actualRevision}`);
  }
}

/** The requested revision is older than the compacted revision: the client must relist. */
export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`required revision ${requested} has been compacted (oldest available ${compacted + 1})`);
  }
}

/** The watcher did not keep up and was dropped; it must relist. */
export class WatcherTooSlowError extends Error {
  constructor() {
    super('watcher fell too far behind and was closed');
  }
}
