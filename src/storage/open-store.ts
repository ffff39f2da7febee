// Chooses the Store backend from the `--datastore-endpoint` style setting.
//
//   (unset), sqlite://          SQLite at <dataDir>/db/state.db (the default)
//   sqlite:///abs/path.db       SQLite at that path (relative paths resolve from the cwd)
//   sqlite://...?synchronous=NORMAL   trade power-loss durability for write speed
//   memory://                   in-memory, nothing survives a restart
//   etcd://host:2379            not implemented yet

import { join, resolve } from 'node:path';
import { MemoryStore } from './memory/memory-store.ts';
import type { SynchronousMode } from './sqlite/schema.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

const SYNCHRONOUS_MODES: SynchronousMode[] = ['FULL', 'NORMAL', 'OFF'];

export async function openStore(endpoint: string | undefined, dataDir: string): Promise<Store> {
  if (endpoint === undefined || endpoint === '') return new SqliteStore(defaultSqlitePath(dataDir));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(endpoint)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return openSqlite(endpoint.slice('sqlite://'.length), dataDir);
    case 'memory':
      return new MemoryStore();
    case 'etcd':
      throw new Error('etcd datastore is not implemented yet');
    default:
      throw new Error(`unsupported datastore endpoint "${endpoint}": use sqlite://[path], memory:// or etcd://host:port`);
  }
}

export function defaultSqlitePath(dataDir: string): string {
  return join(dataDir, 'db', 'state.db');
}

function openSqlite(rest: string, dataDir: string): SqliteStore {
  const queryAt = rest.indexOf('?');
  const pathPart = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const params = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
  let synchronous: SynchronousMode | undefined;
  for (const [name, value] of params) {
    if (name !== 'synchronous') throw new Error(`unknown sqlite datastore option "${name}" (supported: synchronous)`);
    const mode = value.toUpperCase() as SynchronousMode;
    if (!SYNCHRONOUS_MODES.includes(mode)) throw new Error(`invalid synchronous mode "${value}" (use FULL, NORMAL or OFF)`);
    synchronous = mode;
  }
  const path = pathPart === '' ? defaultSqlitePath(dataDir) : resolve(decodeURIComponent(pathPart));
  return new SqliteStore(path, { synchronous });
}
