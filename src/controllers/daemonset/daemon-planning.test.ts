// The DaemonSet's per-node decisions and rolling-update step as pure functions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { allowsSurge, countStatus, isPodUpdated, nodesToDaemonPods, planNodes, scaledValue, templateGeneration } from './daemon-pods.ts';
import { FailedPodBackoff } from './failed-pod-backoff.ts';
import { pinToNode } from './node-eligibility.ts';
import { desiredCounts, planRollingUpdate } from './rolling-update.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

const node = (name: string, taints: KubeObject[] = []): KubeObject => ({ metadata: { name, labels: {} }, spec: { taints } });

interface PodOpts {
  hash?: string;
  ready?: boolean;
  phase?: string;
  created?: number;
  deleting?: boolean;
  readySince?: number;
}

let seq = 0;
function pod(nodeName: string, opts: PodOpts = {}): KubeObject {
  seq++;
  const ready = opts.ready ?? false;
  return {
    metadata: {
      name: `p${seq}`,
      uid: `uid-${seq}`,
      creationTimestamp: iso(opts.created ?? NOW - 60_000 + seq),
      labels: { 'controller-revision-hash': opts.hash ?? 'new' },
      ...(opts.deleting ? { deletionTimestamp: iso(NOW) } : {}),
    },
    spec: { affinity: pinToNode(undefined, nodeName) },
    status: {
      phase: opts.phase ?? (ready ? 'Running' : 'Pending'),
      conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: iso(opts.readySince ?? NOW - 30_000) }] : [],
    },
  };
}

function ds(
  strategy: KubeObject = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
  extra: KubeObject = {},
): KubeObject {
  return {
    metadata: { name: 'agent', namespace: 'default', generation: 2 },
    spec: {
      updateStrategy: strategy,
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c' }] } },
      ...extra,
    },
  };
}

const always = { mayReplaceFailed: () => true };
const names = (pods: KubeObject[]) => pods.map((p) => p.metadata?.name).sort();

describe('helpers', () => {
  test('scaledValue rounds percentages up; allowsSurge needs a non-zero maxSurge under RollingUpdate', () => {
    assert.equal(scaledValue('25%', 10), 3);
    assert.equal(scaledValue(2, 10), 2);
    assert.equal(scaledValue(undefined, 10), 0);
    assert.ok(allowsSurge(ds({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '10%' } })));
    assert.ok(!allowsSurge(ds({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0 } })));
    assert.ok(!allowsSurge(ds({ type: 'OnDelete' })));
  });

  test('template generation prefers the annotation; a pod is updated by hash or by generation', () => {
    assert.equal(templateGeneration(ds()), '2');
    const annotated: any = ds();
    annotated.metadata.annotations = { 'deprecated.daemonset.template.generation': '7' };
    assert.equal(templateGeneration(annotated), '7');
    const p = pod('n1', { hash: 'old' });
    assert.ok(!isPodUpdated(p, 'new', '2'));
    p.metadata!.labels['pod-template-generation'] = '2';
    assert.ok(isPodUpdated(p, 'new', '2'));
    assert.ok(isPodUpdated(pod('n1', { hash: 'new' }), 'new', undefined));
  });

  test('nodesToDaemonPods groups by target node and drops finished pods being deleted', () => {
    const a = pod('n1');
    const gone = pod('n1', { phase: 'Succeeded', deleting: true });
    const b = pod('n2', { deleting: true });
    const map = nodesToDaemonPods([a, gone, b]);
    assert.deepEqual(names(map.get('n1')!), [a.metadata?.name]);
    assert.deepEqual(names(map.get('n2')!), [b.metadata?.name]);
  });

  test('failed-pod back-off doubles per node and caps', () => {
    const backoff = new FailedPodBackoff(1000, 4000);
    assert.equal(backoff.waitFor('k', 0), 0);
    backoff.next('k', 0);
    assert.equal(backoff.waitFor('k', 400), 600);
    backoff.next('k', 1000);
    assert.equal(backoff.waitFor('k', 1000), 2000);
    backoff.next('k', 3000);
    backoff.next('k', 7000);
    assert.equal(backoff.waitFor('k', 7000), 4000);
    backoff.next('k', 100_000); // idle long enough: starts over
    assert.equal(backoff.waitFor('k', 100_000), 1000);
    backoff.forgetPrefix('k');
    assert.equal(backoff.waitFor('k', 100_000), 0);
  });
});

