// The embedded SQLite Store (the default backend). better-sqlite3 is synchronous: each
// method does its work in one synchronous step, which is what makes watch delivery
// gap-free (see ../watch-hub.ts). Statements are prepared once; a write appends to `log`
// and upserts `current`, inside the group-commit transaction of the current event-loop
// turn (see ./group-commit.ts), and resolves once that transaction is durable. Reads in
// this process may already see a write whose commit is still in flight; watchers only
// ever see durable events.
//
// The disk is not waited for on the event loop. SQLite's own fsyncs are off (COMMIT only
// hands pages to the OS) and so are its automatic checkpoints; the store makes the same
// flushes SQLite would, in the same order, through ./file-sync.ts on libuv's thread pool:
// with the default `synchronous: 'FULL'` each batch is acknowledged after an fdatasync of
// the WAL (what SQLite's FULL does inline), and checkpoint() flushes the database file
// before the WAL may be reused. Closing switches SQLite's own syncs back on for the final
// checkpoint.

import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { KeyValue, ListOptions, ListResult, Store, StoreWatchEvent, Watch, WatchEventType, WatchOptions } from '../store.ts';
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError } from '../store.ts';
import type { HistorySource, WatchHubOptions } from '../watch-hub.ts';
import { StoreClosedError, WatchHub } from '../watch-hub.ts';
import { FileSync } from './file-sync.ts';
import { GroupCommit } from './group-commit.ts';
import type { SqliteOpenOptions } from './schema.ts';
import { LogType, openDatabase } from './schema.ts';

export interface SqliteStoreOptions extends SqliteOpenOptions, WatchHubOptions {}

/** Compaction deletes history in slices of this many revisions, one transaction each, so writes are never blocked for long. */
const COMPACTION_SLICE = 1_000;

// Checkpoint when the WAL holds about this many pages (~16 MB). SQLite's default is 1,000;
// fewer, larger checkpoints measured better here: each one holds COMMITs back for one flush
// of the database file. better-sqlite3 cannot tell how many pages a commit wrote, so
// estimate: a few pages per commit (B-tree leaves) and about one more per write in it.
const CHECKPOINT_AFTER_PAGES = 4_000;
const PAGES_PER_COMMIT = 4;

// Keys sort as UTF-8 bytes in SQLite; U+10FFFF is the largest code point, so every key that
// starts with `prefix` sorts below prefix + U+10FFFF.
const KEY_MAX = '\u{10FFFF}';

const KV_COLUMNS = 'key, value, create_revision AS createRevision, mod_revision AS modRevision';
const TYPE_NAMES: WatchEventType[] = ['create', 'update', 'delete'];

interface HistoryRow {
  revision: number;
  key: string;
  type: number;
  value: string;
  createRevision: number;
  prevRevision: number | null;
  prevValue: string | null;
  prevCreateRevision: number | null;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub: WatchHub;
  /** Revision of the newest write applied, committed or not. */
  private revision: number;
  /** Revision of the newest committed write (it may not be durable yet). */
  private committedRevision: number;
  /** Revision of the newest durable write: what watchers may see. */
  private durableRevision: number;
  private compacted: number;
  private readonly groupCommit: GroupCommit;
  /** Events of the open batch, published once it is durable. */
  private uncommittedEvents: StoreWatchEvent[] = [];
  private closed = false;
  /** Set when flushing to disk failed: nothing can be promised durable any more. */
  private failure: Error | undefined;

