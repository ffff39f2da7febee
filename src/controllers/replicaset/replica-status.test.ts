import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { calculateStatus, nextAvailabilityCheckMs, statusUpToDate } from './replica-status.ts';

const now = Date.parse('2024-06-01T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const owner = (status?: KubeObject, minReadySeconds = 10): KubeObject => ({
  metadata: { name: 'web', generation: 3 },
  spec: { replicas: 3, minReadySeconds, template: { metadata: { labels: { app: 'web', tier: 'front' } } } },
  status,
});
const pod = (labels: Record<string, string>, readyFor?: number): KubeObject => ({
  metadata: { labels },
  status: { conditions: readyFor === undefined ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: ago(readyFor) }] },
});

test('counts pods: fully labelled, ready, available after minReadySeconds', () => {
  const pods = [pod({ app: 'web', tier: 'front' }, 60), pod({ app: 'web', tier: 'front' }, 5), pod({ app: 'web' })];
  const status = calculateStatus(owner(), pods, undefined, now);
  assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 });
  assert.equal(nextAvailabilityCheckMs(owner(), pods, now), 5001);
  assert.equal(nextAvailabilityCheckMs(owner(undefined, 0), pods, now), undefined);
});

test('zero counts are omitted but replicas is always there', () => {
  assert.deepEqual(calculateStatus(owner(), [], undefined, now), { replicas: 0 });
});

test('ReplicaFailure is added once and removed after a good pass', () => {
  const failed = calculateStatus(owner(), [], { reason: 'FailedCreate', message: 'pods "web-" is forbidden: no' }, now);
  assert.deepEqual(failed.conditions, [
    { type: 'ReplicaFailure', status: 'True', lastTransitionTime: ago(0), reason: 'FailedCreate', message: 'pods "web-" is forbidden: no' },
  ]);
  // A later failure keeps the first condition (and its time) as Kubernetes does.
  const again = calculateStatus(owner(failed), [], { reason: 'FailedCreate', message: 'other' }, now + 5000);
  assert.deepEqual(again.conditions, failed.conditions);
  const healed = calculateStatus(owner(failed), [], undefined, now);
  assert.equal(healed.conditions, undefined);
});

test('statusUpToDate compares counts, conditions and observedGeneration', () => {
  const current = { replicas: 2, readyReplicas: 1, observedGeneration: 3 };
  assert.equal(statusUpToDate(owner(current), { replicas: 2, readyReplicas: 1 }), true);
  assert.equal(statusUpToDate(owner(current), { replicas: 2, readyReplicas: 2 }), false);
  assert.equal(statusUpToDate(owner({ ...current, observedGeneration: 2 }), { replicas: 2, readyReplicas: 1 }), false);
  assert.equal(
    statusUpToDate(owner(current), { replicas: 2, readyReplicas: 1, conditions: [{ type: 'ReplicaFailure', status: 'True' }] }),
    false,
  );
});