describe('planNodes', () => {
  test('creates on nodes without a pod, deletes extras (keeping the oldest), failed and finished pods', () => {
    const oldest = pod('n2', { created: NOW - 100_000 });
    const younger = pod('n2', { created: NOW - 50_000 });
    const failed = pod('n3', { phase: 'Failed' });
    const done = pod('n4', { phase: 'Succeeded' });
    const orphaned = pod('gone-node');
    const nodes = [node('n1'), node('n2'), node('n3'), node('n4')];
    const plan = planNodes(ds(), nodes, nodesToDaemonPods([oldest, younger, failed, done, orphaned]), 'new', always, NOW);
    assert.deepEqual(plan.createOn, ['n1']);
    assert.deepEqual(names(plan.deletePods), names([younger, failed, done, orphaned]));
    assert.deepEqual(
      plan.failedPods.map((f) => f.node),
      ['n3'],
    );
  });

  test('a failed pod in back-off is left for later', () => {
    const failed = pod('n1', { phase: 'Failed' });
    const plan = planNodes(ds(), [node('n1')], nodesToDaemonPods([failed]), 'new', { mayReplaceFailed: () => false }, NOW);
    assert.deepEqual(plan.deletePods, []);
    assert.deepEqual(plan.createOn, []);
  });

  test('pods on a node with an untolerated NoExecute taint go; NoSchedule ones stay', () => {
    const evicted = pod('n1');
    const stays = pod('n2');
    const nodes = [node('n1', [{ key: 'x', effect: 'NoExecute' }]), node('n2', [{ key: 'x', effect: 'NoSchedule' }])];
    const plan = planNodes(ds(), nodes, nodesToDaemonPods([evicted, stays]), 'new', always, NOW);
    assert.deepEqual(names(plan.deletePods), [evicted.metadata?.name]);
    assert.deepEqual(plan.createOn, []);
  });

  test('with surge, the old pod goes once the new one is available, or at once if it is not ready', () => {
    const surge = ds({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const oldReady = pod('n1', { hash: 'old', ready: true });
    const newPending = pod('n1', { hash: 'new' });
    let plan = planNodes(surge, [node('n1')], nodesToDaemonPods([oldReady, newPending]), 'new', always, NOW);
    assert.deepEqual(plan.deletePods, []);
    const newReady = pod('n1', { hash: 'new', ready: true });
    plan = planNodes(surge, [node('n1')], nodesToDaemonPods([oldReady, newReady]), 'new', always, NOW);
    assert.deepEqual(names(plan.deletePods), [oldReady.metadata?.name]);
    const oldNotReady = pod('n1', { hash: 'old' });
    plan = planNodes(surge, [node('n1')], nodesToDaemonPods([oldNotReady, newPending]), 'new', always, NOW);
    assert.deepEqual(names(plan.deletePods), [oldNotReady.metadata?.name]);
  });
});

describe('planRollingUpdate', () => {
  test('maxUnavailable bounds how many available old pods are deleted; unavailable old pods go at once', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
    const pods = [
      pod('n1', { hash: 'old', ready: true }),
      pod('n2', { hash: 'old', ready: true }),
      pod('n3', { hash: 'old', ready: true }),
      pod('n4', { hash: 'old' }),
    ];
    const plan = planRollingUpdate(ds(undefined), nodes, nodesToDaemonPods(pods), 'new', NOW);
    // n4's old pod is unavailable and replaced; that uses up the one unavailable slot.
    assert.deepEqual(names(plan.deletePods), [pods[3].metadata?.name]);
    const two = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } });
    assert.equal(planRollingUpdate(two, nodes, nodesToDaemonPods(pods), 'new', NOW).deletePods.length, 2);
  });

  test('a new pod not yet available, or a node without a pod, counts as unavailable', () => {
    const nodes = ['n1', 'n2', 'n3'].map((n) => node(n));
    const pods = [pod('n1', { hash: 'new' }), pod('n2', { hash: 'old', ready: true })];
    assert.deepEqual(planRollingUpdate(ds(), nodes, nodesToDaemonPods(pods), 'new', NOW).deletePods, []);
    const three = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 3 } });
    assert.equal(planRollingUpdate(three, nodes, nodesToDaemonPods(pods), 'new', NOW).deletePods.length, 1);
  });

  test('minReadySeconds delays availability', () => {
    const nodes = [node('n1'), node('n2')];
    const slow = ds(undefined, { minReadySeconds: 60 });
    const pods = [
      pod('n1', { hash: 'new', ready: true, readySince: NOW - 10_000 }),
      pod('n2', { hash: 'old', ready: true, readySince: NOW - 600_000 }),
    ];
    assert.deepEqual(planRollingUpdate(slow, nodes, nodesToDaemonPods(pods), 'new', NOW).deletePods, []);
    assert.equal(planRollingUpdate(slow, nodes, nodesToDaemonPods(pods), 'new', NOW + 60_000).deletePods.length, 1);
  });

  test('surge creates new pods beside up to maxSurge available old ones', () => {
    const nodes = ['n1', 'n2', 'n3'].map((n) => node(n));
    const surge = ds({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } });
    const pods = ['n1', 'n2', 'n3'].map((n) => pod(n, { hash: 'old', ready: true }));
    const plan = planRollingUpdate(surge, nodes, nodesToDaemonPods(pods), 'new', NOW);
    assert.equal(plan.createOn.length, 2);
    assert.deepEqual(plan.deletePods, []);
  });

  test('desiredCounts falls back to one unavailable when both limits are zero', () => {
    const counts = desiredCounts(ds({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }), [node('a'), node('b')]);
    assert.deepEqual(
      { surge: counts.maxSurge, unavailable: counts.maxUnavailable, desired: counts.desired },
      { surge: 0, unavailable: 1, desired: 2 },
    );
  });
});

describe('countStatus', () => {
  test('counts desired, scheduled, misscheduled, ready, available and updated per node', () => {
    const nodes = [node('n1'), node('n2'), node('n3'), node('tainted', [{ key: 'x', effect: 'NoSchedule' }])];
    const pods = [pod('n1', { hash: 'new', ready: true }), pod('n2', { hash: 'old', ready: true }), pod('tainted', { hash: 'new' })];
    const counts = countStatus(ds(), nodes, nodesToDaemonPods(pods), 'new', NOW);
    assert.deepEqual(counts, {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      numberReady: 2,
      updatedNumberScheduled: 1,
      numberAvailable: 2,
      numberUnavailable: 1,
    });
  });
});