  /** Flushes of the WAL and the database file; absent for ':memory:' and synchronous=OFF. */
  private readonly walSync: FileSync | undefined;
  private readonly dbSync: FileSync | undefined;
  /** Acknowledge a batch only after the WAL is flushed (synchronous=FULL). */
  private readonly syncEachCommit: boolean;
  /** Estimated WAL pages written since the last checkpoint. */
  private pagesSinceCheckpoint = 0;
  /** Waiters for the next checkpoint, when one was asked for while a batch was open. */
  private checkpointWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly writeCreate: (key: string, value: string, revision: number) => void;
  private readonly writeUpdate: (key: string, value: string, revision: number, prev: KeyValue) => void;
  private readonly writeDelete: (revision: number, prev: KeyValue) => void;
  private readonly compactSlice: (after: number, upTo: number) => void;

  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.db = openDatabase(path, options);
    try {
      this.stmt = prepareStatements(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.compacted = this.stmt.getCompacted.get() as number;
    // A compaction may have removed the newest log row (a delete), so the compacted
    // revision is also a lower bound for the counter.
    this.revision = Math.max((this.stmt.maxRevision.get() as number | null) ?? 0, this.compacted);
    this.committedRevision = this.revision;
    this.durableRevision = this.revision;

    const synchronous = options.synchronous ?? 'FULL';
    if (path !== ':memory:' && synchronous !== 'OFF') {
      try {
        this.walSync = new FileSync(`${path}-wal`);
        this.dbSync = new FileSync(path);
      } catch (err) {
        this.walSync?.close();
        this.db.close();
        throw err;
      }
    }
    this.syncEachCommit = synchronous === 'FULL' && this.walSync !== undefined;
    // From here on the store does the flushing (see the top of this file).
    if (this.walSync) this.db.pragma('synchronous = OFF');

    const s = this.stmt;
    this.writeCreate = this.db.transaction((key: string, value: string, revision: number) => {
      s.insertLog.run(revision, key, LogType.create, value, revision, 0);
      s.insertCurrent.run(key, value, revision, revision);
    });
    this.writeUpdate = this.db.transaction((key: string, value: string, revision: number, prev: KeyValue) => {
      s.insertLog.run(revision, key, LogType.update, value, prev.createRevision, prev.modRevision);
      s.updateCurrent.run(value, revision, key);
    });
    this.writeDelete = this.db.transaction((revision: number, prev: KeyValue) => {
      s.insertLog.run(revision, prev.key, LogType.delete, prev.value, prev.createRevision, prev.modRevision);
      s.deleteCurrent.run(prev.key);
    });
    // Removes every row superseded by a write in (after, upTo], and the deletes there, so
    // the newest row of each key as of upTo survives: it is the prevKv of later events.
    this.compactSlice = this.db.transaction((after: number, upTo: number) => {
      s.deleteSuperseded.run(after, upTo);
      s.deleteDeletes.run(after, upTo);
      s.setCompacted.run(upTo);
    });

    const history: HistorySource = {
      readHistory: (prefix, afterRevision, limit) => this.readHistory(prefix, afterRevision, limit),
      currentRevision: () => this.durableRevision,
      compactedRevision: () => this.compacted,
    };
    this.hub = new WatchHub(history, options);
    const walSync = this.walSync;
    this.groupCommit = new GroupCommit(this.db, {
      committed: () => {
        const upTo = this.revision;
        this.committedRevision = upTo;
        const events = this.uncommittedEvents;
        this.uncommittedEvents = [];
        this.pagesSinceCheckpoint += PAGES_PER_COMMIT;
        if (this.checkpointWaiters.length > 0 || this.pagesSinceCheckpoint >= CHECKPOINT_AFTER_PAGES) this.runCheckpoint();
        return () => {
          this.durableRevision = upTo;
          this.hub.publish(events);
        };
      },
      rolledBack: () => {
        this.revision = this.committedRevision;
        this.uncommittedEvents = [];
      },
      durable: this.syncEachCommit && walSync ? () => walSync.sync() : undefined,
      durabilityFailed: (err) => this.fail(err),
    });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    return this.stmt.getCurrent.get(key) as KeyValue | undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const at = opts.revision || this.revision;
    if (at < this.compacted) throw new CompactedError(at, this.compacted);
    if (at > this.revision) throw new Error(`required revision ${at} is a future revision (current ${this.revision})`);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const exclusive = opts.startAfter !== undefined && opts.startAfter >= prefix;
    const lower = exclusive ? opts.startAfter : prefix;
    const upper = prefix + KEY_MAX;
    // Ask for one extra row to learn whether there are more.
    const fetch = limit > 0 ? limit + 1 : -1;
    let items: KeyValue[];
    if (at === this.revision) {
      items = (exclusive ? this.stmt.listAfter : this.stmt.listFrom).all(lower, upper, fetch) as KeyValue[];
    } else {
      items = (exclusive ? this.stmt.listAtAfter : this.stmt.listAtFrom).all({ lower, upper, at, limit: fetch }) as KeyValue[];
    }
    const more = limit > 0 && items.length > limit;
    if (more) items.pop();
    return { items, revision: at, more };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    return this.stmt.count.get(prefix, prefix + KEY_MAX) as number;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.assertWritable();
    if (this.stmt.exists.get(key) !== undefined) throw new KeyExistsError(key);
    const revision = this.revision + 1;
    const durable = this.groupCommit.write(() => this.writeCreate(key, value, revision));
    this.revision = revision;
    this.pagesSinceCheckpoint++;
    const kv: KeyValue = { key, value, createRevision: revision, modRevision: revision };
    this.uncommittedEvents.push({ type: 'create', kv: { ...kv } });
    await durable;
    return kv;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.assertWritable();
    const prev = this.stmt.getCurrent.get(key) as KeyValue | undefined;
    if (!prev) throw new KeyNotFoundError(key);
    if (prev.modRevision !== expectedRevision) throw new ConflictError(key, prev.modRevision);
    const revision = this.revision + 1;
    const durable = this.groupCommit.write(() => this.writeUpdate(key, value, revision, prev));
    this.revision = revision;
    this.pagesSinceCheckpoint++;
    const kv: KeyValue = { key, value, createRevision: prev.createRevision, modRevision: revision };
    this.uncommittedEvents.push({ type: 'update', kv: { ...kv }, prevKv: prev });
    await durable;
    return kv;
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.assertWritable();
    const prev = this.stmt.getCurrent.get(key) as KeyValue | undefined;
    if (!prev) throw new KeyNotFoundError(key);
    if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) throw new ConflictError(key, prev.modRevision);
    const revision = this.revision + 1;
    const durable = this.groupCommit.write(() => this.writeDelete(revision, prev));
    this.revision = revision;
    this.pagesSinceCheckpoint++;
    this.uncommittedEvents.push({ type: 'delete', kv: { ...prev, modRevision: revision }, prevKv: { ...prev } });
    await durable;
    return prev;
  }

