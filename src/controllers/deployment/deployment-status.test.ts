import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import {
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  msUntilProgressDeadline,
  newCondition,
  Reasons,
  sameStatus,
  setCondition,
  timestamp,
} from './deployment-status.ts';

const t0 = Date.UTC(2024, 0, 1, 12, 0, 0);

function deployment(replicas: number, status: KubeObject = {}): KubeObject {
  return {
    metadata: { name: 'web', generation: 2 },
    spec: { replicas, progressDeadlineSeconds: 60, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } },
    status,
  };
}

const rs = (status: KubeObject, replicas = status.replicas ?? 0): KubeObject => ({ spec: { replicas }, status });

test('setCondition keeps the transition time when only the reason changes and moves the condition last', () => {
  const status: KubeObject = {};
  setCondition(status, newCondition('Progressing', 'True', Reasons.newReplicaSetCreated, 'a', t0));
  setCondition(status, newCondition('Available', 'True', Reasons.minimumReplicasAvailable, 'b', t0));
  setCondition(status, newCondition('Progressing', 'True', Reasons.replicaSetUpdated, 'c', t0 + 5000));
  assert.deepEqual(
    status.conditions.map((c: KubeObject) => c.type),
    ['Available', 'Progressing'],
  );
  const progressing = getCondition(status, 'Progressing')!;
  assert.equal(progressing.lastTransitionTime, timestamp(t0));
  assert.equal(progressing.lastUpdateTime, timestamp(t0 + 5000));
  // Same status and reason: nothing changes, not even the update time.
  setCondition(status, newCondition('Progressing', 'True', Reasons.replicaSetUpdated, 'd', t0 + 9000));
  assert.equal(getCondition(status, 'Progressing')!.message, 'c');
  setCondition(status, newCondition('Progressing', 'False', Reasons.timedOut, 'e', t0 + 9000));
  assert.equal(getCondition(status, 'Progressing')!.lastTransitionTime, timestamp(t0 + 9000));
});

test('calculateStatus sums the ReplicaSets, omits zero counts and sets Available', () => {
  const d = deployment(4);
  const newRS = rs({ replicas: 2, readyReplicas: 1, availableReplicas: 1 });
  const oldRS = rs({ replicas: 3, readyReplicas: 3, availableReplicas: 2 });
  const status = calculateStatus([oldRS, newRS], newRS, d, t0);
  assert.equal(status.observedGeneration, 2);
  assert.equal(status.replicas, 5);
  assert.equal(status.updatedReplicas, 2);
  assert.equal(status.readyReplicas, 4);
  assert.equal(status.availableReplicas, 3);
  assert.equal(status.unavailableReplicas, 2);
  assert.equal(getCondition(status, 'Available')?.reason, Reasons.minimumReplicasAvailable);

  const none = calculateStatus([rs({ replicas: 0 }, 4)], undefined, d, t0);
  assert.equal('replicas' in none, false);
  assert.equal(none.unavailableReplicas, 4);
  const available = getCondition(none, 'Available')!;
  assert.equal(available.status, 'False');
  assert.equal(available.message, 'Deployment does not have minimum availability.');
});

test('complete, progressing and timed out are judged like Kubernetes', () => {
  const d = deployment(3, { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 });
  assert.equal(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 2 }), true);
  assert.equal(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }), false);
  assert.equal(deploymentProgressing(d, { replicas: 4, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }), true);
  assert.equal(
    deploymentProgressing(d, { replicas: 3, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }),
    true,
    'an old pod went',
  );
  assert.equal(deploymentProgressing(d, { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }), false);

  const status = { conditions: [newCondition('Progressing', 'True', Reasons.replicaSetUpdated, 'x', t0)] };
  assert.equal(deploymentTimedOut(d, status, t0 + 60_000), false);
  assert.equal(deploymentTimedOut(d, status, t0 + 61_000), true);
  const withCondition = deployment(3, status);
  assert.equal(msUntilProgressDeadline(withCondition, {}, t0 + 20_000), 41_000);
  assert.equal(msUntilProgressDeadline(deployment(3), {}, t0), undefined, 'no Progressing condition yet');
});

test('sameStatus treats absent and zero counts alike but sees condition changes', () => {
  assert.equal(sameStatus({ replicas: 0, conditions: [] }, {}), true);
  const a = { replicas: 1, conditions: [newCondition('Available', 'True', 'R', 'm', t0)] };
  const b = { replicas: 1, conditions: [newCondition('Available', 'True', 'R', 'm', t0 + 1000)] };
  assert.equal(sameStatus(a, structuredClone(a)), true);
  assert.equal(sameStatus(a, b), false);
});
