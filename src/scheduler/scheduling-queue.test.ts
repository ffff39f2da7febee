import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podObject } from './plugins/fixtures.ts';
import { SchedulingQueue } from './scheduling-queue.ts';

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('higher priority first, then first come first served', async () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now });
  q.addOrUpdate(podObject({ name: 'low-old' }));
  clock.advance(1);
  q.addOrUpdate(podObject({ name: 'high', spec: { priority: 100 } }));
  clock.advance(1);
  q.addOrUpdate(podObject({ name: 'low-new' }));
  const order = [(await q.pop())!.info.name, (await q.pop())!.info.name, (await q.pop())!.info.name];
  assert.deepEqual(order, ['high', 'low-old', 'low-new']);
  q.close();
  assert.equal(await q.pop(), undefined);
});

test('unschedulable pods wait for a cluster change, then retry after their back-off', async () => {
  const clock = fakeClock();
  const q = new SchedulingQueue({ now: clock.now, initialBackoffMs: 1000 });
  q.addOrUpdate(podObject({ name: 'p' }));
  const entry = (await q.pop())!;
  const cycle = q.cycle;
  q.addUnschedulable(entry, cycle);
  assert.deepEqual(q.pendingCounts(), { active: 0, backoff: 0, unschedulable: 1 });
  clock.advance(2000);
  q.moveAllToActiveOrBackoff();
  assert.deepEqual(q.pendingCounts(), { active: 1, backoff: 0, unschedulable: 0 });
  assert.equal((await q.pop())!.attempts, 2);
  q.close();
});

test('a move request during the attempt sends the failed pod to back-off, not to unschedulable', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 5 });
  q.addOrUpdate(podObject({ name: 'p' }));
  const entry = (await q.pop())!;
  const cycle = q.cycle;
  q.moveAllToActiveOrBackoff(); // e.g. a node was added meanwhile
  q.addUnschedulable(entry, cycle);
  assert.equal(q.pendingCounts().backoff, 1);
  // The queue's timers are unref'd (they must not keep a server alive): hold the loop open.
  const keepAlive = setTimeout(() => {}, 10_000);
  const again = await q.pop(); // the back-off timer brings it back
  clearTimeout(keepAlive);
  assert.equal(again?.info.name, 'p');
  q.close();
});

test('deleting a queued pod removes it; exponential back-off is capped', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 1000, maxBackoffMs: 10_000 });
  const pod = podObject({ name: 'gone' });
  q.addOrUpdate(pod);
  q.delete(pod);
  assert.deepEqual(q.pendingCounts(), { active: 0, backoff: 0, unschedulable: 0 });
  assert.equal(q.has(pod), false);
  const durations = [1, 2, 3, 4, 5, 6].map((attempts) => q.backoffDurationMs({ attempts } as any));
  assert.deepEqual(durations, [1000, 2000, 4000, 8000, 10_000, 10_000]);
  q.close();
});