  watch(prefix: string, opts: WatchOptions): Watch {
    this.assertWritable();
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
    while (this.compacted < revision) {
      this.assertWritable();
      // Each slice is a write of its own in the group commit, so it never waits for the
      // disk on the event loop. Reads see the deletion at once, so the bound moves at once.
      const upTo = Math.min(revision, this.compacted + COMPACTION_SLICE);
      const durable = this.groupCommit.write(() => this.compactSlice(this.compacted, upTo));
      this.compacted = upTo;
      await durable;
      if (this.closed) return;
    }
  }

  /**
   * Housekeeping the compactor runs after compact(): hand free pages back when most of the
   * file is free (say after deleting a big namespace), then checkpoint. Pages freed by
   * compaction are normally reused by the next interval's writes, which is what keeps the
   * file bounded under churn.
   */
  async maintenance(): Promise<void> {
    this.assertWritable();
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    if (free > 1024 && free > pages / 2) {
      const release = free - Math.floor(pages / 4);
      await this.groupCommit.write(() => this.db.pragma(`incremental_vacuum(${release})`));
    }
    await this.checkpoint();
  }

  /** Copies the WAL into the database file; resolves once that is durable. */
  checkpoint(): Promise<void> {
    this.assertWritable();
    const done = new Promise<void>((resolve, reject) => this.checkpointWaiters.push({ resolve, reject }));
    // A checkpoint cannot run inside a transaction: with a batch open, the next commit runs it.
    if (!this.groupCommit.open) this.runCheckpoint();
    return done;
  }

  /**
   * Runs while no transaction is open. Like SQLite's own checkpoint: flush the WAL, copy
   * it into the database file, flush the database file before the WAL may be reused. But
   * only the first flush blocks, and it is small (the async flushes already cover all but
   * the last batch or so); the database file is flushed on the thread pool while COMMITs
   * are held back, because the first commit after a complete checkpoint starts
   * overwriting the WAL.
   */
  private runCheckpoint(): void {
    this.pagesSinceCheckpoint = 0;
    const waiters = this.checkpointWaiters;
    this.checkpointWaiters = [];
    let durable: Promise<void>;
    try {
      if (this.walSync && this.dbSync) {
        this.walSync.syncNow();
        this.db.pragma('wal_checkpoint(PASSIVE)');
        durable = this.dbSync.sync();
        durable.catch((err: Error) => this.fail(err));
        this.groupCommit.hold(durable);
      } else {
        this.db.pragma('wal_checkpoint(PASSIVE)');
        durable = Promise.resolve();
      }
    } catch (cause) {
      // A failed flush or copy leaves the files in an unknown state: stop taking writes.
      const err = cause instanceof Error ? cause : new Error(String(cause));
      this.fail(err);
      for (const waiter of waiters) waiter.reject(err);
      return;
    }
    durable.then(
      () => {
        for (const waiter of waiters) waiter.resolve();
      },
      (err: Error) => {
        for (const waiter of waiters) waiter.reject(err);
      },
    );
  }

