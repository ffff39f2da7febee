import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { compareForDeletion, POD_DELETION_COST_ANNOTATION, podDeletionCost, podsToDelete } from './pod-ranking.ts';

const now = Date.parse('2024-06-01T12:00:00Z');
const ago = (ms: number) => new Date(now - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const minute = 60_000;
const hour = 60 * minute;

interface PodSpec {
  uid: string;
  node?: string;
  phase?: string;
  readyFor?: number;
  restarts?: number;
  age?: number;
  cost?: string;
}

function pod(p: PodSpec): KubeObject {
  const conditions = p.readyFor === undefined ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: ago(p.readyFor) }];
  return {
    metadata: {
      name: p.uid,
      uid: p.uid,
      creationTimestamp: ago(p.age ?? 24 * hour),
      ...(p.cost === undefined ? {} : { annotations: { [POD_DELETION_COST_ANNOTATION]: p.cost } }),
    },
    spec: p.node ? { nodeName: p.node } : {},
    status: { phase: p.phase ?? 'Running', conditions, containerStatuses: [{ name: 'app', restartCount: p.restarts ?? 0 }] },
  };
}

/** uid of the pod deleted first between a and b (rank 0 for both). */
function first(a: PodSpec, b: PodSpec): string {
  const [x, y] = [pod(a), pod(b)];
  return compareForDeletion({ pod: x, rank: 0 }, { pod: y, rank: 0 }, now) < 0 ? a.uid : b.uid;
}

test('each criterion, in Kubernetes order', () => {
  assert.equal(first({ uid: 'a', node: 'n1', readyFor: hour }, { uid: 'b', phase: 'Pending' }), 'b', 'unscheduled first');
  assert.equal(
    first({ uid: 'a', node: 'n1', phase: 'Running' }, { uid: 'b', node: 'n1', phase: 'Pending' }),
    'b',
    'pending before running',
  );
  assert.equal(
    first({ uid: 'a', node: 'n1', phase: 'Running' }, { uid: 'b', node: 'n1', phase: 'Unknown' }),
    'b',
    'unknown before running',
  );
  assert.equal(first({ uid: 'a', node: 'n1', readyFor: hour }, { uid: 'b', node: 'n1' }), 'b', 'not ready first');
  assert.equal(first({ uid: 'a', node: 'n1', cost: '10' }, { uid: 'b', node: 'n1', cost: '-5' }), 'b', 'lower deletion cost first');
  assert.equal(
    first({ uid: 'a', node: 'n1', readyFor: 10 * hour }, { uid: 'b', node: 'n1', readyFor: minute }),
    'b',
    'ready for less time first',
  );
  assert.equal(first({ uid: 'a', node: 'n1', restarts: 1 }, { uid: 'b', node: 'n1', restarts: 4 }), 'b', 'more restarts first');
  assert.equal(first({ uid: 'a', node: 'n1', age: 10 * hour }, { uid: 'b', node: 'n1', age: minute }), 'b', 'newer first');
});

test('times within one logarithmic bucket tie-break by uid', () => {
  // 40 and 41 minutes old fall in the same power-of-two bucket of nanoseconds.
  assert.equal(first({ uid: 'b', node: 'n1', age: 40 * minute }, { uid: 'a', node: 'n1', age: 41 * minute }), 'a');
  assert.equal(first({ uid: 'a', node: 'n1', age: 40 * minute }, { uid: 'b', node: 'n1', age: 41 * minute }), 'a');
});

test('pods doubled up on a node go before pods alone', () => {
  const pods = [pod({ uid: 'alone', node: 'n1' }), pod({ uid: 'crowded', node: 'n2' })];
  const related = [...pods, pod({ uid: 'sibling', node: 'n2' }), pod({ uid: 'dead', node: 'n1', phase: 'Failed' })];
  assert.deepEqual(
    podsToDelete(pods, related, 1, now).map((p) => p.metadata?.uid),
    ['crowded'],
  );
});

test('podsToDelete keeps the best pods and returns everything when asked for all', () => {
  const pods = [
    pod({ uid: 'ready-old', node: 'n1', readyFor: 10 * hour }),
    pod({ uid: 'pending', phase: 'Pending' }),
    pod({ uid: 'ready-new', node: 'n2', readyFor: 2 * minute }),
    pod({ uid: 'not-ready', node: 'n3' }),
  ];
  assert.deepEqual(
    podsToDelete(pods, [], 3, now).map((p) => p.metadata?.uid),
    ['pending', 'not-ready', 'ready-new'],
  );
  assert.equal(podsToDelete(pods, [], 4, now).length, 4);
});

test('pod-deletion-cost parses int32 values only', () => {
  const withCost = (cost: string) => ({ metadata: { annotations: { [POD_DELETION_COST_ANNOTATION]: cost } } });
  assert.equal(podDeletionCost(withCost('-100')), -100);
  assert.equal(podDeletionCost(withCost('abc')), 0);
  assert.equal(podDeletionCost(withCost('99999999999')), 0);
  assert.equal(podDeletionCost({}), 0);
});
