import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Skip } from '../framework.ts';
import { clusterOf, nodeInfo, podInfo } from './fixtures.ts';
import { balancedAllocationScore, leastAllocatedScore, nodeResourcesFitFilter } from './node-resources-fit.ts';

test('requests must fit in what the node has left; every insufficient resource is a reason', () => {
  const cluster = clusterOf([{ name: 'n', cpu: '2', memory: '4Gi' }], [{ nodeName: 'n', cpu: '1500m', memory: '1Gi' }]);
  const node = cluster.nodeInfo('n')!;
  assert.equal(nodeResourcesFitFilter.filter(podInfo({ cpu: '500m', memory: '3Gi' }), node, undefined), undefined);
  const both = nodeResourcesFitFilter.filter(podInfo({ cpu: '600m', memory: '3500Mi' }), node, undefined);
  assert.deepEqual(both?.reasons, ['Insufficient cpu', 'Insufficient memory']);
  assert.equal(both?.code, 'Unschedulable', 'freeing the node would help');
  const huge = nodeResourcesFitFilter.filter(podInfo({ cpu: '3' }), node, undefined);
  assert.deepEqual(huge?.reasons, ['Insufficient cpu']);
  // kube-scheduler 1.33 says Unschedulable even for more than the whole node offers (only
  // 1.34 made that UnschedulableAndUnresolvable), so its preemption part reads "No preemption
  // victims found for incoming pod", not "Preemption is not helpful for scheduling".
  assert.equal(huge?.code, 'Unschedulable', 'more than the whole node: still Unschedulable in 1.33');
});

test('the pods allocatable limits the number of pods', () => {
  const cluster = clusterOf([{ name: 'n', pods: '1' }], [{ nodeName: 'n' }]);
  assert.deepEqual(nodeResourcesFitFilter.filter(podInfo(), cluster.nodeInfo('n')!, undefined)?.reasons, ['Too many pods']);
});

test('init containers count by their peak, sidecars add up, overhead is added', () => {
  const node = nodeInfo({ name: 'n', cpu: '1' });
  const initHeavy = podInfo({
    cpu: '200m',
    spec: { initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '900m' } } }] },
  });
  assert.equal(initHeavy.requests.get('cpu'), 900);
  assert.equal(nodeResourcesFitFilter.filter(initHeavy, node, undefined), undefined);
  const sidecar = podInfo({
    cpu: '600m',
    spec: { initContainers: [{ name: 's', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } }] },
  });
  assert.equal(sidecar.requests.get('cpu'), 1100);
  assert.deepEqual(nodeResourcesFitFilter.filter(sidecar, node, undefined)?.reasons, ['Insufficient cpu']);
  const overhead = podInfo({ cpu: '900m', spec: { overhead: { cpu: '200m' } } });
  assert.equal(overhead.requests.get('cpu'), 1100);
});

test('extended resources are checked by name', () => {
  const node = nodeInfo({ name: 'n' });
  const gpu = podInfo({ spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { 'example.com/gpu': '1' } } }] } });
  assert.deepEqual(nodeResourcesFitFilter.filter(gpu, node, undefined)?.reasons, ['Insufficient example.com/gpu']);
});

test('LeastAllocated prefers the emptier node; pods without requests count the defaults', () => {
  const cluster = clusterOf(
    [
      { name: 'busy', cpu: '4', memory: '8Gi' },
      { name: 'idle', cpu: '4', memory: '8Gi' },
    ],
    [{ nodeName: 'busy', cpu: '3', memory: '6Gi' }],
  );
  const pod = podInfo({ cpu: '1', memory: '1Gi' });
  const busy = leastAllocatedScore.score(pod, cluster.nodeInfo('busy')!, undefined);
  const idle = leastAllocatedScore.score(pod, cluster.nodeInfo('idle')!, undefined);
  assert.equal(idle, 81); // cpu (4-1)/4 = 75, memory (8-1)/8 = 87.5
  assert.equal(busy, 6); // cpu full (0), memory (8-7)/8 = 12.5
  const bare = podInfo();
  assert.equal(bare.nonZeroCpu, 100);
  assert.equal(bare.nonZeroMemory, 200 * 1024 * 1024);
});

test('BalancedAllocation prefers even cpu and memory use and skips pods without requests', () => {
  const cluster = clusterOf(
    [
      { name: 'cpuheavy', cpu: '4', memory: '8Gi' },
      { name: 'even', cpu: '4', memory: '8Gi' },
    ],
    [{ nodeName: 'cpuheavy', cpu: '2' }],
  );
  const pod = podInfo({ cpu: '1', memory: '2Gi' });
  const heavy = balancedAllocationScore.score(pod, cluster.nodeInfo('cpuheavy')!, undefined);
  const even = balancedAllocationScore.score(pod, cluster.nodeInfo('even')!, undefined);
  assert.equal(even, 100);
  assert.ok(heavy < even, `${heavy} < ${even}`);
  assert.equal(balancedAllocationScore.preScore!(podInfo(), [], undefined as any), Skip);
});
