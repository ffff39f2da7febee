import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter } from './rate-limiter.ts';
import { FakeClock, flushMicrotasks } from './testing/fake-clock.ts';
import { WorkQueue } from './workqueue.ts';

test('add de-duplicates keys waiting in the queue and keeps order', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.len(), 0);
});

test('a key re-added while processing is handed out again only after done()', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 0, 'not handed to a second worker while in process');
  let second: string | undefined;
  q.get().then((k) => {
    second = k;
  });
  await flushMicrotasks(2);
  assert.equal(second, undefined);
  q.done('a');
  await flushMicrotasks(2);
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.len(), 0);
});

test('done() without a re-add does not requeue', async () => {
  const q = new WorkQueue();
  q.add('a');
  await q.get();
  q.done('a');
  assert.equal(q.len(), 0);
});

test('get() waits for a key; shutDown releases waiting workers after the queue empties', async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.add('x');
  assert.equal(await waiting, 'x');
  q.add('left');
  q.shutDown();
  q.add('ignored');
  assert.equal(await q.get(), 'left', 'queued keys are still handed out');
  assert.equal(await q.get(), undefined);
  const blocked = new WorkQueue();
  const pending = blocked.get();
  blocked.shutDown();
  assert.equal(await pending, undefined);
});

test('shutDownWithDrain waits for keys in process', async () => {
  const q = new WorkQueue();
  q.add('a');
  await q.get();
  let drained = false;
  const draining = q.shutDownWithDrain().then(() => {
    drained = true;
  });
  await flushMicrotasks(2);
  assert.equal(drained, false);
  q.done('a');
  await draining;
  assert.equal(drained, true);
});

test('addAfter delays a key; the earliest requested time wins', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('a', 100);
  q.addAfter('a', 50);
  q.addAfter('a', 500);
  q.addAfter('now', 0);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'now');
  await clock.advance(49);
  assert.equal(q.len(), 0);
  await clock.advance(1);
  assert.equal(q.len(), 1);
  await clock.advance(1000);
  assert.equal(q.len(), 1, 'the later timers were dropped');
  q.shutDown();
  q.addAfter('b', 10);
  assert.equal(clock.pendingTimers(), 0);
});

test('addRateLimited backs off exponentially per key until forget()', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000_000) });
  const readyAfter = async (key: string) => {
    q.addRateLimited(key);
    let waited = 0;
    while (q.len() === 0) {
      await clock.advance(1);
      waited++;
    }
    assert.equal(await q.get(), key);
    q.done(key);
    return waited;
  };
  assert.deepEqual([await readyAfter('k'), await readyAfter('k'), await readyAfter('k'), await readyAfter('k')], [5, 10, 20, 40]);
  assert.equal(q.numRequeues('k'), 4);
  assert.equal(await readyAfter('other'), 5, 'back-off is per key');
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  assert.equal(await readyAfter('k'), 5);
});

test('the exponential limiter caps at its maximum', () => {
  const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1000_000);
  const delays = Array.from({ length: 100 }, () => limiter.when('x'));
  assert.equal(delays[0], 5);
  assert.equal(delays[17], 5 * 2 ** 17);
  assert.equal(delays.at(-1), 1000_000);
  assert.ok(delays.every((d) => Number.isFinite(d) && d <= 1000_000));
});

test('the bucket allows a burst, then spaces items at its rate', async () => {
  const clock = new FakeClock();
  const bucket = new BucketRateLimiter<string>(10, 3, clock);
  assert.deepEqual([bucket.when('a'), bucket.when('b'), bucket.when('c')], [0, 0, 0]);
  assert.equal(bucket.when('d'), 100);
  assert.equal(bucket.when('e'), 200);
  await clock.advance(1000);
  assert.equal(bucket.when('f'), 0);
});

test('the default controller limiter takes the longer of item back-off and bucket', () => {
  const clock = new FakeClock();
  const limiter = defaultControllerRateLimiter<string>(clock);
  for (let i = 0; i < 100; i++) assert.equal(limiter.when(`burst-${i}`), 5);
  assert.equal(limiter.when('over-burst'), 100, 'the bucket is empty: 1/10 s');
  assert.equal(limiter.numRequeues('burst-1'), 1);
});
