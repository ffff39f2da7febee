// Opens the SQLite database file with Hale's pragmas and creates the tables.
//
// `log` is the append-only history (one row per write, kine-style); `current` holds each
// live key's latest value so reads at the latest revision never scan history; `meta` keeps
// the compacted revision. The API server is the only writer, so the file is opened in
// exclusive locking mode: a second process opening the same data dir fails fast instead of
// silently corrupting the revision counter.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SynchronousMode = 'FULL' | 'NORMAL' | 'OFF';

export interface SqliteOpenOptions {
  /**
   * FULL (default): each acknowledged write is fsynced to the WAL, so it survives kill -9
   * and power loss. NORMAL: survives a process crash but a power loss may lose the last
   * commits. OFF: only for throwaway data. The database is opened with SQLite's NORMAL (or
   * OFF); SqliteStore then switches SQLite's own fsyncs off and makes them itself, off the
   * event loop (see ./sqlite-store.ts).
   */
  synchronous?: SynchronousMode;
  /** Take an exclusive lock on the file (default true). */
  exclusive?: boolean;
}

/** Row type codes in `log.type`. */
export const LogType = { create: 0, update: 1, delete: 2 } as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  type INTEGER NOT NULL,
  value TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS current (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  mod_revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', 1), ('compacted', 0);
`;

export function openDatabase(path: string, options: SqliteOpenOptions = {}): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // Nothing else may hold the lock, so do not wait long for one (the default is 5 s).
  const db = new Database(path, { timeout: 250 });
  try {
    if (options.exclusive ?? true) db.pragma('locking_mode = EXCLUSIVE');
    // Must precede table creation to take effect; lets the compactor hand free pages back.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'OFF' ? 'OFF' : 'NORMAL'}`);
    // The store checkpoints by itself, without blocking on the disk (SqliteStore.checkpoint).
    db.pragma('wal_autocheckpoint = 0');
    // After a checkpoint, shrink the WAL file back to this size instead of keeping its peak.
    db.pragma(`journal_size_limit = ${32 * 1024 * 1024}`);
    db.pragma('cache_size = -32768'); // 32 MiB
    db.pragma('temp_store = MEMORY');
    db.exec(SCHEMA);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`database ${path} is locked by another process (is another hale server using this data directory?)`, { cause: err });
    }
    throw err;
  }
  return db;
}
