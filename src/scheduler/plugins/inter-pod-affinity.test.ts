import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rejection, Skip } from '../framework.ts';
import type { SchedulerCache } from '../scheduler-cache.ts';
import { clusterOf, podInfo } from './fixtures.ts';
import { interPodAffinityFilter, interPodAffinityScore } from './inter-pod-affinity.ts';

const nodes = [
  { name: 'a1', labels: { zone: 'a' } },
  { name: 'a2', labels: { zone: 'a' } },
  { name: 'b1', labels: { zone: 'b' } },
];

function filterAll(cluster: SchedulerCache, pod = podInfo()): Record<string, string | undefined> {
  const state = interPodAffinityFilter.preFilter!(pod, cluster);
  const out: Record<string, string | undefined> = {};
  for (const n of cluster.nodes)
    out[n.name] = state === Skip || state instanceof Rejection ? undefined : interPodAffinityFilter.filter(pod, n, state)?.reasons[0];
  return out;
}

const term = (labels: Record<string, string>, topologyKey: string) => ({ labelSelector: { matchLabels: labels }, topologyKey });

test('required affinity places the pod in a domain with a matching pod', () => {
  const cluster = clusterOf(nodes, [{ nodeName: 'b1', labels: { app: 'db' } }]);
  const pod = podInfo({
    spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'zone')] } } },
  });
  assert.deepEqual(filterAll(cluster, pod), {
    a1: "node(s) didn't match pod affinity rules",
    a2: "node(s) didn't match pod affinity rules",
    b1: undefined,
  });
});

test('the first pod of a self-affine group may go anywhere', () => {
  const cluster = clusterOf(nodes);
  const pod = podInfo({
    labels: { app: 'web' },
    spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } } },
  });
  assert.deepEqual(filterAll(cluster, pod), { a1: undefined, a2: undefined, b1: undefined });
});

test('required anti-affinity keeps the pod out of domains with matching pods', () => {
  const cluster = clusterOf(nodes, [{ nodeName: 'a1', labels: { app: 'web' } }]);
  const pod = podInfo({
    labels: { app: 'web' },
    spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } } },
  });
  assert.deepEqual(filterAll(cluster, pod), {
    a1: "node(s) didn't match pod anti-affinity rules",
    a2: "node(s) didn't match pod anti-affinity rules",
    b1: undefined,
  });
  const other = podInfo({ namespace: 'other', labels: { app: 'web' }, spec: pod.pod.spec });
  assert.deepEqual(filterAll(cluster, other), { a1: undefined, a2: undefined, b1: undefined }, 'terms default to the pod namespace');
});

test("running pods' anti-affinity rejects the pods it selects", () => {
  const guard = {
    nodeName: 'a1',
    labels: { app: 'guard' },
    spec: {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'kubernetes.io/hostname')] } },
    },
  };
  const cluster = clusterOf(nodes, [guard]);
  assert.deepEqual(filterAll(cluster, podInfo({ labels: { app: 'web' } })), {
    a1: "node(s) didn't satisfy existing pods anti-affinity rules",
    a2: undefined,
    b1: undefined,
  });
  assert.deepEqual(filterAll(cluster, podInfo({ labels: { app: 'api' } })), { a1: undefined, a2: undefined, b1: undefined });
});

test('namespaceSelector selects pods in labelled namespaces', () => {
  const cluster = clusterOf(nodes, [{ nodeName: 'b1', namespace: 'prod', labels: { app: 'db' } }], { prod: { env: 'prod' } });
  const pod = podInfo({
    spec: {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { ...term({ app: 'db' }, 'zone'), namespaceSelector: { matchLabels: { env: 'prod' } } },
          ],
        },
      },
    },
  });
  assert.equal(filterAll(cluster, pod).b1, undefined);
  assert.equal(filterAll(cluster, pod).a1, "node(s) didn't match pod affinity rules");
});

test('preferred affinity and anti-affinity score the domains', () => {
  const cluster = clusterOf(nodes, [
    { nodeName: 'a1', labels: { app: 'cache' } },
    { nodeName: 'b1', labels: { app: 'noisy' } },
  ]);
  const pod = podInfo({
    spec: {
      affinity: {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term({ app: 'cache' }, 'zone') }] },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term({ app: 'noisy' }, 'zone') }],
        },
      },
    },
  });
  const state = interPodAffinityScore.preScore!(pod, cluster.nodes, cluster);
  assert.notEqual(state, Skip);
  const scores = cluster.nodes.map((n) => interPodAffinityScore.score(pod, n, state as any));
  assert.deepEqual(scores, [50, 50, -50]);
  interPodAffinityScore.normalize!(scores);
  assert.deepEqual(scores, [100, 100, 0]);
  assert.equal(interPodAffinityScore.preScore!(podInfo(), cluster.nodes, cluster), Skip);
});
