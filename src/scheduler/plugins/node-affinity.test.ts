import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Skip } from '../framework.ts';
import { nodeInfo, podInfo } from './fixtures.ts';
import { nodeAffinityFilter, nodeAffinityScore, nodeSelectorTermMatches, requirementMatches } from './node-affinity.ts';

const zoneA = nodeInfo({ name: 'a', labels: { zone: 'a', disk: 'ssd', cores: '8' } });
const zoneB = nodeInfo({ name: 'b', labels: { zone: 'b' } });

test('node selector requirements: In, NotIn, Exists, DoesNotExist, Gt, Lt', () => {
  assert.equal(requirementMatches({ key: 'zone', operator: 'In', values: ['a', 'c'] }, 'a'), true);
  assert.equal(requirementMatches({ key: 'zone', operator: 'In', values: ['a'] }, undefined), false);
  assert.equal(requirementMatches({ key: 'zone', operator: 'NotIn', values: ['a'] }, undefined), true);
  assert.equal(requirementMatches({ key: 'zone', operator: 'NotIn', values: ['a'] }, 'a'), false);
  assert.equal(requirementMatches({ key: 'x', operator: 'Exists' }, ''), true);
  assert.equal(requirementMatches({ key: 'x', operator: 'DoesNotExist' }, 'y'), false);
  assert.equal(requirementMatches({ key: 'cores', operator: 'Gt', values: ['4'] }, '8'), true);
  assert.equal(requirementMatches({ key: 'cores', operator: 'Lt', values: ['4'] }, '8'), false);
  assert.equal(requirementMatches({ key: 'cores', operator: 'Gt', values: ['4'] }, 'many'), false);
});

test('terms AND their expressions and fields; an empty term matches nothing; matchFields uses the node name', () => {
  assert.equal(
    nodeSelectorTermMatches(
      {
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['a'] },
          { key: 'disk', operator: 'Exists' },
        ],
      },
      zoneA,
    ),
    true,
  );
  assert.equal(
    nodeSelectorTermMatches(
      {
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['a'] },
          { key: 'gpu', operator: 'Exists' },
        ],
      },
      zoneA,
    ),
    false,
  );
  assert.equal(nodeSelectorTermMatches({}, zoneA), false);
  assert.equal(nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }, zoneB), true);
  assert.equal(nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }, zoneA), false);
});

test('nodeSelector and required affinity filter nodes; pods without either skip the filter', () => {
  assert.equal(nodeAffinityFilter.preFilter!(podInfo(), undefined as any), Skip);
  const selected = podInfo({ spec: { nodeSelector: { zone: 'a' } } });
  assert.equal(nodeAffinityFilter.filter(selected, zoneA, undefined), undefined);
  assert.deepEqual(nodeAffinityFilter.filter(selected, zoneB, undefined)?.reasons, ["node(s) didn't match Pod's node affinity/selector"]);
  const required = podInfo({
    spec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] },
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
            ],
          },
        },
      },
    },
  });
  assert.notEqual(nodeAffinityFilter.preFilter!(required, undefined as any), Skip);
  assert.equal(nodeAffinityFilter.filter(required, zoneB, undefined), undefined, 'terms are ORed');
  assert.equal(nodeAffinityFilter.filter(required, zoneA, undefined)?.code, 'UnschedulableAndUnresolvable');
});

test('preferred node affinity scores by the weights of the matching terms', () => {
  const pod = podInfo({
    spec: {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 80, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 20, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } },
          ],
        },
      },
    },
  });
  const state = nodeAffinityScore.preScore!(pod, [zoneA, zoneB], undefined as any);
  assert.notEqual(state, Skip);
  const scores = [zoneA, zoneB].map((n) => nodeAffinityScore.score(pod, n, state as any));
  assert.deepEqual(scores, [80, 20]);
  nodeAffinityScore.normalize!(scores);
  assert.deepEqual(scores, [100, 25]);
  assert.equal(nodeAffinityScore.preScore!(podInfo(), [zoneA], undefined as any), Skip);
});
