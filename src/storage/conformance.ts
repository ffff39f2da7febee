// One behavioural suite every Store backend must pass. Each backend's test file calls
// runStoreConformance with a factory; every test gets a fresh, empty store.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store, StoreWatchEvent, Watch } from './store.ts';
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError, WatcherTooSlowError } from './store.ts';
import type { WatchHubOptions } from './watch-hub.ts';
import { StoreClosedError } from './watch-hub.ts';

/** Backends should pass these through to their watch machinery. */
export type ConformanceStoreOptions = WatchHubOptions;

export type StoreFactory = (options?: ConformanceStoreOptions) => Promise<{ store: Store; cleanup: () => Promise<void> }>;

export function runStoreConformance(name: string, makeStore: StoreFactory): void {
  async function withStore(fn: (store: Store) => Promise<void>, options?: ConformanceStoreOptions): Promise<void> {
    const { store, cleanup } = await makeStore(options);
    try {
      await fn(store);
    } finally {
      await store.close();
      await cleanup();
    }
  }

  describe(`${name} store conformance`, () => {
    describe('create, get, update, delete', () => {
      test('create assigns one new revision as both create and mod revision', () =>
        withStore(async (store) => {
          assert.equal(await store.currentRevision(), 0);
          const a = await store.create('/r/a', 'A');
          assert.deepEqual(a, { key: '/r/a', value: 'A', createRevision: 1, modRevision: 1 });
          const b = await store.create('/r/b', 'B');
          assert.equal(b.modRevision, 2);
          assert.equal(await store.currentRevision(), 2);
          assert.deepEqual(await store.get('/r/a'), a);
          assert.equal(await store.get('/r/missing'), undefined);
        }));

      test('create of an existing key fails with KeyExistsError and writes nothing', () =>
        withStore(async (store) => {
          await store.create('/r/a', 'A');
          await assert.rejects(store.create('/r/a', 'A2'), (err: unknown) => err instanceof KeyExistsError && err.key === '/r/a');
          assert.equal(await store.currentRevision(), 1);
          assert.equal((await store.get('/r/a'))?.value, 'A');
        }));

      test('update succeeds only at the stored revision and keeps createRevision', () =>
        withStore(async (store) => {
          const a = await store.create('/r/a', 'A');
          await store.create('/r/other', 'x');
          const a2 = await store.update('/r/a', 'A2', a.modRevision);
          assert.deepEqual(a2, { key: '/r/a', value: 'A2', createRevision: 1, modRevision: 3 });
          await assert.rejects(
            store.update('/r/a', 'stale', a.modRevision),
            (err: unknown) => err instanceof ConflictError && err.key === '/r/a' && err.actualRevision === 3,
          );
          assert.deepEqual(await store.get('/r/a'), a2);
          assert.equal(await store.currentRevision(), 3);
        }));

      test('update of a missing key fails with KeyNotFoundError', () =>
        withStore(async (store) => {
          await assert.rejects(store.update('/r/none', 'v', 1), (err: unknown) => err instanceof KeyNotFoundError && err.key === '/r/none');
          assert.equal(await store.currentRevision(), 0);
        }));

      test('delete without a revision removes the key and returns the last value', () =>
        withStore(async (store) => {
          const a = await store.create('/r/a', 'A');
          const deleted = await store.delete('/r/a');
          assert.deepEqual(deleted, a);
          assert.equal(await store.get('/r/a'), undefined);
          assert.equal(await store.currentRevision(), 2);
          await assert.rejects(store.delete('/r/a'), KeyNotFoundError);
          // The key can be created again, with a new createRevision.
          const again = await store.create('/r/a', 'A again');
          assert.equal(again.createRevision, 3);
        }));

      test('delete with an expected revision checks it', () =>
        withStore(async (store) => {
          const a = await store.create('/r/a', 'A');
          const a2 = await store.update('/r/a', 'A2', a.modRevision);
          await assert.rejects(
            store.delete('/r/a', a.modRevision),
            (err: unknown) => err instanceof ConflictError && err.actualRevision === a2.modRevision,
          );
          assert.deepEqual(await store.get('/r/a'), a2);
          assert.deepEqual(await store.delete('/r/a', a2.modRevision), a2);
          assert.equal(await store.get('/r/a'), undefined);
        }));
    });

    describe('list and count', () => {
      test('a prefix matches only keys below it', () =>
        withStore(async (store) => {
          const keys = ['/a/b/2', '/a/bc/1', '/a/b', '/a/b/1', '/a/c', '/a/b/1/x', '/a/a', '/a/b/zz', '/a/b/\u00fc', '/a/b/~', '/a/b0'];
          for (const key of keys) await store.create(key, key);
          const result = await store.list('/a/b/');
          assert.deepEqual(
            result.items.map((kv) => kv.key),
            ['/a/b/1', '/a/b/1/x', '/a/b/2', '/a/b/zz', '/a/b/~', '/a/b/\u00fc'],
          );
          assert.equal(result.more, false);
          assert.equal(result.revision, keys.length);
          assert.equal(await store.count('/a/b/'), 6);
          assert.equal(await store.count('/a/'), keys.length);
          assert.equal(await store.count(''), keys.length);
          assert.equal(await store.count('/nothing/'), 0);
          assert.deepEqual((await store.list('/nothing/')).items, []);
        }));

      test('list items carry their own revisions', () =>
        withStore(async (store) => {
          const a = await store.create('/p/a', 'A');
          const b = await store.create('/p/b', 'B');
          const a2 = await store.update('/p/a', 'A2', a.modRevision);
          assert.deepEqual((await store.list('/p/')).items, [a2, b]);
        }));

      test('limit and startAfter page through keys in order', () =>
        withStore(async (store) => {
          const keys = Array.from({ length: 25 }, (_, i) => `/page/item-${String(i).padStart(2, '0')}`);
          for (const key of [...keys].reverse()) await store.create(key, 'v');
          await store.create('/pagez', 'outside');
          const seen: string[] = [];
          let startAfter: string | undefined;
          const pages: Array<{ n: number; more: boolean }> = [];
          for (;;) {
            const page = await store.list('/page/', { limit: 10, startAfter });
            pages.push({ n: page.items.length, more: page.more });
            seen.push(...page.items.map((kv) => kv.key));
            if (!page.more) break;
            startAfter = page.items[page.items.length - 1].key;
          }
          assert.deepEqual(pages, [
            { n: 10, more: true },
            { n: 10, more: true },
            { n: 5, more: false },
          ]);
          assert.deepEqual(seen, keys);
          // An exact fit is not "more".
          const exact = await store.list('/page/', { limit: 5, startAfter: keys[19] });
          assert.equal(exact.items.length, 5);
          assert.equal(exact.more, false);
          // startAfter below the prefix does not widen the range.
          const fromStart = await store.list('/page/', { limit: 2, startAfter: '/a' });
          assert.deepEqual(
            fromStart.items.map((kv) => kv.key),
            keys.slice(0, 2),
          );
        }));

      test('list at an older revision shows the state of that moment', () =>
        withStore(async (store) => {
          const a = await store.create('/o/a', 'A1');
          const b = await store.create('/o/b', 'B1');
          const then = await store.currentRevision();
          await store.update('/o/a', 'A2', a.modRevision);
          await store.delete('/o/b');
          const c = await store.create('/o/c', 'C1');
          await store.create('/o/b', 'B-again');

          const old = await store.list('/o/', { revision: then });
          assert.equal(old.revision, then);
          assert.deepEqual(old.items, [a, b]);

          const mid = await store.list('/o/', { revision: c.modRevision });
          assert.deepEqual(
            mid.items.map((kv) => `${kv.key}=${kv.value}`),
            ['/o/a=A2', '/o/c=C1'],
          );
          const paged = await store.list('/o/', { revision: c.modRevision, limit: 1, startAfter: '/o/a' });
          assert.deepEqual(
            paged.items.map((kv) => kv.key),
            ['/o/c'],
          );
          assert.equal(paged.more, false);
          const firstOnly = await store.list('/o/', { revision: then, limit: 1 });
          assert.deepEqual(firstOnly.items, [a]);
          assert.equal(firstOnly.more, true);

          const latest = await store.list('/o/');
          assert.deepEqual(
            latest.items.map((kv) => `${kv.key}=${kv.value}`),
            ['/o/a=A2', '/o/b=B-again', '/o/c=C1'],
          );
        }));

      test('list at a future revision is refused', () =>
        withStore(async (store) => {
          await store.create('/f/a', 'A');
          await assert.rejects(store.list('/f/', { revision: 99 }));
        }));
    });

    describe('watch', () => {
      test('replays history after a revision with prevKv, then streams live events', () =>
        withStore(async (store) => {
          const a = await store.create('/w/a', 'A1');
          const a2 = await store.update('/w/a', 'A2', a.modRevision);
          await store.create('/x/outside', 'ignored');
          await store.delete('/w/a');
          const watcher = collect(store, '/w/', a.modRevision);
          await watcher.waitFor(2);
          const recreated = await store.create('/w/a', 'A3');
          const events = await watcher.waitFor(3);
          watcher.close();
          assert.deepEqual(events, [
            { type: 'update', kv: a2, prevKv: a },
            { type: 'delete', kv: { ...a2, modRevision: 4 }, prevKv: a2 },
            { type: 'create', kv: recreated },
          ]);
        }));

      test('live events carry prevKv and the deleted value', () =>
        withStore(async (store) => {
          const watcher = collect(store, '/w/', 0);
          const a = await store.create('/w/a', 'A1');
          const a2 = await store.update('/w/a', 'A2', a.modRevision);
          await store.delete('/w/a', a2.modRevision);
          const events = await watcher.waitFor(3);
          watcher.close();
          assert.deepEqual(events, [
            { type: 'create', kv: a },
            { type: 'update', kv: a2, prevKv: a },
            { type: 'delete', kv: { ...a2, modRevision: 3 }, prevKv: a2 },
          ]);
        }));

      test('watching from the current revision delivers only new events', () =>
        withStore(async (store) => {
          await store.create('/n/old', 'old');
          await store.create('/n/older', 'older');
          const watcher = collect(store, '/n/', await store.currentRevision());
          const fresh = await store.create('/n/new', 'new');
          const events = await watcher.waitFor(1);
          await settle();
          watcher.close();
          assert.deepEqual(events, [{ type: 'create', kv: fresh }]);
        }));

      test('callbacks never run inside a write', () =>
        withStore(async (store) => {
          const watcher = collect(store, '/cb/', 0);
          const pending = store.create('/cb/a', 'A');
          assert.equal(watcher.events.length, 0);
          await pending;
          await watcher.waitFor(1);
          watcher.close();
        }));

      test('a watch only sees its prefix', () =>
        withStore(async (store) => {
          const watcher = collect(store, '/a/b/', 0);
          await store.create('/a/bc', 'no');
          await store.create('/a/b', 'no');
          const yes = await store.create('/a/b/1', 'yes');
          await store.create('/a/c/1', 'no');
          await watcher.waitFor(1);
          await settle();
          watcher.close();
          assert.deepEqual(watcher.events, [{ type: 'create', kv: yes }]);
        }));

      test('replay and live meet without gap or duplicate while writes continue', () =>
        withStore(
          async (store) => {
            for (let i = 0; i < 40; i++) await store.create(`/g/${i % 7}/${i}`, `v${i}`);
            const watcher = collect(store, '/g/', 10);
            // Keep writing while the replay (in pages of 3) is in progress.
            for (let i = 40; i < 80; i++) {
              await store.create(`/g/${i % 7}/${i}`, `v${i}`);
              if (i % 5 === 0) await settle();
            }
            const events = await watcher.waitFor(70);
            await settle();
            watcher.close();
            assert.deepEqual(
              events.map((e) => e.kv.modRevision),
              Array.from({ length: 70 }, (_, i) => i + 11),
            );
          },
          { replayPageSize: 3 },
        ));

      test('events across many keys arrive in revision order', () =>
        withStore(async (store) => {
          const watcher = collect(store, '/many/', 0);
          const keys = Array.from({ length: 20 }, (_, i) => `/many/k${i}`);
          await Promise.all(keys.map((key) => store.create(key, '0')));
          await Promise.all(
            keys.map(async (key) => {
              let rev = (await store.get(key))!.modRevision;
              for (let round = 1; round <= 5; round++) rev = (await store.update(key, String(round), rev)).modRevision;
            }),
          );
          await Promise.all(keys.map((key) => store.delete(key)));
          const events = await watcher.waitFor(140);
          await settle();
          watcher.close();
          const revisions = events.map((e) => e.kv.modRevision);
          assert.deepEqual(
            revisions,
            Array.from({ length: 140 }, (_, i) => i + 1),
          );
          // Every key went create, 5 updates, delete, in that order.
          for (const key of keys) {
            const mine = events.filter((e) => e.kv.key === key);
            assert.deepEqual(
              mine.map((e) => `${e.type}:${e.kv.value}`),
              ['create:0', 'update:1', 'update:2', 'update:3', 'update:4', 'update:5', 'delete:5'],
            );
          }
        }));

      test('close() stops delivery without calling onClose', () =>
        withStore(async (store) => {
          const watcher = collect(store, '/c/', 0);
          await store.create('/c/a', 'A');
          await watcher.waitFor(1);
          watcher.close();
          await store.create('/c/b', 'B');
          await settle();
          assert.equal(watcher.events.length, 1);
          assert.equal(watcher.closedWith, undefined);
        }));

      test('closing the store calls onClose on every watcher', () =>
        withStore(async (store) => {
          const reasons: unknown[] = [];
          store.watch('/s/', { afterRevision: 0, onEvents: () => {}, onClose: (err) => reasons.push(err) });
          store.watch('/t/', { afterRevision: 0, onEvents: () => {}, onClose: (err) => reasons.push(err) });
          await store.close();
          assert.equal(reasons.length, 2);
          for (const reason of reasons) assert.ok(reason instanceof StoreClosedError);
        }));

      test('a watcher that does not keep up is closed with WatcherTooSlowError', () =>
        withStore(
          async (store) => {
            let batches = 0;
            let closedWith: Error | undefined;
            // The first batch never finishes processing, so later events can only queue.
            store.watch('/slow/', {
              afterRevision: 0,
              onEvents: () => {
                batches++;
                return new Promise<void>(() => {});
              },
              onClose: (err) => {
                closedWith = err;
              },
            });
            const fast = collect(store, '/slow/', 0);
            for (let i = 0; i < 5; i++) await store.create(`/slow/${i}`, 'v');
            await settle();
            assert.equal(closedWith as Error | undefined, undefined, 'a queue of exactly the limit is still fine');
            await store.create('/slow/5', 'v');
            await settle();
            assert.ok((closedWith as Error | undefined) instanceof WatcherTooSlowError, 'one event past the limit closes it');
            for (let i = 6; i < 12; i++) await store.create(`/slow/${i}`, 'v');
            await settle();
            assert.equal(batches, 1);
            // The healthy watcher is unaffected.
            assert.equal((await fast.waitFor(12)).length, 12);
            assert.equal(fast.closedWith, undefined);
            fast.close();
          },
          { queueLimit: 4 },
        ));

      test('a watcher whose batch promise resolves gets the queued events next', () =>
        withStore(async (store) => {
          const batches: number[][] = [];
          let release!: () => void;
          store.watch('/bp/', {
            afterRevision: 0,
            onEvents: (events) => {
              batches.push(events.map((e) => e.kv.modRevision));
              if (batches.length === 1) return new Promise<void>((resolve) => (release = resolve));
            },
          });
          await store.create('/bp/1', 'v');
          await settle();
          await store.create('/bp/2', 'v');
          await store.create('/bp/3', 'v');
          await settle();
          assert.deepEqual(batches, [[1]]);
          release();
          await settle();
          assert.deepEqual(batches, [[1], [2, 3]]);
        }));
    });

    describe('compaction', () => {
      test('history at or below the compacted revision is gone; current values stay', () =>
        withStore(async (store) => {
          const a = await store.create('/z/a', 'A1');
          const b = await store.create('/z/b', 'B1');
          const a2 = await store.update('/z/a', 'A2', a.modRevision);
          await store.create('/z/gone', 'G');
          await store.delete('/z/gone');
          const c = await store.create('/z/c', 'C1');
          const compactAt = c.modRevision; // 6
          const b2 = await store.update('/z/b', 'B2', b.modRevision);
          await store.compact(compactAt);
          assert.equal(await store.compactedRevision(), compactAt);
          assert.equal(await store.currentRevision(), 7);

          await assert.rejects(
            store.list('/z/', { revision: compactAt - 1 }),
            (err: unknown) => err instanceof CompactedError && err.requested === compactAt - 1 && err.compacted === compactAt,
          );
          assert.throws(() => store.watch('/z/', { afterRevision: 2, onEvents: () => {} }), CompactedError);
          assert.throws(() => store.watch('/z/', { afterRevision: 0, onEvents: () => {} }), CompactedError);

          // The state at the compacted revision is still readable.
          assert.deepEqual((await store.list('/z/', { revision: compactAt })).items, [a2, b, c]);
          assert.deepEqual((await store.list('/z/')).items, [a2, b2, c]);
          assert.deepEqual(await store.get('/z/a'), a2);

          // A watch from the compacted revision still sees later events with their prevKv.
          const watcher = collect(store, '/z/', compactAt);
          const a3 = await store.update('/z/a', 'A3', a2.modRevision);
          const events = await watcher.waitFor(2);
          watcher.close();
          assert.deepEqual(events, [
            { type: 'update', kv: b2, prevKv: b },
            { type: 'update', kv: a3, prevKv: a2 },
          ]);

          // Compacting to an older revision is a no-op; to a future one is refused.
          await store.compact(3);
          assert.equal(await store.compactedRevision(), compactAt);
          await assert.rejects(store.compact(100));
        }));

      test('compacting away a trailing delete keeps the revision counter', () =>
        withStore(async (store) => {
          await store.create('/d/a', 'A');
          await store.delete('/d/a');
          await store.compact(2);
          assert.equal(await store.currentRevision(), 2);
          assert.deepEqual((await store.list('/d/')).items, []);
          assert.equal((await store.create('/d/a', 'again')).modRevision, 3);
        }));

      test('a watcher still replaying when history is compacted gets CompactedError', () =>
        withStore(
          async (store) => {
            for (let i = 0; i < 20; i++) await store.create(`/rc/${i}`, 'v');
            let closedWith: Error | undefined;
            let seen = 0;
            let release!: () => void;
            store.watch('/rc/', {
              afterRevision: 0,
              onEvents: (events) => {
                seen += events.length;
                return new Promise<void>((resolve) => (release = resolve));
              },
              onClose: (err) => {
                closedWith = err;
              },
            });
            await settle();
            assert.equal(seen, 2);
            await store.compact(10);
            release();
            await settle();
            assert.ok(closedWith instanceof CompactedError);
            assert.equal(seen, 2);
          },
          { replayPageSize: 2 },
        ));
    });

    describe('concurrency', () => {
      test('parallel updates at the same revision: exactly one wins', () =>
        withStore(async (store) => {
          const base = await store.create('/cc/k', '0');
          const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => store.update('/cc/k', `w${i}`, base.modRevision)));
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r) => r.status === 'rejected');
          assert.equal(won.length, 1);
          assert.equal(lost.length, 29);
          for (const r of lost) assert.ok((r as PromiseRejectedResult).reason instanceof ConflictError);
          assert.equal(await store.currentRevision(), base.modRevision + 1);
        }));

      test('writers retrying on conflict each get unique, increasing revisions', () =>
        withStore(async (store) => {
          await store.create('/cc/counter', '0');
          const writers = 8;
          const incrementsEach = 15;
          let conflicts = 0;
          const perWriter = await Promise.all(
            Array.from({ length: writers }, async (_, w) => {
              const mine: number[] = [];
              while (mine.length < incrementsEach) {
                const cur = (await store.get('/cc/counter'))!;
                // Yield so the writers really interleave between read and write.
                await settle();
                try {
                  const next = await store.update('/cc/counter', String(Number(cur.value) + 1), cur.modRevision);
                  mine.push(next.modRevision);
                } catch (err) {
                  assert.ok(err instanceof ConflictError, `writer ${w}: ${err}`);
                  conflicts++;
                }
              }
              return mine;
            }),
          );
          for (const mine of perWriter) for (let i = 1; i < mine.length; i++) assert.ok(mine[i] > mine[i - 1]);
          const all = perWriter.flat().sort((x, y) => x - y);
          assert.deepEqual(
            all,
            Array.from({ length: writers * incrementsEach }, (_, i) => i + 2),
          );
          assert.equal((await store.get('/cc/counter'))!.value, String(writers * incrementsEach));
          assert.ok(conflicts > 0, 'the writers should have collided at least once');
        }));
    });
  });
}

