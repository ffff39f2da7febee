import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenericScheduler, numFeasibleNodesToFind } from './generic-scheduler.ts';
import { clusterOf, podInfo } from './plugins/fixtures.ts';

test('the number of feasible nodes to find adapts to the cluster size like kube-scheduler', () => {
  assert.equal(numFeasibleNodesToFind(50), 50);
  assert.equal(numFeasibleNodesToFind(1000), 420);
  assert.equal(numFeasibleNodesToFind(5000), 5000 * 0.1);
  assert.equal(numFeasibleNodesToFind(200), 100 * 1, 'never fewer than 100');
  assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
});

test('picks a node that fits and reports why the others did not', () => {
  const cluster = clusterOf([
    { name: 'small', cpu: '1' },
    { name: 'big', cpu: '8' },
    { name: 'tainted', cpu: '8', taints: [{ key: 'x', effect: 'NoSchedule' }] },
  ]);
  const scheduler = new GenericScheduler();
  const fits = scheduler.schedule(podInfo({ cpu: '2' }), cluster);
  assert.equal(fits.kind, 'scheduled');
  assert.equal(fits.kind === 'scheduled' && fits.node.name, 'big');
  const none = scheduler.schedule(podInfo({ cpu: '16' }), cluster);
  assert.equal(none.kind, 'unschedulable');
  if (none.kind !== 'unschedulable') return;
  assert.equal(none.numAllNodes, 3);
  assert.deepEqual([...none.statuses].map(([n, s]) => [n, s.reasons.join()]).sort(), [
    ['big', 'Insufficient cpu'],
    ['small', 'Insufficient cpu'],
    ['tainted', 'node(s) had untolerated taint {x: }'],
  ]);
  assert.equal(scheduler.schedule(podInfo(), clusterOf([])).kind, 'noNodes');
});

test('assumed pods count at once, so replicas of one owner spread over the nodes', () => {
  const cluster = clusterOf([{ name: 'n1' }, { name: 'n2' }, { name: 'n3' }]);
  const scheduler = new GenericScheduler();
  const placed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const pod = podInfo({ ownerUid: 'rs-1', cpu: '100m' });
    const outcome = scheduler.schedule(pod, cluster);
    assert.equal(outcome.kind, 'scheduled');
    if (outcome.kind !== 'scheduled') return;
    cluster.assumePod(pod, outcome.node.name);
    placed.push(outcome.node.name);
  }
  assert.deepEqual(placed.sort(), ['n1', 'n2', 'n3']);
});

test('a full node stops taking pods and a forgotten assumption frees it', () => {
  const cluster = clusterOf([{ name: 'only', cpu: '1' }]);
  const scheduler = new GenericScheduler();
  const first = podInfo({ cpu: '800m' });
  cluster.assumePod(first, 'only');
  assert.equal(scheduler.schedule(podInfo({ cpu: '500m' }), cluster).kind, 'unschedulable');
  cluster.forgetPod(first);
  assert.equal(scheduler.schedule(podInfo({ cpu: '500m' }), cluster).kind, 'scheduled');
});
