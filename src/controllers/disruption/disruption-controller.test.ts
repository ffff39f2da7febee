import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { startControllerUnderTest, stopControllerUnderTest } from '../../testing/controller-under-test.ts';
import { eventually, type InProcessCluster } from '../../testing/in-process-cluster.ts';
import type { ApiObject } from '../job/api-object.ts';
import { DisruptionController } from './disruption-controller.ts';
import { desiredHealthyPods, scaledValue } from './pdb-status.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: DisruptionController;
let clockSkewMs = 0;

before(async () => {
  ({ cluster, factory, controller } = await startControllerUnderTest(
    (c, f) => new DisruptionController(c.client, f, c.logger, { now: () => new Date(Date.now() + clockSkewMs) }),
    2,
  ));
});

after(() => stopControllerUnderTest({ cluster, factory, controller }));

let nsCounter = 0;
async function freshNamespace(): Promise<string> {
  const ns = `pdb-${++nsCounter}`;
  await cluster.createNamespace(ns);
  return ns;
}

async function createPod(ns: string, name: string, labels: Record<string, string>, owner?: ApiObject, ready = true): Promise<ApiObject> {
  const ownerReferences = owner
    ? [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true }]
    : undefined;
  const pod = await cluster.client.create<ApiObject>(resources.pods, ns, {
    metadata: { name, labels, ownerReferences },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
  });
  if (ready) await setReady(pod, true);
  return pod;
}

async function setReady(pod: ApiObject, ready: boolean): Promise<void> {
  const fresh = await cluster.client.get<ApiObject>(resources.pods, pod.metadata.namespace, pod.metadata.name);
  fresh.status = {
    ...fresh.status,
    phase: 'Running',
    conditions: [
      { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
    ],
  };
  await cluster.client.updateStatus(resources.pods, fresh);
}

async function createPdb(ns: string, name: string, spec: Record<string, unknown>): Promise<ApiObject> {
  return cluster.client.create<ApiObject>(resources.podDisruptionBudgets, ns, { metadata: { name }, spec });
}

async function waitForStatus(ns: string, name: string, check: (s: ApiObject) => boolean): Promise<ApiObject> {
  return eventually(`status of ${name}`, async () => {
    const pdb = await cluster.client.get<ApiObject>(resources.podDisruptionBudgets, ns, name);
    return pdb.status && check(pdb.status) ? pdb.status : undefined;
  });
}

const allowedCondition = (status: ApiObject) => status.conditions?.find((c: { type: string }) => c.type === 'DisruptionAllowed');

test('budget arithmetic: percentages round up, maxUnavailable subtracts', () => {
  assert.equal(scaledValue('50%', 5), 3);
  assert.equal(scaledValue('10%', 3), 1);
  assert.equal(scaledValue(2, 10), 2);
  assert.throws(() => scaledValue('half', 2));
  const pdb = (spec: object) => ({ metadata: {}, spec });
  assert.equal(desiredHealthyPods(pdb({ minAvailable: '50%' }), 5), 3);
  assert.equal(desiredHealthyPods(pdb({ maxUnavailable: '25%' }), 5), 3);
  assert.equal(desiredHealthyPods(pdb({ maxUnavailable: 7 }), 5), 0);
});

test('minAvailable as a number: healthy pods above it may be disrupted', async () => {
  const ns = await freshNamespace();
  const pods = [];
  for (const name of ['a', 'b', 'c']) pods.push(await createPod(ns, name, { app: 'web' }));
  await createPod(ns, 'other', { app: 'db' });
  const pdb = await createPdb(ns, 'web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
  const status = await waitForStatus(ns, 'web', (s) => s.currentHealthy === 3);
  assert.deepEqual(
    [status.currentHealthy, status.desiredHealthy, status.expectedPods, status.disruptionsAllowed, status.observedGeneration],
    [3, 2, 3, 1, pdb.metadata.generation],
  );
  const cond = allowedCondition(status);
  assert.deepEqual([cond.status, cond.reason], ['True', 'SufficientPods']);
  // One pod stops being ready: no disruption is allowed any more.
  await setReady(pods[0], false);
  const tight = await waitForStatus(ns, 'web', (s) => s.currentHealthy === 2);
  assert.equal(tight.disruptionsAllowed, 0);
  assert.deepEqual([allowedCondition(tight).status, allowedCondition(tight).reason], ['False', 'InsufficientPods']);
});

test('percentages and maxUnavailable use the scale of the pods controller', async () => {
  const ns = await freshNamespace();
  const template = { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } };
  const deployment = await cluster.client.create<ApiObject>(resources.deployments, ns, {
    metadata: { name: 'api' },
    spec: { replicas: 4, selector: { matchLabels: { app: 'api' } }, template },
  });
  const rs = await cluster.client.create<ApiObject>(resources.replicaSets, ns, {
    metadata: {
      name: 'api-abc',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: deployment.metadata.uid, controller: true }],
    },
    spec: { replicas: 4, selector: { matchLabels: { app: 'api' } }, template },
  });
  for (const name of ['p1', 'p2', 'p3']) await createPod(ns, name, { app: 'api' }, rs);
  await createPdb(ns, 'api', { maxUnavailable: '50%', selector: { matchLabels: { app: 'api' } } });
  // Expected: the Deployment's 4 replicas; at most 2 unavailable, so 2 must stay healthy.
  const status = await waitForStatus(ns, 'api', (s) => s.expectedPods === 4);
  assert.deepEqual([status.currentHealthy, status.desiredHealthy, status.disruptionsAllowed], [3, 2, 1]);
});

