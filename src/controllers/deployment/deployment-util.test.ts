import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import {
  DESIRED_REPLICAS_ANNOTATION,
  findActiveOrLatest,
  findNewReplicaSet,
  isSaturated,
  MAX_REPLICAS_ANNOTATION,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalSizes,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  resolveFenceposts,
  scaledValue,
  setNewReplicaSetAnnotations,
} from './deployment-util.ts';

function deployment(replicas: number, rollingUpdate: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name: 'web', namespace: 'default', annotations: {} },
    spec: {
      replicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%', ...rollingUpdate } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'v1' }] } },
      ...extra,
    },
    status: {},
  };
}

let created = 0;
function rs(
  name: string,
  replicas: number,
  opts: { available?: number; annotations?: Record<string, string>; image?: string } = {},
): KubeObject {
  created++;
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, created)).toISOString(),
      annotations: { ...(opts.annotations ?? {}) },
    },
    spec: {
      replicas,
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': name } },
        spec: { containers: [{ name: 'web', image: opts.image ?? name }] },
      },
    },
    status: { replicas, availableReplicas: opts.available ?? replicas },
  };
}

test('percentages round up for surge and down for unavailability', () => {
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue(4, 10, false), 4);
  assert.equal(scaledValue('0%', 10, true), 0);
  assert.deepEqual(resolveFenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
  // Both zero would stall a rollout: one pod may then be unavailable.
  assert.deepEqual(resolveFenceposts(0, '10%', 5), { surge: 0, unavailable: 1 });
  assert.throws(() => scaledValue('lots', 10, true));
});

test('maxSurge and maxUnavailable follow the strategy and are capped by replicas', () => {
  assert.equal(maxSurge(deployment(10)), 3);
  assert.equal(maxUnavailable(deployment(10)), 2);
  assert.equal(maxUnavailable(deployment(2, { maxUnavailable: 5 })), 2);
  assert.equal(maxUnavailable(deployment(0)), 0);
  const recreate = deployment(10);
  recreate.spec.strategy = { type: 'Recreate' };
  assert.equal(maxSurge(recreate), 0);
  assert.equal(maxUnavailable(recreate), 0);
});

test('the new ReplicaSet grows only within the surge', () => {
  const d = deployment(10, { maxSurge: 3 });
  const old = rs('old', 10);
  const fresh = rs('new', 0);
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
  const grown = rs('new2', 3);
  assert.equal(newRSNewReplicas(d, [old, grown], grown), 3, 'at 13 pods nothing more may be added');
  const shrunk = rs('old2', 5);
  assert.equal(newRSNewReplicas(d, [shrunk, grown], grown), 8);
  const nearlyDone = rs('new3', 9);
  assert.equal(newRSNewReplicas(d, [rs('old3', 0), nearlyDone], nearlyDone), 10, 'never beyond spec.replicas');
});

