import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterOf, nodeObject, podInfo, podObject } from './plugins/fixtures.ts';

const zone = (z: string) => ({ 'topology.kubernetes.io/zone': z });

test('pods per owner and zone follow pods, assumptions and zone relabelling', () => {
  const cache = clusterOf([
    { name: 'a', labels: zone('z1') },
    { name: 'b', labels: zone('z2') },
  ]);
  assert.equal(cache.zoneCount, 2);
  const bound = podObject({ nodeName: 'a', ownerUid: 'rs' });
  cache.addOrUpdatePod(bound);
  const assumed = podInfo({ ownerUid: 'rs' });
  cache.assumePod(assumed, 'b');
  assert.deepEqual([...cache.ownerPodsPerZone('rs')!].sort(), [
    ['z1', 1],
    ['z2', 1],
  ]);
  cache.forgetPod(assumed);
  assert.deepEqual([...cache.ownerPodsPerZone('rs')!], [['z1', 1]]);
  cache.addOrUpdateNode(nodeObject({ name: 'a', labels: zone('z3') }));
  assert.deepEqual([...cache.ownerPodsPerZone('rs')!], [['z3', 1]]);
  cache.removePod(bound);
  assert.equal(cache.ownerPodsPerZone('rs'), undefined);
  assert.equal(cache.nodeInfo('a')!.pods.size, 0);
});

test('pods on unknown nodes are counted once the node appears; removed nodes leave the list', () => {
  const cache = clusterOf([]);
  cache.addOrUpdatePod(podObject({ nodeName: 'late', cpu: '1' }));
  assert.equal(cache.nodes.length, 0, 'a node without a Node object is not schedulable');
  cache.addOrUpdateNode(nodeObject({ name: 'late' }));
  assert.equal(cache.nodes.length, 1);
  assert.equal(cache.nodeInfo('late')!.requested.get('cpu'), 1000);
  cache.removeNode(nodeObject({ name: 'late' }));
  assert.equal(cache.nodes.length, 0);
});

test('pods per owner and node match each node’s own count through binds, assumptions, moves and removals', () => {
  const cache = clusterOf([{ name: 'a' }, { name: 'b' }]);
  const perNode = (owner: string) => [...(cache.ownerPodsPerNode(owner) ?? new Map())].map(([node, n]) => [node.name, n] as const).sort();
  const fromNodes = (owner: string) =>
    ['a', 'b']
      .map((name) => [name, cache.nodeInfo(name)?.podsPerOwner.get(owner) ?? 0] as const)
      .filter(([, n]) => n > 0)
      .sort();
  const check = () => {
    for (const owner of ['rs1', 'rs2']) assert.deepEqual(perNode(owner), fromNodes(owner), owner);
  };
  const first = podObject({ nodeName: 'a', ownerUid: 'rs1' });
  cache.addOrUpdatePod(first);
  cache.addOrUpdatePod(podObject({ nodeName: 'a', ownerUid: 'rs1' }));
  const assumed = podInfo({ ownerUid: 'rs2' });
  cache.assumePod(assumed, 'b');
  check();
  assert.deepEqual(perNode('rs1'), [['a', 2]]);
  // The same pod seen again with another owner and node (an update) moves its count.
  cache.addOrUpdatePod({
    ...first,
    metadata: { ...first.metadata, ownerReferences: [{ uid: 'rs2', controller: true }] },
    spec: { ...first.spec, nodeName: 'b' },
  });
  check();
  assert.deepEqual(perNode('rs2'), [['b', 2]]);
  cache.forgetPod(assumed);
  cache.removeNode(nodeObject({ name: 'b' }));
  check();
  cache.removePod(first);
  check();
  assert.equal(cache.ownerPodsPerNode('rs2'), undefined);
});

test('whether any pod has (anti-)affinity follows pods and nodes coming and going', () => {
  const cache = clusterOf([{ name: 'a' }]);
  const antiTerm = { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname' };
  const answers = () => [cache.anyPodWithAffinity(), cache.anyPodWithRequiredAntiAffinity()];
  assert.deepEqual(answers(), [false, false]);
  const plain = podObject({ nodeName: 'a' });
  cache.addOrUpdatePod(plain);
  assert.deepEqual(answers(), [false, false]);
  const anti = podObject({
    nodeName: 'late',
    spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [antiTerm] } } },
  });
  cache.addOrUpdatePod(anti);
  assert.deepEqual(answers(), [false, false], 'a pod on a node without a Node object does not count');
  cache.addOrUpdateNode(nodeObject({ name: 'late' }));
  assert.deepEqual(answers(), [true, true]);
  const preferred = podInfo({
    spec: { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: antiTerm }] } } },
  });
  cache.removePod(anti);
  assert.deepEqual(answers(), [false, false]);
  cache.assumePod(preferred, 'a');
  assert.deepEqual(answers(), [true, false]);
  cache.removeNode(nodeObject({ name: 'a' }));
  assert.deepEqual(answers(), [false, false]);
  cache.addOrUpdateNode(nodeObject({ name: 'a' }));
  assert.deepEqual(answers(), [true, false]);
  cache.forgetPod(preferred);
  assert.deepEqual(answers(), [false, false]);
});
