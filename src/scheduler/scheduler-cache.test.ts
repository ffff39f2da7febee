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
