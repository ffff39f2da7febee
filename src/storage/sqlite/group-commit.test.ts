import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit.ts';

function setup(durable?: () => Promise<void>) {
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
    committed: () => {
      log.push('committed');
      return () => log.push('durable');
    },
    rolledBack: (err) => log.push(`rolled back: ${err.message}`),
    durable,
    durabilityFailed: (err) => log.push(`not durable: ${err.message}`),
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
  assert.deepEqual(log, ['committed', 'durable']);
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
  assert.deepEqual(log, ['committed', 'durable']);
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

/** A `durable` hook the test resolves by hand, like an fdatasync in flight. */
function manualDurability() {
  const flushes: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  const durable = () => new Promise<void>((resolve, reject) => flushes.push({ resolve, reject }));
  return { flushes, durable };
}

test('writers are told only once the batch is durable, and the next batch commits meanwhile', async () => {
  const { flushes, durable } = manualDurability();
  const { db, insert, group, log, ids } = setup(durable);
  let firstDone = false;
  const first = group
    .write(() => insert(1, 1))
    .then(() => {
      firstDone = true;
    });
  group.flush();
  assert.deepEqual(log, ['committed']);
  assert.equal(ids(), '1');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(firstDone, false, 'acknowledged before it was durable');
  // The event loop is free: a second batch commits while the first is still being flushed.
  const second = group.write(() => insert(2, 1));
  group.flush();
  assert.deepEqual(log, ['committed', 'committed']);
  assert.equal(flushes.length, 2);
  flushes[0].resolve();
  await first;
  assert.deepEqual(log, ['committed', 'committed', 'durable']);
  flushes[1].resolve();
  await second;
  assert.deepEqual(log, ['committed', 'committed', 'durable', 'durable']);
  db.close();
});

test('a failed flush rejects the batch and reports it', async () => {
  const { flushes, durable } = manualDurability();
  const { db, insert, group, log } = setup(durable);
  const write = group.write(() => insert(1, 1));
  group.flush();
  flushes[0].reject(new Error('EIO'));
  await assert.rejects(write, /EIO/);
  assert.deepEqual(log, ['committed', 'not durable: EIO']);
  db.close();
});

test('a hold defers commits, not writes; commitNow waits for it', async () => {
  const { db, insert, group, log, ids } = setup();
  let release!: () => void;
  group.hold(new Promise<void>((resolve) => (release = resolve)));
  const write = group.write(() => insert(1, 1));
  group.flush();
  assert.equal(db.inTransaction, true, 'committed during a hold');
  assert.deepEqual(log, []);
  const committedNow = group.commitNow();
  release();
  await committedNow;
  assert.equal(db.inTransaction, false);
  await write;
  assert.deepEqual(log, ['committed', 'durable']);
  assert.equal(ids(), '1');
  db.close();
});
