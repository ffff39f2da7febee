import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScalingHistory } from './scaling-behavior.ts';

// spec.behavior set (the API server fills its defaults in): the behavior path.
const spec = { minReplicas: 1, maxReplicas: 20, behavior: {} };
// No spec.behavior: Kubernetes' older normalization.
const bare = { minReplicas: 1, maxReplicas: 20 };

test('scale-up with a defaulted behavior: at most 4 pods or 100 % more per 15 s, whichever is more', () => {
  const h = new ScalingHistory(2, 0);
  const first = h.normalize(spec, 2, 12, 1000);
  assert.equal(first.replicas, 6);
  assert.deepEqual(first.limit, {
    reason: 'ScaleUpLimit',
    message: 'the desired replica count is increasing faster than the maximum scale rate',
    limited: true,
  });
  h.recordRescale(2, 6, 1000);
  // Within the same 15 s the period started at 2: still at most 6.
  assert.equal(h.normalize(spec, 6, 12, 5000).replicas, 6);
  // A period later: 6 → 12.
  assert.equal(h.normalize(spec, 6, 12, 17_000).replicas, 12);
});

test('maxReplicas and minReplicas bound the result', () => {
  const h = new ScalingHistory(3, 0);
  const up = h.normalize({ minReplicas: 1, maxReplicas: 4, behavior: {} }, 3, 10, 1000);
  assert.equal(up.replicas, 4);
  assert.equal(up.limit.reason, 'TooManyReplicas');
});

test('scale-down waits for the 300 s window: the highest recent recommendation wins', () => {
  const h = new ScalingHistory(5, 0);
  const early = h.normalize(spec, 5, 1, 60_000);
  assert.equal(early.replicas, 5);
  assert.equal(early.stabilized?.reason, 'ScaleDownStabilized');
  assert.equal(h.normalize(spec, 5, 2, 200_000).replicas, 5);
  // 300 s after the start value (5) and 301 s after the 1: the highest left is 2.
  assert.equal(h.normalize(spec, 5, 2, 301_000).replicas, 2);
});

test('a given behavior replaces the defaults; Disabled stops that direction', () => {
  const h = new ScalingHistory(4, 0);
  const behavior = {
    scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
  };
  const down = h.normalize({ ...spec, behavior }, 4, 1, 1000);
  assert.deepEqual([down.replicas, down.limit.reason], [3, 'ScaleDownLimit']);
  const off = h.normalize({ ...spec, behavior: { scaleUp: { selectPolicy: 'Disabled' } } }, 4, 8, 2000);
  assert.equal(off.replicas, 4);
});

test('without spec.behavior a scale-up is limited to max(2 × current, 4), each sync', () => {
  const h = new ScalingHistory(1, 0);
  const first = h.normalize(bare, 1, 12, 1000);
  assert.equal(first.replicas, 4);
  assert.deepEqual(first.limit, {
    reason: 'ScaleUpLimit',
    message: 'the desired replica count is increasing faster than the maximum scale rate',
    limited: true,
  });
  h.recordRescale(1, 4, 1000);
  // No period: the next sync may double again.
  assert.equal(h.normalize(bare, 4, 12, 5000).replicas, 8);
  const capped = h.normalize({ minReplicas: 1, maxReplicas: 5 }, 3, 12, 20_000);
  assert.deepEqual([capped.replicas, capped.limit.reason], [5, 'TooManyReplicas']);
});

test('without spec.behavior the highest recommendation of 300 s wins, and no rate limits a scale-down', () => {
  const h = new ScalingHistory(5, 0);
  const early = h.normalize(bare, 4, 1, 60_000);
  assert.equal(early.replicas, 5);
  assert.equal(early.stabilized?.reason, 'ScaleDownStabilized');
  assert.equal(early.limit.reason, 'DesiredWithinRange');
  const later = h.normalize(bare, 5, 0, 361_000);
  assert.deepEqual([later.replicas, later.limit.reason, later.limit.limited], [1, 'TooFewReplicas', true]);
});
