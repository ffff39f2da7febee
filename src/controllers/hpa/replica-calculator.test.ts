import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PodSample, resourceReplicas } from './replica-calculator.ts';

const NOW = 10 * 60_000;
const cpu50 = { type: 'Utilization', averageUtilization: 50 } as const;

/** A running pod, ready long ago, requesting 100m, using `usage` millicores. */
function pod(name: string, usage: number | undefined, extra: Partial<PodSample> = {}): PodSample {
  return {
    name,
    phase: 'Running',
    deleting: false,
    ready: { status: 'True', lastTransitionTime: 0 },
    startTime: 0,
    request: 100,
    usage: usage === undefined ? undefined : { value: usage, timestamp: NOW - 1000, windowMs: 10_000 },
    ...extra,
  };
}

test('replicas follow utilization over target, rounded up', () => {
  const r = resourceReplicas(2, [pod('a', 150), pod('b', 150)], 'cpu', cpu50, NOW);
  assert.deepEqual(r, { replicas: 6, utilization: 150, averageValue: 150 });
  assert.equal(resourceReplicas(4, [pod('a', 10), pod('b', 10), pod('c', 10), pod('d', 10)], 'cpu', cpu50, NOW).replicas, 1);
});

test('within the 10 % tolerance nothing changes', () => {
  assert.equal(resourceReplicas(2, [pod('a', 54), pod('b', 54)], 'cpu', cpu50, NOW).replicas, 2);
  assert.equal(resourceReplicas(2, [pod('a', 56), pod('b', 56)], 'cpu', cpu50, NOW).replicas, 3);
});

test('deleted and failed pods are ignored; a pod without a reading counts against the change', () => {
  const pods = [pod('a', 150), pod('gone', 900, { deleting: true }), pod('failed', 900, { phase: 'Failed' }), pod('new', undefined)];
  // Scale-up: the unread pod is taken as using nothing: (150 + 0) / 200 = 75 % → ceil(1.5 × 2) = 3.
  assert.equal(resourceReplicas(2, pods, 'cpu', cpu50, NOW).replicas, 3);
  // Scale-down: as using its whole request, which turns it into no change.
  assert.equal(resourceReplicas(2, [pod('a', 10), pod('new', undefined)], 'cpu', cpu50, NOW).replicas, 2);
});

test('pending and freshly started, unready pods do not count toward a scale-up', () => {
  const young = { startTime: NOW - 60_000, ready: { status: 'False', lastTransitionTime: NOW - 60_000 } };
  const pods = [pod('a', 200), pod('pending', undefined, { phase: 'Pending' }), pod('starting', 500, young)];
  // Only "a" is read (200 %); the others are taken as using nothing: 200 / 300 → ratio 1.33 → 4.
  assert.equal(resourceReplicas(3, pods, 'cpu', cpu50, NOW).replicas, 4);
  // For memory, readiness does not matter: every read pod counts.
  const mem = resourceReplicas(2, [pod('a', 200), pod('starting', 500, young)], 'memory', cpu50, NOW);
  assert.equal(mem.utilization, 350);
});

test('AverageValue targets need no requests', () => {
  const r = resourceReplicas(
    2,
    [pod('a', 300, { request: undefined }), pod('b', 100, { request: undefined })],
    'cpu',
    { type: 'AverageValue', averageValue: 100 },
    NOW,
  );
  assert.deepEqual(r, { replicas: 4, utilization: undefined, averageValue: 200 });
});

test('errors: no pods, no readings, a container without a request', () => {
  assert.throws(() => resourceReplicas(1, [], 'cpu', cpu50, NOW), /no pods returned by selector/);
  assert.throws(() => resourceReplicas(1, [pod('a', undefined)], 'cpu', cpu50, NOW), /did not receive metrics for targeted pods/);
  assert.throws(
    () => resourceReplicas(1, [pod('db-1', 10), pod('db-2', 10, { request: undefined, containerWithoutRequest: 'db' })], 'cpu', cpu50, NOW),
    (err: Error) => err.message === 'missing request for cpu in container db of Pod db-2',
  );
});

test('the average usage is truncated to a whole milli-unit, as Go divides int64s', () => {
  // Utilization: (151 + 150) / 2 = 150.5 → 150, and 301 % of 200 → 150 %.
  assert.deepEqual(resourceReplicas(2, [pod('a', 151), pod('b', 150)], 'cpu', cpu50, NOW), {
    replicas: 6,
    utilization: 150,
    averageValue: 150,
  });
  // AverageValue: the ratio is taken from the truncated average, 1500 / 1000 → ceil(1.5 × 2) = 3
  // (the exact 1500.5 would give ceil(3.001) = 4).
  const r = resourceReplicas(
    2,
    [pod('a', 1500, { request: undefined }), pod('b', 1501, { request: undefined })],
    'cpu',
    { type: 'AverageValue', averageValue: 1000 },
    NOW,
  );
  assert.deepEqual(r, { replicas: 3, utilization: undefined, averageValue: 1500 });
});

test('a pod without a reading on a scale-down is assumed to use its request × target / 100, truncated', () => {
  // Target 110 %: the unread pod (request 39m) counts as 39 × 110 / 100 = 42 (not 42.9); with the
  // others that is 88 of 239 → 36 % → ceil(36 / 110 × 3) = 1 (42.9 would give 37 % → 2).
  const target = { type: 'Utilization', averageUtilization: 110 } as const;
  const pods = [pod('a', 23), pod('b', 23), pod('new', undefined, { request: 39 })];
  assert.deepEqual(resourceReplicas(2, pods, 'cpu', target, NOW), { replicas: 1, utilization: 23, averageValue: 23 });
});
