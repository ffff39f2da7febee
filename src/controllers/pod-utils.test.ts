import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { isPodActive, isPodAvailable, isPodReady, isPodTerminating, msUntilAvailable, podReadyTime, podRestartCount } from './pod-utils.ts';

const readyPod = (since: string, extra: KubeObject = {}): KubeObject => ({
  metadata: {},
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since }] },
  ...extra,
});

test('readiness comes from the Ready condition', () => {
  assert.equal(isPodReady(readyPod('2024-01-01T00:00:00Z')), true);
  assert.equal(isPodReady({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }), false);
  assert.equal(isPodReady({ status: { conditions: [{ type: 'ContainersReady', status: 'True' }] } }), false);
  assert.equal(isPodReady({}), false);
  assert.equal(podReadyTime(readyPod('2024-01-01T00:00:10Z')), Date.parse('2024-01-01T00:00:10Z'));
  assert.equal(
    podReadyTime({ status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2024-01-01T00:00:10Z' }] } }),
    undefined,
  );
});

test('available once ready for strictly more than minReadySeconds', () => {
  const pod = readyPod('2024-01-01T00:00:00Z');
  const at = (s: number) => Date.parse('2024-01-01T00:00:00Z') + s * 1000;
  assert.equal(isPodAvailable(pod, 0, at(0)), true);
  assert.equal(isPodAvailable(pod, 5, at(4)), false);
  assert.equal(isPodAvailable(pod, 5, at(5)), false);
  assert.equal(isPodAvailable(pod, 5, at(5) + 1), true);
  assert.equal(isPodAvailable({ status: { phase: 'Running' } }, 0, at(0)), false);
  assert.equal(msUntilAvailable(pod, 5, at(4)), 1001);
  assert.equal(msUntilAvailable(pod, 5, at(6)), undefined);
  assert.equal(msUntilAvailable(pod, 0, at(0)), undefined);
});

test('active and terminating pods', () => {
  assert.equal(isPodActive({ status: { phase: 'Pending' } }), true);
  assert.equal(isPodActive({ status: { phase: 'Failed' } }), false);
  assert.equal(isPodActive({ status: { phase: 'Succeeded' } }), false);
  const deleting = { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Running' } };
  assert.equal(isPodActive(deleting), false);
  assert.equal(isPodTerminating(deleting), true);
  assert.equal(isPodTerminating({ metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Failed' } }), false);
  assert.equal(podRestartCount({ status: { containerStatuses: [{ restartCount: 2 }, { restartCount: 3 }] } }), 5);
});
