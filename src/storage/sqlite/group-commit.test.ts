import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit.ts';

function setup() {
  const db = new Database(':memory:');
  // A deferred foreign key lets a test make COMMIT itself fail.
  db.exec(`
    CREATE TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TABLE item (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
    INSERT INTO parent (id) VALUES (1);
  `);
  db.pragma('foreign_keys = ON');
  const insert = db.transaction((id: number, parent: number | null) => {
    db.prepare('INSERT INTO item (id, parent) VALUES (?, ?)').run(id, parent);
  });
  const log: string[] = [];
  const group = new GroupCommit(db, {
    committed: () => log.push('committed'),
    rolledBack: (err) => log.push(`rolled back: ${err.message}`),
  });
  const ids = () => (db.prepare('SELECT id FROM item ORDER BY id').pluck().all() as number[]).join(',');
  return { db, insert, group, log, ids };
}

test('writes made in the same turn share one commit', async () => {
  const { db, insert, group, log, ids } = setup();
  const writes = [1, 2, 3].map((id) => group.write(() => insert(id, 1)));
  assert.equal(db.inTransaction, true);
  assert.equal(group.open, true);
  await Promise.all(writes);
  assert.deepEqual(log, ['committed']);
  assert.equal(db.inTransaction, false);
  assert.equal(ids(), '1,2,3');
  db.close();
});

test('a failing write undoes only itself', async () => {
  const { db, insert, group, log, ids } = setup();
  const first = group.write(() => insert(1, 1));
  assert.throws(() => group.write(() => insert(1, 1)), /UNIQUE/);
  const third = group.write(() => insert(3, 1));
  await Promise.all([first, third]);
  assert.deepEqual(log, ['committed']);
  assert.equal(ids(), '1,3');
  // A failure as the first write of a batch leaves no transaction behind.
  assert.throws(() => group.write(() => insert(3, 1)), /UNIQUE/);
  assert.equal(db.inTransaction, false);
  db.close();
});

test('a failed commit rejects every write of the batch and keeps nothing', async () => {
  const { db, insert, group, log, ids } = setup();
  const good = group.write(() => insert(1, 1));
  const orphan = group.write(() => insert(2, 99)); // violates the deferred foreign key at COMMIT
  const results = await Promise.allSettled([good, orphan]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(log.length, 1);
  assert.match(log[0], /^rolled back: .*FOREIGN KEY/);
  assert.equal(ids(), '');
  assert.equal(db.inTransaction, false);
  // The next batch is unaffected.
  await group.write(() => insert(5, 1));
  assert.equal(ids(), '5');
  db.close();
});

test('flush commits at once', () => {
  const { db, insert, group, log, ids } = setup();
  void group.write(() => insert(7, 1));
  group.flush();
  assert.deepEqual(log, ['committed']);
  assert.equal(db.inTransaction, false);
  assert.equal(ids(), '7');
  group.flush(); // nothing pending: no-op
  assert.deepEqual(log, ['committed']);
  db.close();
});
