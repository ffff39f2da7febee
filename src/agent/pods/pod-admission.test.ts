import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { admitPod, admittedRequests } from './pod-admission.ts';

const node: KubeObject = {
  metadata: { name: 'n1', labels: { disk: 'ssd', 'kubernetes.io/hostname': 'n1' } },
  status: { allocatable: { cpu: '2', memory: '1Gi', pods: '3' } },
};

function pod(requests: Record<string, string> = {}, extra: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [{ name: 'c', resources: { requests } }], ...extra } };
}

test('a pod that fits next to the admitted ones is admitted', () => {
  const admitted = [admittedRequests(pod({ cpu: '1', memory: '512Mi' }))];
  assert.equal(admitPod(pod({ cpu: '1', memory: '512Mi' }), node, admitted), undefined);
  assert.equal(admitPod(pod(), node, admitted), undefined);
});

test('too little cpu or memory left: OutOfcpu / OutOfmemory in the kubelet words (millicores, bytes)', () => {
  const admitted = [admittedRequests(pod({ cpu: '1500m', memory: '512Mi' }))];
  assert.deepEqual(admitPod(pod({ cpu: '1' }), node, admitted), {
    reason: 'OutOfcpu',
    message: "Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000",
  });
  assert.deepEqual(admitPod(pod({ memory: '768Mi' }), node, admitted), {
    reason: 'OutOfmemory',
    message: "Node didn't have enough resource: memory, requested: 805306368, used: 536870912, capacity: 1073741824",
  });
});

test('the pods limit is checked first, then cpu, memory, then other resources by name', () => {
  const three = [pod(), pod(), pod()].map(admittedRequests);
  assert.deepEqual(admitPod(pod({ cpu: '5' }), node, three), {
    reason: 'OutOfpods',
    message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
  });
  assert.equal(admitPod(pod({ cpu: '5', memory: '5Gi' }), node, [])?.reason, 'OutOfcpu');
  assert.deepEqual(admitPod(pod({ 'example.com/gpu': '1' }), node, []), {
    reason: 'OutOfexample.com/gpu',
    message: "Node didn't have enough resource: example.com/gpu, requested: 1, used: 0, capacity: 0",
  });
});

test('a nodeSelector or required node affinity the node does not match: NodeAffinity', () => {
  const rejection = { reason: 'NodeAffinity', message: 'Predicate NodeAffinity failed' };
  assert.deepEqual(admitPod(pod({}, { nodeSelector: { disk: 'hdd' } }), node, []), rejection);
  assert.equal(admitPod(pod({}, { nodeSelector: { disk: 'ssd' } }), node, []), undefined);
  const affinity = (values: string[]) => ({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values }] }],
        },
      },
    },
  });
  assert.deepEqual(admitPod(pod({}, affinity(['nvme'])), node, []), rejection);
  assert.equal(admitPod(pod({}, affinity(['ssd', 'nvme'])), node, []), undefined);
});

test('without the Node (not read yet) a pod is admitted', () => {
  assert.equal(admitPod(pod({ cpu: '64' }), undefined, []), undefined);
});