test('proportional scaling splits an increase between the ReplicaSets of a running rollout', () => {
  // Kubernetes' documented example: 10 replicas, maxSurge 3, mid-rollout with 8 old and 5 new, scaled to 15.
  const d = deployment(15, { maxSurge: 3, maxUnavailable: 2 });
  const annotations = { [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '13' };
  const old = rs('old', 8, { annotations });
  const fresh = rs('new', 5, { annotations });
  const { toAdd, sizes } = proportionalSizes(d, [old, fresh]);
  assert.equal(toAdd, 5);
  assert.deepEqual(
    sizes.map(([r, n]) => [r.metadata?.name, n]),
    [
      ['old', 11],
      ['new', 7],
    ],
  );
});

test('proportional scaling down takes from the largest first and never goes below zero', () => {
  const d = deployment(5, { maxSurge: 1, maxUnavailable: 0 });
  const annotations = { [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '11' };
  const old = rs('old', 7, { annotations });
  const fresh = rs('new', 4, { annotations });
  const { toAdd, sizes } = proportionalSizes(d, [fresh, old]);
  assert.equal(toAdd, -5);
  const result = Object.fromEntries(sizes.map(([r, n]) => [r.metadata?.name, n]));
  assert.equal(result.old + result.new, 6);
  assert.ok(result.old >= 0 && result.new >= 0);
  assert.equal(sizes[0][0].metadata?.name, 'old');
});

test('findActiveOrLatest picks the only active ReplicaSet, or none while several are active', () => {
  const a = rs('a', 0);
  const b = rs('b', 3);
  const c = rs('c', 0);
  assert.equal(findActiveOrLatest(c, [a, b])?.metadata?.name, 'b');
  assert.equal(findActiveOrLatest(c, [a, rs('d', 0)])?.metadata?.name, 'c');
  assert.equal(findActiveOrLatest(undefined, [a, rs('e', 0)])?.metadata?.name, 'e', 'the newest old one');
  assert.equal(findActiveOrLatest(rs('f', 1), [b]), undefined);
});

test('isSaturated needs the desired annotation, the size and availability to agree', () => {
  const d = deployment(3);
  const annotations = { [DESIRED_REPLICAS_ANNOTATION]: '3' };
  assert.equal(isSaturated(d, rs('a', 3, { annotations })), true);
  assert.equal(isSaturated(d, rs('b', 3, { annotations, available: 2 })), false);
  assert.equal(isSaturated(d, rs('c', 3)), false);
  assert.equal(isSaturated(d, undefined), false);
});

test('the new ReplicaSet is the oldest one whose template matches, ignoring the hash label', () => {
  const d = deployment(3);
  const match1 = rs('m1', 0, { image: 'v1' });
  const match2 = rs('m2', 0, { image: 'v1' });
  const other = rs('o', 3, { image: 'v0' });
  assert.equal(findNewReplicaSet(d, [other, match2, match1])?.metadata?.name, 'm1');
  assert.equal(findNewReplicaSet(d, [other]), undefined);
});

test('revision annotations: a new ReplicaSet gets max+1 and the replica annotations; a rollback keeps history', () => {
  const d = deployment(4, { maxSurge: 1 });
  d.metadata!.annotations = {
    'kubernetes.io/change-cause': 'kubectl set image',
    'kubectl.kubernetes.io/last-applied-configuration': '{}',
    [REVISION_ANNOTATION]: '3',
  };
  const fresh = rs('fresh', 0);
  fresh.metadata!.annotations = {};
  assert.equal(setNewReplicaSetAnnotations(d, fresh, 4, false), true);
  assert.deepEqual(fresh.metadata!.annotations, {
    'kubernetes.io/change-cause': 'kubectl set image',
    [REVISION_ANNOTATION]: '4',
    [DESIRED_REPLICAS_ANNOTATION]: '4',
    [MAX_REPLICAS_ANNOTATION]: '5',
  });
  assert.equal(setNewReplicaSetAnnotations(d, fresh, 4, true), false, 'nothing left to change');

  const rolledBack = rs('back', 0, { annotations: { [REVISION_ANNOTATION]: '1' } });
  setNewReplicaSetAnnotations(d, rolledBack, 4, true);
  assert.equal(rolledBack.metadata!.annotations[REVISION_ANNOTATION], '4');
  assert.equal(rolledBack.metadata!.annotations[REVISION_HISTORY_ANNOTATION], '1');
  assert.equal(
    rolledBack.metadata!.annotations[DESIRED_REPLICAS_ANNOTATION],
    undefined,
    'an existing ReplicaSet keeps its size annotations',
  );
  setNewReplicaSetAnnotations(d, rolledBack, 6, true);
  assert.equal(rolledBack.metadata!.annotations[REVISION_HISTORY_ANNOTATION], '1,4');

  assert.equal(maxRevision([fresh, rolledBack, rs('x', 0, { annotations: { [REVISION_ANNOTATION]: 'junk' } })]), 6);
});