  /** Bytes on disk of the database file and its WAL. */
  fileSizes(): { db: number; wal: number } {
    return { db: fileSize(this.path), wal: fileSize(`${this.path}-wal`) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.groupCommit.commitNow();
    // Let flushes in flight finish before their file descriptors go away.
    await Promise.all([this.walSync?.sync(), this.dbSync?.sync()]).catch(() => {});
    this.hub.closeAll(new StoreClosedError());
    for (const waiter of this.checkpointWaiters.splice(0)) waiter.reject(new StoreClosedError());
    // Closing checkpoints the WAL into the database and removes it: let SQLite flush that.
    if (this.walSync) this.db.pragma('synchronous = FULL');
    this.db.close();
    this.walSync?.close();
    this.dbSync?.close();
  }

  private readHistory(prefix: string, afterRevision: number, limit: number): StoreWatchEvent[] {
    if (this.closed) throw new StoreClosedError();
    const rows = this.stmt.history.all(afterRevision, this.durableRevision, prefix, prefix + KEY_MAX, limit) as HistoryRow[];
    return rows.map((row) => {
      const event: StoreWatchEvent = {
        type: TYPE_NAMES[row.type],
        kv: { key: row.key, value: row.value, createRevision: row.createRevision, modRevision: row.revision },
      };
      if (row.prevRevision !== null) {
        event.prevKv = { key: row.key, value: row.prevValue!, createRevision: row.prevCreateRevision!, modRevision: row.prevRevision };
      }
      return event;
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.failure) throw this.failure;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = new Error(`storage failed, restart the server: ${err.message}`, { cause: err });
    this.hub.closeAll(this.failure);
  }
}

function prepareStatements(db: Database.Database) {
  // A key's row is its state at revision R when it is the newest row at or below R. Walking
  // the (key, revision) index keeps key order, so LIMIT stops early for paginated lists.
  const listAt = (lowerOp: '>=' | '>') =>
    db.prepare(
      `SELECT key, value, create_revision AS createRevision, revision AS modRevision FROM log l
       WHERE key ${lowerOp} @lower AND key < @upper AND revision <= @at AND type != ${LogType.delete}
         AND NOT EXISTS (SELECT 1 FROM log n WHERE n.key = l.key AND n.revision > l.revision AND n.revision <= @at)
       ORDER BY key LIMIT @limit`,
    );
  return {
    getCurrent: db.prepare(`SELECT ${KV_COLUMNS} FROM current WHERE key = ?`),
    exists: db.prepare('SELECT 1 FROM current WHERE key = ?').pluck(),
    listFrom: db.prepare(`SELECT ${KV_COLUMNS} FROM current WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`),
    listAfter: db.prepare(`SELECT ${KV_COLUMNS} FROM current WHERE key > ? AND key < ? ORDER BY key LIMIT ?`),
    listAtFrom: listAt('>='),
    listAtAfter: listAt('>'),
    count: db.prepare('SELECT count(*) FROM current WHERE key >= ? AND key < ?').pluck(),
    insertLog: db.prepare('INSERT INTO log (revision, key, type, value, create_revision, prev_revision) VALUES (?, ?, ?, ?, ?, ?)'),
    insertCurrent: db.prepare('INSERT INTO current (key, value, create_revision, mod_revision) VALUES (?, ?, ?, ?)'),
    updateCurrent: db.prepare('UPDATE current SET value = ?, mod_revision = ? WHERE key = ?'),
    deleteCurrent: db.prepare('DELETE FROM current WHERE key = ?'),
    history: db.prepare(
      `SELECT l.revision, l.key, l.type, l.value, l.create_revision AS createRevision,
              p.revision AS prevRevision, p.value AS prevValue, p.create_revision AS prevCreateRevision
       FROM log l LEFT JOIN log p ON l.prev_revision > 0 AND p.revision = l.prev_revision
       WHERE l.revision > ? AND l.revision <= ? AND l.key >= ? AND l.key < ?
       ORDER BY l.revision LIMIT ?`,
    ),
    maxRevision: db.prepare('SELECT max(revision) FROM log').pluck(),
    getCompacted: db.prepare("SELECT value FROM meta WHERE name = 'compacted'").pluck(),
    setCompacted: db.prepare("UPDATE meta SET value = ? WHERE name = 'compacted'"),
    deleteSuperseded: db.prepare(
      'DELETE FROM log WHERE revision IN (SELECT prev_revision FROM log WHERE revision > ? AND revision <= ? AND prev_revision > 0)',
    ),
    deleteDeletes: db.prepare(`DELETE FROM log WHERE type = ${LogType.delete} AND revision > ? AND revision <= ?`),
  };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
