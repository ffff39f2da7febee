import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Skip } from '../framework.ts';
import { nodeInfo, podInfo } from './fixtures.ts';
import { taintTolerationFilter, taintTolerationScore, toleratesTaint } from './taint-toleration.ts';

test('toleration matching follows Kubernetes: Exists, Equal, empty key and effect', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint), true);
  assert.equal(toleratesTaint({ key: 'dedicated', value: 'gpu' }, taint), true, 'operator defaults to Equal, empty effect matches all');
  assert.equal(toleratesTaint({ key: 'dedicated', value: 'cpu' }, taint), false);
  assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint), true);
  assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true, 'empty key with Exists tolerates everything');
  assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint), false);
});

test('NoSchedule and NoExecute taints keep off pods without a toleration, with the taint in the reason', () => {
  const node = nodeInfo({ name: 'n1', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  const failure = taintTolerationFilter.filter(podInfo(), node, undefined);
  assert.deepEqual(failure?.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
  assert.equal(failure?.code, 'UnschedulableAndUnresolvable');
  const tolerant = podInfo({ spec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } });
  assert.equal(taintTolerationFilter.filter(tolerant, node, undefined), undefined);
  const preferOnly = nodeInfo({ name: 'n2', taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] });
  assert.equal(taintTolerationFilter.filter(podInfo(), preferOnly, undefined), undefined);
  const noValue = nodeInfo({ name: 'n3', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] });
  assert.deepEqual(taintTolerationFilter.filter(podInfo(), noValue, undefined)?.reasons, [
    'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
  ]);
});

test('PreferNoSchedule taints lower the score unless tolerated', () => {
  const clean = nodeInfo({ name: 'clean' });
  const soft = nodeInfo({ name: 'soft', taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] });
  const pod = podInfo();
  const state = taintTolerationScore.preScore!(pod, [clean, soft], undefined as any);
  assert.notEqual(state, Skip);
  const scores = [clean, soft].map((n) => taintTolerationScore.score(pod, n, state as any));
  taintTolerationScore.normalize!(scores);
  assert.deepEqual(scores, [100, 0]);
  const tolerant = podInfo({ spec: { tolerations: [{ key: 'soft', operator: 'Exists', effect: 'PreferNoSchedule' }] } });
  const tState = taintTolerationScore.preScore!(tolerant, [clean, soft], undefined as any);
  const tScores = [clean, soft].map((n) => taintTolerationScore.score(tolerant, n, tState as any));
  taintTolerationScore.normalize!(tScores);
  assert.deepEqual(tScores, [100, 100]);
});
