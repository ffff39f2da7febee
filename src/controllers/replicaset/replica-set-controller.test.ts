// The replica controller against a real in-process API server. The tests play the kubelet:
// they mark pods Running/Ready/Failed through the status subresource.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { getControllerOf } from '../controller-ref.ts';
import { ReplicaSetController, ReplicationManager } from './replica-set-controller.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let replicaSets: ReplicaSetController;
let replicationControllers: ReplicationManager;
let namespaceCounter = 0;

before(async () => {
  cluster = await startInProcessCluster();
  factory = new InformerFactory(cluster.client);
  replicaSets = new ReplicaSetController(cluster.client, factory, cluster.logger);
  replicationControllers = new ReplicationManager(cluster.client, factory, cluster.logger);
  factory.start();
  assert.equal(await factory.waitForSync(), true);
  replicaSets.run(2);
  replicationControllers.run(2);
});

after(async () => {
  await Promise.all([replicaSets.stop(), replicationControllers.stop()]);
  await factory.stop();
  await cluster.stop();
});

// ---- helpers ---------------------------------------------------------------------

async function freshNamespace(): Promise<string> {
  const name = `rs-test-${++namespaceCounter}`;
  await cluster.createNamespace(name);
  return name;
}

const podTemplate = (labels: Record<string, string>) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
});

function replicaSet(name: string, replicas: number, labels: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels), ...spec },
  };
}

async function createReplicaSet(ns: string, rs: KubeObject): Promise<KubeObject> {
  return cluster.client.create(resources.replicaSets, ns, rs);
}

async function scale(ns: string, name: string, replicas: number, res = resources.replicaSets): Promise<void> {
  await cluster.client.patch(res, ns, name, { spec: { replicas } }, 'merge');
}

async function listPods(ns: string, labelSelector?: string): Promise<KubeObject[]> {
  return (await cluster.client.list(resources.pods, ns, { labelSelector })).items;
}

const isActive = (pod: KubeObject) => !pod.metadata?.deletionTimestamp && !['Failed', 'Succeeded'].includes(pod.status?.phase);

/** Waits until exactly `count` active pods match, then returns them. */
async function activePods(ns: string, count: number, labelSelector?: string): Promise<KubeObject[]> {
  return eventually(`${count} active pods in ${ns}`, async () => {
    const pods = (await listPods(ns, labelSelector)).filter(isActive);
    return pods.length === count ? pods : undefined;
  });
}

/** Plays the kubelet: the pod runs and is ready since `readySince`. */
async function markReady(pod: KubeObject, readySince = new Date()): Promise<KubeObject> {
  const current = await cluster.client.get(resources.pods, pod.metadata?.namespace, pod.metadata?.name);
  const at = readySince.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return cluster.client.updateStatus(resources.pods, {
    ...current,
    status: {
      ...current.status,
      phase: 'Running',
      startTime: at,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: at },
        { type: 'Initialized', status: 'True', lastTransitionTime: at },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: at },
        { type: 'Ready', status: 'True', lastTransitionTime: at },
      ],
      containerStatuses: [
        {
          name: 'app',
          image: 'registry.example/app:1',
          imageID: '',
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: at } },
        },
      ],
    },
  });
}

async function markFailed(pod: KubeObject): Promise<void> {
  const current = await cluster.client.get(resources.pods, pod.metadata?.namespace, pod.metadata?.name);
  await cluster.client.updateStatus(resources.pods, { ...current, status: { ...current.status, phase: 'Failed', reason: 'Error' } });
}

async function eventsAbout(ns: string, uid: string): Promise<KubeObject[]> {
  return (await cluster.client.list(resources.events, ns, { fieldSelector: `involvedObject.uid=${uid}` })).items;
}

async function statusOf(ns: string, name: string, res = resources.replicaSets): Promise<Record<string, any>> {
  return (await cluster.client.get(res, ns, name)).status ?? {};
}

// ---- tests -----------------------------------------------------------------------

