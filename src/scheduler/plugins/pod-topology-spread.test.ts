import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rejection, Skip } from '../framework.ts';
import type { SchedulerCache } from '../scheduler-cache.ts';
import { clusterOf, podInfo } from './fixtures.ts';
import { podTopologySpreadFilter, podTopologySpreadScore } from './pod-topology-spread.ts';

const zoned = [
  { name: 'a1', labels: { zone: 'a' } },
  { name: 'a2', labels: { zone: 'a' } },
  { name: 'b1', labels: { zone: 'b' } },
  { name: 'nozone' },
];

const spread = (maxSkew: number, whenUnsatisfiable = 'DoNotSchedule', topologyKey = 'zone', extra = {}) => ({
  labels: { app: 'web' },
  spec: {
    topologySpreadConstraints: [{ maxSkew, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: { app: 'web' } }, ...extra }],
  },
});

function filterAll(cluster: SchedulerCache, pod: ReturnType<typeof podInfo>): Record<string, string | undefined> {
  const state = podTopologySpreadFilter.preFilter!(pod, cluster);
  const out: Record<string, string | undefined> = {};
  for (const n of cluster.nodes)
    out[n.name] = state === Skip || state instanceof Rejection ? undefined : podTopologySpreadFilter.filter(pod, n, state)?.reasons[0];
  return out;
}

test('DoNotSchedule rejects domains that would exceed maxSkew and nodes without the topology label', () => {
  const cluster = clusterOf(zoned, [
    { nodeName: 'a1', labels: { app: 'web' } },
    { nodeName: 'a2', labels: { app: 'web' } },
  ]);
  assert.deepEqual(filterAll(cluster, podInfo(spread(1))), {
    a1: "node(s) didn't match pod topology spread constraints",
    a2: "node(s) didn't match pod topology spread constraints",
    b1: undefined,
    nozone: "node(s) didn't match pod topology spread constraints (missing required label)",
  });
  assert.equal(filterAll(cluster, podInfo(spread(2))).a1, "node(s) didn't match pod topology spread constraints", 'zone a would be 3 vs 0');
  assert.equal(filterAll(cluster, podInfo(spread(3))).a1, undefined, 'a skew of 3 is allowed with maxSkew 3');
});

test('pods in other namespaces or not matching the selector do not count', () => {
  const cluster = clusterOf(zoned, [
    { nodeName: 'a1', labels: { app: 'web' }, namespace: 'other' },
    { nodeName: 'a2', labels: { app: 'api' } },
  ]);
  assert.equal(filterAll(cluster, podInfo(spread(1))).a1, undefined);
});

test('minDomains: with fewer domains than required, the global minimum is 0', () => {
  const cluster = clusterOf(zoned, [
    { nodeName: 'a1', labels: { app: 'web' } },
    { nodeName: 'b1', labels: { app: 'web' } },
  ]);
  assert.equal(filterAll(cluster, podInfo(spread(1))).a1, undefined);
  assert.equal(
    filterAll(cluster, podInfo(spread(1, 'DoNotSchedule', 'zone', { minDomains: 3 }))).a1,
    "node(s) didn't match pod topology spread constraints",
  );
});

test('ScheduleAnyway constraints score emptier domains higher', () => {
  const cluster = clusterOf(zoned.slice(0, 3), [
    { nodeName: 'a1', labels: { app: 'web' } },
    { nodeName: 'a2', labels: { app: 'web' } },
  ]);
  const pod = podInfo(spread(1, 'ScheduleAnyway'));
  assert.equal(podTopologySpreadFilter.preFilter!(pod, cluster), Skip);
  const state = podTopologySpreadScore.preScore!(pod, cluster.nodes, cluster);
  const scores = cluster.nodes.map((n) => podTopologySpreadScore.score(pod, n, state as any));
  podTopologySpreadScore.normalize!(scores);
  assert.ok(scores[2] > scores[0], `b1 ${scores[2]} should beat a1 ${scores[0]}`);
  assert.equal(scores[2], 100);
});

test('by default, pods of one owner spread across nodes', () => {
  const cluster = clusterOf(
    [{ name: 'n1' }, { name: 'n2' }, { name: 'n3' }],
    [
      { nodeName: 'n1', ownerUid: 'rs-1' },
      { nodeName: 'n2', ownerUid: 'rs-1' },
      { nodeName: 'n3', ownerUid: 'rs-other' },
    ],
  );
  const pod = podInfo({ ownerUid: 'rs-1' });
  const state = podTopologySpreadScore.preScore!(pod, cluster.nodes, cluster);
  assert.notEqual(state, Skip);
  const scores = cluster.nodes.map((n) => podTopologySpreadScore.score(pod, n, state as any));
  podTopologySpreadScore.normalize!(scores);
  assert.equal(scores[2], 100);
  assert.ok(scores[0] < 100 && scores[1] < 100);
  assert.equal(podTopologySpreadScore.preScore!(podInfo(), cluster.nodes, cluster), Skip, 'no owner, no default spreading');
});
