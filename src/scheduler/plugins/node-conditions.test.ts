// NodeReady, NodeUnschedulable and NodeName: the small node-state filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeInfo, podInfo } from './fixtures.ts';
import { nodeNameFilter } from './node-name.ts';
import { nodeReadyFilter } from './node-ready.ts';
import { nodeUnschedulableFilter } from './node-unschedulable.ts';

test('a node that is not Ready takes only pods tolerating the not-ready/unreachable taint', () => {
  const pod = podInfo();
  assert.equal(nodeReadyFilter.filter(pod, nodeInfo({ name: 'ok' }), undefined), undefined);
  assert.deepEqual(nodeReadyFilter.filter(pod, nodeInfo({ name: 'down', ready: 'False' }), undefined)?.reasons, [
    'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  ]);
  assert.deepEqual(nodeReadyFilter.filter(pod, nodeInfo({ name: 'new', ready: 'missing' }), undefined)?.reasons, [
    'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  ]);
  assert.deepEqual(nodeReadyFilter.filter(pod, nodeInfo({ name: 'lost', ready: 'Unknown' }), undefined)?.reasons, [
    'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
  ]);
  const daemon = podInfo({ spec: { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] } });
  assert.equal(nodeReadyFilter.filter(daemon, nodeInfo({ name: 'down', ready: 'False' }), undefined), undefined);
});

test('a cordoned node refuses pods unless they tolerate node.kubernetes.io/unschedulable', () => {
  const cordoned = nodeInfo({ name: 'c', unschedulable: true });
  const failure = nodeUnschedulableFilter.filter(podInfo(), cordoned, undefined);
  assert.deepEqual(failure?.reasons, ['node(s) were unschedulable']);
  assert.equal(failure?.code, 'UnschedulableAndUnresolvable');
  const tolerant = podInfo({
    spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] },
  });
  assert.equal(nodeUnschedulableFilter.filter(tolerant, cordoned, undefined), undefined);
  assert.equal(nodeUnschedulableFilter.filter(podInfo(), nodeInfo({ name: 'open' }), undefined), undefined);
});

test('NodeName only lets a pod onto the node it names', () => {
  const pod = podInfo({ nodeName: 'a' });
  assert.equal(nodeNameFilter.filter(pod, nodeInfo({ name: 'a' }), undefined), undefined);
  assert.deepEqual(nodeNameFilter.filter(pod, nodeInfo({ name: 'b' }), undefined)?.reasons, [
    "node(s) didn't match the requested node name",
  ]);
  assert.equal(nodeNameFilter.filter(podInfo(), nodeInfo({ name: 'b' }), undefined), undefined);
});