/** Lets queued microtasks and immediates (watch delivery, replay pages) run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Collector {
  events: StoreWatchEvent[];
  closedWith: Error | undefined;
  /** Resolves once at least n events arrived; rejects if the watch closes first. */
  waitFor(n: number): Promise<StoreWatchEvent[]>;
  close(): void;
}

function collect(store: Store, prefix: string, afterRevision: number): Collector {
  const waiters: Array<{ n: number; resolve: (events: StoreWatchEvent[]) => void; reject: (err: Error) => void }> = [];
  const collector: Collector = {
    events: [],
    closedWith: undefined,
    waitFor(n) {
      if (collector.events.length >= n) return Promise.resolve(collector.events);
      if (collector.closedWith) return Promise.reject(collector.closedWith);
      return new Promise((resolve, reject) => {
        // A guard against hanging the run when events are lost, not a timing assertion.
        const timer = setTimeout(() => reject(new Error(`still waiting for ${n} events, got ${collector.events.length}`)), 10_000);
        const done =
          <T>(fn: (arg: T) => void) =>
          (arg: T) => {
            clearTimeout(timer);
            fn(arg);
          };
        waiters.push({ n, resolve: done(resolve), reject: done(reject) });
      });
    },
    close: () => watch.close(),
  };
  const watch: Watch = store.watch(prefix, {
    afterRevision,
    onEvents(batch) {
      collector.events.push(...batch);
      for (const waiter of [...waiters]) {
        if (collector.events.length >= waiter.n) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(collector.events);
        }
      }
    },
    onClose(err) {
      collector.closedWith = err;
      for (const waiter of waiters.splice(0)) waiter.reject(err);
    },
  });
  return collector;
}