test('pods owned by something without a scale make the budget fail safe', async () => {
  const ns = await freshNamespace();
  const job = await cluster.client.create<ApiObject>(resources.jobs, ns, {
    metadata: { name: 'batch' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
  });
  await createPod(ns, 'worker', { app: 'batch' }, job);
  const pdb = await createPdb(ns, 'batch', { minAvailable: '50%', selector: { matchLabels: { app: 'batch' } } });
  const status = await waitForStatus(ns, 'batch', (s) => allowedCondition(s)?.reason === 'SyncFailed');
  assert.equal(status.disruptionsAllowed, 0);
  assert.equal(allowedCondition(status).message, 'found no controllers for pod "worker"');
  await eventually('event', async () => {
    const events = await cluster.client.list<ApiObject>(resources.events, ns, { fieldSelector: `involvedObject.uid=${pdb.metadata.uid}` });
    return events.items.some((e) => e.reason === 'CalculateExpectedPodCountFailed');
  });
});

test('recently evicted pods do not count as healthy until the timeout', async () => {
  const ns = await freshNamespace();
  for (const name of ['a', 'b']) await createPod(ns, name, { app: 'q' });
  await createPdb(ns, 'q', { minAvailable: 1, selector: { matchLabels: { app: 'q' } } });
  const first = await waitForStatus(ns, 'q', (s) => s.currentHealthy === 2);
  assert.equal(first.disruptionsAllowed, 1);
  // What the eviction subresource records before deleting a pod.
  const pdb = await cluster.client.get<ApiObject>(resources.podDisruptionBudgets, ns, 'q');
  pdb.status.disruptedPods = { a: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
  pdb.status.disruptionsAllowed = 0;
  await cluster.client.updateStatus(resources.podDisruptionBudgets, pdb);
  const pending = await waitForStatus(ns, 'q', (s) => s.currentHealthy === 1);
  assert.deepEqual(Object.keys(pending.disruptedPods), ['a']);
  assert.equal(pending.disruptionsAllowed, 0);
  // Two minutes later pod "a" is still there: it counts again.
  clockSkewMs = 2 * 60_000 + 1000;
  try {
    controller.enqueue(`${ns}/q`);
    const healed = await waitForStatus(ns, 'q', (s) => s.currentHealthy === 2);
    assert.equal(healed.disruptedPods, undefined);
    assert.equal(healed.disruptionsAllowed, 1);
    // Kubernetes names the budget by its namespace twice in this event.
    const podA = await cluster.client.get<ApiObject>(resources.pods, ns, 'a');
    const notDeleted = await eventually('NotDeleted event', async () => {
      const events = await cluster.client.list<ApiObject>(resources.events, ns, {
        fieldSelector: `involvedObject.uid=${podA.metadata.uid}`,
      });
      return events.items.find((e) => e.reason === 'NotDeleted');
    });
    assert.equal(notDeleted.message, `Pod was expected by PDB ${ns}/${ns} to be deleted but it wasn't`);
  } finally {
    clockSkewMs = 0;
  }
});

test('a budget with neither minAvailable nor maxUnavailable expects no pods and allows no disruption', async () => {
  const ns = await freshNamespace();
  for (const name of ['a', 'b']) await createPod(ns, name, { app: 'bare' });
  await createPdb(ns, 'bare', { selector: { matchLabels: { app: 'bare' } } });
  const status = await waitForStatus(ns, 'bare', (s) => s.currentHealthy === 2);
  assert.deepEqual([status.desiredHealthy, status.expectedPods, status.disruptionsAllowed], [0, 0, 0]);
  assert.deepEqual([allowedCondition(status).status, allowedCondition(status).reason], ['False', 'InsufficientPods']);
});

test('a budget matching no pods gets the NoPods event', async () => {
  const ns = await freshNamespace();
  const pdb = await createPdb(ns, 'nobody', { minAvailable: 1, selector: { matchLabels: { app: 'nobody' } } });
  const status = await waitForStatus(ns, 'nobody', (s) => s.expectedPods === 0);
  assert.equal(status.disruptionsAllowed, 0);
  const event = await eventually('NoPods event', async () => {
    const events = await cluster.client.list<ApiObject>(resources.events, ns, { fieldSelector: `involvedObject.uid=${pdb.metadata.uid}` });
    return events.items.find((e) => e.reason === 'NoPods');
  });
  assert.deepEqual([event.type, event.message], ['Normal', 'No matching pods found']);
});
