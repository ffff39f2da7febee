import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './backoff.ts';
import { FakeClock } from './testing/fake-clock.ts';

test('doubles up to the cap, with jitter on top, and starts over after a quiet period', async () => {
  const clock = new FakeClock();
  const noJitter = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 5000, jitter: 0, clock });
  assert.deepEqual(
    Array.from({ length: 6 }, () => noJitter.next()),
    [100, 200, 400, 800, 1000, 1000],
  );
  await clock.advance(5001);
  assert.equal(noJitter.next(), 100);

  const jittered = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 1, clock, random: () => 0.5 });
  assert.equal(jittered.next(), 150);
  jittered.reset();
  assert.equal(jittered.next(), 150);
});
