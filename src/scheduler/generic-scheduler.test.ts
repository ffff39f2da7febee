import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitErrorMessage } from './fit-error.ts';
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

/** A DaemonSet-style pod: required node affinity on metadata.name. */
function pinnedTo(...names: string[][]) {
  return podInfo({
    cpu: '2',
    spec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: names.map((values) => ({ matchFields: [{ key: 'metadata.name', operator: 'In', values }] })),
          },
        },
      },
    },
  });
}

test('a pod pinned to nodes by metadata.name is filtered only there; the others did not satisfy NodeAffinity (PreFilterResult)', () => {
  const cluster = clusterOf([
    { name: 'n1', cpu: '1' },
    { name: 'n2', cpu: '8', unschedulable: true },
    { name: 'n3', cpu: '8', taints: [{ key: 'x', effect: 'NoSchedule' }] },
  ]);
  const scheduler = new GenericScheduler();
  const outcome = scheduler.schedule(pinnedTo(['n1']), cluster);
  assert.equal(outcome.kind, 'unschedulable');
  if (outcome.kind !== 'unschedulable') return;
  assert.equal(
    fitErrorMessage(outcome.numAllNodes, outcome.statuses),
    "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. " +
      'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
  );
  const fits = scheduler.schedule(pinnedTo(['n3', 'n2'], ['gone', 'n1']), clusterOf([{ name: 'n1' }, { name: 'n2' }]));
  assert.equal(fits.kind, 'scheduled', 'terms are ORed; names without a node are ignored');
  const missing = scheduler.schedule(pinnedTo(['gone']), cluster);
  assert.equal(
    missing.kind === 'unschedulable' && fitErrorMessage(missing.numAllNodes, missing.statuses),
    "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
  const conflict = podInfo({
    spec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchFields: [
                  { key: 'metadata.name', operator: 'In', values: ['n1'] },
                  { key: 'metadata.name', operator: 'In', values: ['n2'] },
                ],
              },
            ],
          },
        },
      },
    },
  });
  const none = scheduler.schedule(conflict, cluster);
  assert.equal(
    none.kind === 'unschedulable' && fitErrorMessage(none.numAllNodes, none.statuses, undefined, none.preFilterMessage),
    '0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
  );
});
