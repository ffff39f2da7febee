import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentileOfSorted, perSecond, roundSummary, summarize } from './stats.ts';

test('nearest-rank percentiles pick an actual sample', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  assert.equal(percentileOfSorted(sorted, 50), 50);
  assert.equal(percentileOfSorted(sorted, 90), 90);
  assert.equal(percentileOfSorted(sorted, 99), 99);
  assert.equal(percentileOfSorted(sorted, 100), 100);
  assert.equal(percentileOfSorted(sorted, 0), 1);
  assert.equal(percentileOfSorted([7], 99), 7);
  assert.ok(Number.isNaN(percentileOfSorted([], 50)));
});

test('summarize sorts unsorted samples and does not mutate them', () => {
  const samples = [5, 1, 4, 2, 3];
  const s = summarize(samples);
  assert.deepEqual(samples, [5, 1, 4, 2, 3]);
  assert.equal(s.count, 5);
  assert.equal(s.min, 1);
  assert.equal(s.max, 5);
  assert.equal(s.mean, 3);
  assert.equal(s.p50, 3);
  assert.equal(s.p99, 5);
});

test('summarize of nothing is NaN, not zero', () => {
  const s = summarize([]);
  assert.equal(s.count, 0);
  assert.ok(Number.isNaN(s.p50));
});

test('roundSummary and perSecond', () => {
  assert.equal(roundSummary(summarize([1.23456])).p50, 1.235);
  assert.equal(perSecond(500, 250), 2000);
  assert.equal(perSecond(10, 0), 0);
});