test('scales up with owned, labelled pods and SuccessfulCreate events, then scales down', async () => {
  const ns = await freshNamespace();
  const rs = await createReplicaSet(ns, replicaSet('web', 3, { app: 'web' }));
  const pods = await activePods(ns, 3);
  for (const pod of pods) {
    assert.match(pod.metadata?.name, /^web-[a-z0-9]{5}$/);
    assert.equal(pod.metadata?.generateName, 'web-');
    assert.deepEqual(pod.metadata?.labels, { app: 'web' });
    assert.deepEqual(getControllerOf(pod), {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web',
      uid: rs.metadata?.uid,
      controller: true,
      blockOwnerDeletion: true,
    });
  }
  const created = await eventually('SuccessfulCreate events', async () => {
    const events = (await eventsAbout(ns, rs.metadata?.uid)).filter((e) => e.reason === 'SuccessfulCreate');
    return events.length === 3 ? events : undefined;
  });
  assert.deepEqual(created.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata?.name}`).sort());
  assert.equal(created[0].source.component, 'replicaset-controller');
  await eventually('status.replicas 3', async () => (await statusOf(ns, 'web')).replicas === 3);

  await scale(ns, 'web', 1);
  await activePods(ns, 1);
  const deleted = await eventually('SuccessfulDelete events', async () => {
    const events = (await eventsAbout(ns, rs.metadata?.uid)).filter((e) => e.reason === 'SuccessfulDelete');
    return events.length === 2 ? events : undefined;
  });
  assert.ok(deleted.every((e) => /^Deleted pod: web-[a-z0-9]{5}$/.test(e.message)));
  const status = await eventually('status after scale-down', async () => {
    const s = await statusOf(ns, 'web');
    return s.replicas === 1 && s.observedGeneration === 2 ? s : undefined;
  });
  assert.equal(status.fullyLabeledReplicas, 1);
});

test('a deleted pod is replaced at once', async () => {
  const ns = await freshNamespace();
  await createReplicaSet(ns, replicaSet('api', 2, { app: 'api' }));
  const [victim] = await activePods(ns, 2);
  await cluster.client.delete(resources.pods, ns, victim.metadata?.name);
  const pods = await eventually('a replacement', async () => {
    const all = (await listPods(ns)).filter(isActive);
    return all.length === 2 && !all.some((p) => p.metadata?.uid === victim.metadata?.uid) ? all : undefined;
  });
  assert.equal(pods.length, 2);
});

test('a Failed pod no longer counts and is replaced, and is left in place', async () => {
  const ns = await freshNamespace();
  await createReplicaSet(ns, replicaSet('worker', 2, { app: 'worker' }));
  const [first] = await activePods(ns, 2);
  await markFailed(first);
  await eventually('replacement of the failed pod', async () => {
    const all = await listPods(ns);
    return all.length === 3 && all.filter(isActive).length === 2;
  });
  // Kubernetes leaves failed pods to the pod garbage collector.
  const failed = await cluster.tryGet(resources.pods, ns, first.metadata?.name);
  assert.equal(failed?.status?.phase, 'Failed');
  await eventually('status.replicas counts active pods only', async () => (await statusOf(ns, 'worker')).replicas === 2);
});

test('adopts a matching orphan instead of creating, and releases a pod whose labels stop matching', async () => {
  const ns = await freshNamespace();
  const orphan = await cluster.client.create(resources.pods, ns, {
    metadata: { name: 'stray', labels: { app: 'cache' } },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
  });
  const rs = await createReplicaSet(ns, replicaSet('cache', 2, { app: 'cache' }));
  const pods = await activePods(ns, 2);
  assert.ok(
    pods.some((p) => p.metadata?.uid === orphan.metadata?.uid),
    'the orphan is one of the two',
  );
  const adopted = await eventually('the orphan adopted', async () => {
    const pod = await cluster.client.get(resources.pods, ns, 'stray');
    return getControllerOf(pod)?.uid === rs.metadata?.uid ? pod : undefined;
  });
  assert.equal(getControllerOf(adopted)?.kind, 'ReplicaSet');

  // Relabel it: the ReplicaSet lets it go and makes a new one.
  await cluster.client.patch(resources.pods, ns, 'stray', { metadata: { labels: { app: 'debug' } } }, 'merge');
  await eventually('the pod released', async () => {
    const pod = await cluster.client.get(resources.pods, ns, 'stray');
    return (pod.metadata?.ownerReferences ?? []).length === 0;
  });
  await activePods(ns, 2, 'app=cache');
});

test('does not adopt pods another controller owns', async () => {
  const ns = await freshNamespace();
  await cluster.client.create(resources.pods, ns, {
    metadata: {
      name: 'owned-elsewhere',
      labels: { app: 'shared' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'other', uid: 'not-ours-1234', controller: true }],
    },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
  });
  await createReplicaSet(ns, replicaSet('shared', 1, { app: 'shared' }));
  const pods = await activePods(ns, 2);
  const foreign = pods.find((p) => p.metadata?.name === 'owned-elsewhere');
  assert.equal(getControllerOf(foreign!)?.uid, 'not-ours-1234');
});

test('scale-down deletes not-ready pods before ready ones', async () => {
  const ns = await freshNamespace();
  await createReplicaSet(ns, replicaSet('rank', 3, { app: 'rank' }));
  const pods = await activePods(ns, 3);
  const readyOnes = pods.slice(0, 2);
  const hour = 3600_000;
  // Different log2 buckets of "ready for": the one ready for less time goes first among ready pods.
  await markReady(readyOnes[0], new Date(Date.now() - 10 * hour));
  await markReady(readyOnes[1], new Date(Date.now() - hour / 60));
  await eventually('2 ready', async () => (await statusOf(ns, 'rank')).readyReplicas === 2);

  await scale(ns, 'rank', 2);
  const left = await activePods(ns, 2);
  assert.deepEqual(left.map((p) => p.metadata?.uid).sort(), readyOnes.map((p) => p.metadata?.uid).sort());

  await scale(ns, 'rank', 1);
  const [survivor] = await activePods(ns, 1);
  assert.equal(survivor.metadata?.uid, readyOnes[0].metadata?.uid, 'the pod ready for longer stays');
});

test('reports ready and available replicas, and availability once minReadySeconds passed', async () => {
  const ns = await freshNamespace();
  await createReplicaSet(ns, replicaSet('avail', 3, { app: 'avail' }, { minReadySeconds: 1 }));
  const pods = await activePods(ns, 3);
  const longAgo = new Date(Date.now() - 60_000);
  await markReady(pods[0], longAgo);
  await markReady(pods[1], longAgo);
  let status = await eventually('2 ready, 2 available', async () => {
    const s = await statusOf(ns, 'avail');
    return s.readyReplicas === 2 && s.availableReplicas === 2 ? s : undefined;
  });
  assert.equal(status.replicas, 3);
  assert.equal(status.fullyLabeledReplicas, 3);

  // Ready now: not available until a second later, with no further pod event to prompt a look.
  await markReady(pods[2]);
  status = await eventually('3 ready', async () => {
    const s = await statusOf(ns, 'avail');
    return s.readyReplicas === 3 ? s : undefined;
  });
  await eventually('3 available after minReadySeconds', async () => (await statusOf(ns, 'avail')).availableReplicas === 3, 5000);
});

test('sets ReplicaFailure when pods cannot be created (terminating namespace)', async () => {
  const ns = await freshNamespace();
  const rs = await createReplicaSet(ns, replicaSet('stuck', 1, { app: 'stuck' }));
  await activePods(ns, 1);
  // No namespace controller runs here, so the namespace stays Terminating.
  await cluster.client.delete(resources.namespaces, undefined, ns);
  await scale(ns, 'stuck', 3);
  const status = await eventually('ReplicaFailure condition', async () => {
    const s = await statusOf(ns, 'stuck');
    return s.conditions?.find((c: KubeObject) => c.type === 'ReplicaFailure');
  });
  assert.equal(status.status, 'True');
  assert.equal(status.reason, 'FailedCreate');
  assert.match(status.message, /is being terminated/);
  // Kubernetes records no FailedCreate event for a terminating namespace.
  const events = await eventsAbout(ns, rs.metadata?.uid);
  assert.equal(events.filter((e) => e.reason === 'FailedCreate').length, 0);
});

test('ReplicationControllers are managed by the same code with a map selector', async () => {
  const ns = await freshNamespace();
  const rc = await cluster.client.create(resources.replicationControllers, ns, {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'legacy' },
    spec: { replicas: 2, selector: { app: 'legacy' }, template: podTemplate({ app: 'legacy', tier: 'back' }) },
  });
  const pods = await activePods(ns, 2);
  for (const pod of pods) {
    assert.match(pod.metadata?.name, /^legacy-[a-z0-9]{5}$/);
    const ref = getControllerOf(pod);
    assert.equal(ref?.kind, 'ReplicationController');
    assert.equal(ref?.apiVersion, 'v1');
    assert.equal(ref?.uid, rc.metadata?.uid);
  }
  // The ReplicaSet controller leaves these pods alone.
  await cluster.client.delete(resources.pods, ns, pods[0].metadata?.name);
  await eventually('the RC replaced its pod', async () => {
    const active = (await listPods(ns)).filter(isActive);
    return active.length === 2 && !active.some((p) => p.metadata?.uid === pods[0].metadata?.uid);
  });
  await markReady((await activePods(ns, 2))[0]);
  const status = await eventually('RC status', async () => {
    const s = await statusOf(ns, 'legacy', resources.replicationControllers);
    return s.replicas === 2 && s.readyReplicas === 1 ? s : undefined;
  });
  assert.equal(status.availableReplicas, 1);
  assert.equal(status.observedGeneration, 1);
  const events = await eventsAbout(ns, rc.metadata?.uid);
  assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && e.source.component === 'replication-controller'));

  await scale(ns, 'legacy', 0, resources.replicationControllers);
  await activePods(ns, 0);
});
