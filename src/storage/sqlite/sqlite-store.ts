// The embedded SQLite Store (the default backend). better-sqlite3 is synchronous: each
// method does its work in one synchronous step, which is what makes watch delivery
// gap-free (see ../watch-hub.ts). Statements are prepared once; a write appends to `log`
// and upserts `current`, inside the group-commit transaction of the current event-loop
// turn (see ./group-commit.ts), and resolves once that transaction is durable. Reads in
// this process may already see a write whose commit is still in flight; watchers only
// ever see committed events.

import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { KeyValue, ListOptions, ListResult, Store, StoreWatchEvent, Watch, WatchEventType, WatchOptions } from '../store.ts';
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError } from '../store.ts';
import type { HistorySource, WatchHubOptions } from '../watch-hub.ts';
import { StoreClosedError, WatchHub } from '../watch-hub.ts';
import { GroupCommit } from './group-commit.ts';
import type { SqliteOpenOptions } from './schema.ts';
import { LogType, openDatabase } from './schema.ts';

export interface SqliteStoreOptions extends SqliteOpenOptions, WatchHubOptions {}

/** Compaction deletes history in slices of this many revisions, one transaction each, so writes are never blocked for long. */
const COMPACTION_SLICE = 5_000;

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
  /** Revision of the newest committed write: what watchers may see. */
  private committedRevision: number;
  private compacted: number;
  private readonly groupCommit: GroupCommit;
  /** Events of the batch in flight, published when it commits. */
  private uncommittedEvents: StoreWatchEvent[] = [];
  private closed = false;

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
      currentRevision: () => this.committedRevision,
      compactedRevision: () => this.compacted,
    };
    this.hub = new WatchHub(history, options);
    this.groupCommit = new GroupCommit(this.db, {
      committed: () => {
        this.committedRevision = this.revision;
        const events = this.uncommittedEvents;
        this.uncommittedEvents = [];
        this.hub.publish(events);
      },
      rolledBack: () => {
        this.revision = this.committedRevision;
        this.uncommittedEvents = [];
      },
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
    this.assertOpen();
    if (this.stmt.exists.get(key) !== undefined) throw new KeyExistsError(key);
    const revision = this.revision + 1;
    const durable = this.groupCommit.write(() => this.writeCreate(key, value, revision));
    this.revision = revision;
    const kv: KeyValue = { key, value, createRevision: revision, modRevision: revision };
    this.uncommittedEvents.push({ type: 'create', kv: { ...kv } });
    await durable;
    return kv;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.assertOpen();
    const prev = this.stmt.getCurrent.get(key) as KeyValue | undefined;
    if (!prev) throw new KeyNotFoundError(key);
    if (prev.modRevision !== expectedRevision) throw new ConflictError(key, prev.modRevision);
    const revision = this.revision + 1;
    const durable = this.groupCommit.write(() => this.writeUpdate(key, value, revision, prev));
    this.revision = revision;
    const kv: KeyValue = { key, value, createRevision: prev.createRevision, modRevision: revision };
    this.uncommittedEvents.push({ type: 'update', kv: { ...kv }, prevKv: prev });
    await durable;
    return kv;
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.assertOpen();
    const prev = this.stmt.getCurrent.get(key) as KeyValue | undefined;
    if (!prev) throw new KeyNotFoundError(key);
    if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) throw new ConflictError(key, prev.modRevision);
    const revision = this.revision + 1;
    const durable = this.groupCommit.write(() => this.writeDelete(revision, prev));
    this.revision = revision;
    this.uncommittedEvents.push({ type: 'delete', kv: { ...prev, modRevision: revision }, prevKv: { ...prev } });
    await durable;
    return prev;
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
    while (this.compacted < revision) {
      // Compaction runs in its own transactions, never inside a write batch.
      this.groupCommit.flush();
      const upTo = Math.min(revision, this.compacted + COMPACTION_SLICE);
      this.compactSlice(this.compacted, upTo);
      this.compacted = upTo;
      // Let requests in between slices of a large compaction.
      if (upTo < revision) await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.closed) return;
    }
  }

  /**
   * Housekeeping the compactor runs after compact(): fold the WAL back into the database
   * and truncate it. Pages freed by compaction are normally reused by the next interval's
   * writes, which is what keeps the file bounded under churn; only when most of the file is
   * free (say after deleting a big namespace) is the excess handed back to the file system.
   */
  maintenance(): void {
    this.assertOpen();
    this.groupCommit.flush();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    if (free > 1024 && free > pages / 2) {
      this.db.pragma(`incremental_vacuum(${free - Math.floor(pages / 4)})`);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
  }

  /** Bytes on disk of the database file and its WAL. */
  fileSizes(): { db: number; wal: number } {
    return { db: fileSize(this.path), wal: fileSize(`${this.path}-wal`) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.groupCommit.flush();
    this.hub.closeAll(new StoreClosedError());
    this.db.close();
  }

  private readHistory(prefix: string, afterRevision: number, limit: number): StoreWatchEvent[] {
    if (this.closed) throw new StoreClosedError();
    const rows = this.stmt.history.all(afterRevision, this.committedRevision, prefix, prefix + KEY_MAX, limit) as HistoryRow[];
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
