import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slowStartBatch } from './slow-start.ts';

test('runs batches of 1, 2, 4, … until the count is reached', async () => {
  const batchSizes: number[] = [];
  let active = 0;
  let peak = 0;
  const result = await slowStartBatch(10, 1, async () => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((resolve) => setImmediate(resolve));
    if (--active === 0) {
      batchSizes.push(peak);
      peak = 0;
    }
  });
  assert.deepEqual(result, { successes: 10 });
  assert.deepEqual(batchSizes, [1, 2, 4, 3]);
});

test('stops after the first batch with a failure', async () => {
  let calls = 0;
  const result = await slowStartBatch(20, 1, async () => {
    calls++;
    if (calls > 4) throw new Error(`quota exceeded ${calls}`);
  });
  // Batches of 1 and 2 succeed; the batch of 4 has 1 success and 3 failures; nothing more is tried.
  assert.equal(calls, 7);
  assert.equal(result.successes, 4);
  assert.match(String((result.error as Error).message), /quota exceeded/);
});

test('nothing to do for a count of zero', async () => {
  let calls = 0;
  assert.deepEqual(await slowStartBatch(0, 1, async () => void calls++), { successes: 0 });
  assert.equal(calls, 0);
});
