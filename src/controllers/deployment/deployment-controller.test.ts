// The Deployment controller with the real ReplicaSet controller against an in-process API
// server. A small fake kubelet marks pods Running and Ready (unless their image says
// "broken"), the way the node agent will; pods stay unscheduled, so deletions are
// immediate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import type { Informer } from '../../client/informer.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { getControllerOf } from '../controller-ref.ts';
import { isPodReady } from '../pod-utils.ts';
import { ReplicaSetController } from '../replicaset/replica-set-controller.ts';
import { DeploymentController } from './deployment-controller.ts';
import { REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from './deployment-util.ts';
import { computePodTemplateHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let replicaSets: ReplicaSetController;
let deployments: DeploymentController;
let pods: Informer;
let namespaceCounter = 0;

before(async () => {
  cluster = await startInProcessCluster();
  factory = new InformerFactory(cluster.client);
  replicaSets = new ReplicaSetController(cluster.client, factory, cluster.logger);
  deployments = new DeploymentController(cluster.client, factory, cluster.logger);
  pods = factory.informerFor(resources.pods);
  pods.addEventHandler({ onAdd: (pod) => kubelet(pod), onUpdate: (_old, pod) => kubelet(pod) });
  factory.start();
  assert.equal(await factory.waitForSync(), true);
  replicaSets.run(2);
  deployments.run(2);
});

after(async () => {
  await Promise.all([replicaSets.stop(), deployments.stop()]);
  await factory.stop();
  await cluster.stop();
});

// ---- the fake kubelet --------------------------------------------------------------

const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Starts every new pod; it becomes Ready unless its image contains "broken". */
function kubelet(pod: KubeObject): void {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Running') return;
  const healthy = !pod.spec?.containers?.some((c: { image: string }) => c.image.includes('broken'));
  const at = timestamp();
  const ready = healthy ? 'True' : 'False';
  const status = {
    ...pod.status,
    phase: 'Running',
    startTime: at,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: at },
      { type: 'Initialized', status: 'True', lastTransitionTime: at },
      { type: 'ContainersReady', status: ready, lastTransitionTime: at },
      { type: 'Ready', status: ready, lastTransitionTime: at },
    ],
    containerStatuses: pod.spec.containers.map((c: { name: string; image: string }) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: healthy,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: at } },
    })),
  };
  cluster.client.updateStatus(resources.pods, { ...pod, status }).catch((err) => {
    if (!isConflict(err) && !isNotFound(err)) throw err;
  });
}

// ---- helpers ---------------------------------------------------------------------

async function freshNamespace(): Promise<string> {
  const name = `deploy-test-${++namespaceCounter}`;
  await cluster.createNamespace(name);
  return name;
}

function template(image: string) {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } };
}

function deployment(replicas: number, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', ...metadata },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template('app:v1'), ...spec },
  };
}

/** Test objects are read freely; a missing field fails the assertion that reads it. */
type Loose = Record<string, any>;

const get = (ns: string, name = 'web'): Promise<Loose> => cluster.client.get(resources.deployments, ns, name);

async function listReplicaSets(ns: string): Promise<Loose[]> {
  return (await cluster.client.list(resources.replicaSets, ns)).items;
}

async function listPods(ns: string): Promise<Loose[]> {
  return (await cluster.client.list(resources.pods, ns)).items;
}

const byImage = (rss: Loose[], image: string) => rss.find((rs) => rs.spec.template.spec.containers[0].image === image);

const condition = (d: KubeObject, type: string) => (d.status?.conditions ?? []).find((c: KubeObject) => c.type === type);

/** `kubectl rollout status`'s verdict (see kubectl-wire.md §6.7). */
function rolloutState(d: KubeObject): string {
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) return 'waiting for spec';
  if (condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded') return 'deadline exceeded';
  if ((s.updatedReplicas ?? 0) < d.spec.replicas) return 'updating';
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return 'old replicas pending termination';
  if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return 'waiting for availability';
  return 'rolled out';
}

async function rolledOut(ns: string, name = 'web', limitMs = 15_000): Promise<Loose> {
  return eventually(
    `deployment ${ns}/${name} to roll out`,
    async () => {
      const d = await get(ns, name);
      return rolloutState(d) === 'rolled out' && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' ? d : undefined;
    },
    limitMs,
  );
}

async function setImage(ns: string, image: string, name = 'web'): Promise<void> {
  await cluster.client.patch(resources.deployments, ns, name, { spec: { template: template(image) } }, 'merge');
}

async function eventMessages(ns: string, uid: string): Promise<string[]> {
  const events = (await cluster.client.list(resources.events, ns, { fieldSelector: `involvedObject.uid=${uid}` })).items;
  return events.map((e) => `${e.reason}: ${e.message}`);
}

const activePodsOf = (ns: string): Loose[] =>
  pods.list(ns).filter((p) => !p.metadata?.deletionTimestamp && !['Failed', 'Succeeded'].includes(p.status?.phase));

// ---- tests -----------------------------------------------------------------------

test('a new Deployment rolls out: hashed ReplicaSet, revision 1, complete status and conditions', async () => {
  const ns = await freshNamespace();
  const created = await cluster.client.create(
    resources.deployments,
    ns,
    deployment(3, {}, { annotations: { 'kubernetes.io/change-cause': 'first release' } }),
  );
  const d = await rolledOut(ns);

  const [rs] = await listReplicaSets(ns);
  const hash = rs.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.deepEqual(rs.spec.selector.matchLabels, { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
  assert.deepEqual(rs.spec.template.metadata.labels, { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
  assert.deepEqual(getControllerOf(rs), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'web',
    uid: created.metadata?.uid,
    controller: true,
    blockOwnerDeletion: true,
  });
  assert.equal(rs.metadata.annotations[REVISION_ANNOTATION], '1');
  assert.equal(rs.metadata.annotations['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs.metadata.annotations['deployment.kubernetes.io/max-replicas'], '4');
  assert.equal(rs.metadata.annotations['kubernetes.io/change-cause'], 'first release');

  assert.equal(d.metadata.annotations[REVISION_ANNOTATION], '1');
  assert.equal(d.status.observedGeneration, d.metadata.generation);
  assert.equal(d.status.replicas, 3);
  assert.equal(d.status.updatedReplicas, 3);
  assert.equal(d.status.readyReplicas, 3);
  assert.equal(d.status.availableReplicas, 3);
  assert.equal(d.status.unavailableReplicas, undefined);
  assert.deepEqual(
    d.status.conditions.map((c: KubeObject) => [c.type, c.status, c.reason, c.message]),
    [
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`],
    ],
  );
  for (const pod of activePodsOf(ns)) assert.equal(pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL], hash);
  const events = await eventually('the scaling event', async () => {
    const messages = await eventMessages(ns, created.metadata?.uid);
    return messages.length ? messages : undefined;
  });
  assert.deepEqual(events, [`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`]);
});

test('a rolling update respects maxSurge and maxUnavailable at every step', async () => {
  const ns = await freshNamespace();
  await cluster.client.create(
    resources.deployments,
    ns,
    deployment(4, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }),
  );
  await rolledOut(ns);

  // Watch every change while the rollout runs: the ReplicaSets' sizes never add up to more
  // than replicas + maxSurge, and ready pods never drop below replicas - maxUnavailable.
  const violations: string[] = [];
  const rsInformer = factory.informerFor(resources.replicaSets);
  const check = () => {
    const desired = rsInformer.list(ns).reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    if (desired > 5) violations.push(`ReplicaSets want ${desired} pods`);
    const ready = activePodsOf(ns).filter(isPodReady).length;
    if (ready < 3) violations.push(`only ${ready} ready pods`);
  };
  const stopRS = rsInformer.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
  const stopPods = pods.addEventHandler({ onUpdate: check, onDelete: check });
  try {
    await setImage(ns, 'app:v2');
    const d = await rolledOut(ns);
    assert.equal(d.metadata.annotations[REVISION_ANNOTATION], '2');
  } finally {
    stopRS();
    stopPods();
  }
  assert.deepEqual(violations, []);

  const rss = await listReplicaSets(ns);
  assert.equal(rss.length, 2);
  assert.equal(byImage(rss, 'app:v1')?.spec.replicas, 0);
  assert.equal(byImage(rss, 'app:v2')?.spec.replicas, 4);
  assert.equal(byImage(rss, 'app:v2')?.metadata.annotations[REVISION_ANNOTATION], '2');
  const pods2 = activePodsOf(ns);
  assert.equal(pods2.length, 4);
  assert.ok(pods2.every((p) => p.spec.containers[0].image === 'app:v2'));
});

test('undo to the previous template reuses its ReplicaSet with the next revision', async () => {
  const ns = await freshNamespace();
  await cluster.client.create(resources.deployments, ns, deployment(2));
  await rolledOut(ns);
  await setImage(ns, 'app:v2');
  await rolledOut(ns);
  const before = await listReplicaSets(ns);
  const v1 = byImage(before, 'app:v1')!;

  // What `kubectl rollout undo` sends: the old ReplicaSet's template without the hash label.
  const restored = structuredClone(v1.spec.template);
  delete restored.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  const current = await get(ns);
  await cluster.client.patch(
    resources.deployments,
    ns,
    'web',
    [
      { op: 'replace', path: '/spec/template', value: restored },
      { op: 'replace', path: '/metadata/annotations', value: current.metadata.annotations },
    ],
    'json',
  );
  const d = await eventually('revision 3', async () => {
    const got = await rolledOut(ns);
    return got.metadata.annotations[REVISION_ANNOTATION] === '3' ? got : undefined;
  });
  assert.ok(d);
  const after = await listReplicaSets(ns);
  assert.equal(after.length, 2, 'no new ReplicaSet for a template seen before');
  const back = after.find((rs) => rs.metadata.uid === v1.metadata.uid)!;
  assert.equal(back.spec.replicas, 2);
  assert.equal(back.metadata.annotations[REVISION_ANNOTATION], '3');
  assert.equal(back.metadata.annotations[REVISION_HISTORY_ANNOTATION], '1');
  assert.equal(byImage(after, 'app:v2')?.spec.replicas, 0);
  assert.equal(byImage(after, 'app:v2')?.metadata.annotations[REVISION_ANNOTATION], '2');
});

test('a paused Deployment scales but does not roll out until resumed', async () => {
  const ns = await freshNamespace();
  await cluster.client.create(resources.deployments, ns, deployment(2));
  await rolledOut(ns);
  await cluster.client.patch(resources.deployments, ns, 'web', { spec: { paused: true } }, 'strategic');
  const paused = await eventually('the paused condition', async () => {
    const d = await get(ns);
    return condition(d, 'Progressing')?.reason === 'DeploymentPaused' ? d : undefined;
  });
  assert.equal(condition(paused, 'Progressing').status, 'Unknown');
  assert.equal(condition(paused, 'Progressing').message, 'Deployment is paused');

  await setImage(ns, 'app:v2');
  await cluster.client.patch(resources.deployments, ns, 'web', { spec: { replicas: 3 } }, 'merge');
  const scaled = await eventually('the paused deployment to scale', async () => {
    const d = await get(ns);
    return d.status.observedGeneration === d.metadata.generation && d.status.availableReplicas === 3 ? d : undefined;
  });
  assert.equal(scaled.metadata.annotations[REVISION_ANNOTATION], '1');
  const rss = await listReplicaSets(ns);
  assert.equal(rss.length, 1, 'no rollout while paused');
  assert.equal(rss[0].spec.replicas, 3);

  await cluster.client.patch(resources.deployments, ns, 'web', { spec: { paused: null } }, 'strategic');
  const d = await eventually('the resumed rollout', async () => {
    const got = await rolledOut(ns);
    return got.metadata.annotations[REVISION_ANNOTATION] === '2' ? got : undefined;
  });
  assert.equal(d.status.updatedReplicas, 3);
  assert.equal(byImage(await listReplicaSets(ns), 'app:v2')?.spec.replicas, 3);
});

test('scaling in the middle of a rollout spreads the change proportionally', async () => {
  const ns = await freshNamespace();
  const created = await cluster.client.create(
    resources.deployments,
    ns,
    deployment(10, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }),
  );
  await rolledOut(ns);
  await setImage(ns, 'app:broken');
  // Stuck: 8 old and 5 new that never become ready (13 = 10 + maxSurge).
  const sizes = async () => {
    const rss = await listReplicaSets(ns);
    return [byImage(rss, 'app:v1')?.spec.replicas, byImage(rss, 'app:broken')?.spec.replicas];
  };
  await eventually('8 old and 5 new replicas', async () => {
    const [oldSize, newSize] = await sizes();
    const d = await get(ns);
    return oldSize === 8 && newSize === 5 && d.status.observedGeneration === d.metadata.generation;
  });

  await cluster.client.patch(resources.deployments, ns, 'web', { spec: { replicas: 15 } }, 'merge');
  await eventually('11 old and 7 new replicas', async () => {
    const [oldSize, newSize] = await sizes();
    return oldSize === 11 && newSize === 7;
  });
  const rss = await listReplicaSets(ns);
  for (const rs of rss) {
    assert.equal(rs.metadata.annotations['deployment.kubernetes.io/desired-replicas'], '15');
    assert.equal(rs.metadata.annotations['deployment.kubernetes.io/max-replicas'], '18');
  }
  const messages = await eventually('the proportional scaling events', async () => {
    const all = await eventMessages(ns, created.metadata?.uid);
    return all.some((m) => m.includes('from 5 to 7')) && all.some((m) => m.includes('from 8 to 11')) ? all : undefined;
  });
  const oldName = byImage(rss, 'app:v1')?.metadata.name;
  assert.ok(messages.includes(`ScalingReplicaSet: Scaled up replica set ${oldName} from 8 to 11`), messages.join('\n'));
});

test('a version that never becomes ready ends with ProgressDeadlineExceeded while old pods keep serving', async () => {
  const ns = await freshNamespace();
  await cluster.client.create(
    resources.deployments,
    ns,
    deployment(2, { progressDeadlineSeconds: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }),
  );
  await rolledOut(ns);
  await setImage(ns, 'app:broken');
  // No event arrives after the new pod stalls: only the controller's own timer can notice.
  const d = await eventually('the progress deadline', async () => {
    const got = await get(ns);
    return condition(got, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? got : undefined;
  });
  const rss = await listReplicaSets(ns);
  const broken = byImage(rss, 'app:broken')!;
  const progressing = condition(d, 'Progressing');
  assert.equal(progressing.status, 'False');
  assert.equal(progressing.message, `ReplicaSet "${broken.metadata.name}" has timed out progressing.`);
  assert.equal(rolloutState(d), 'deadline exceeded');
  assert.equal(condition(d, 'Available').status, 'True');
  assert.equal(byImage(rss, 'app:v1')?.spec.replicas, 2);
  assert.equal(broken.spec.replicas, 1);
  const ready = activePodsOf(ns).filter(isPodReady);
  assert.equal(ready.length, 2);
  assert.ok(ready.every((p) => p.spec.containers[0].image === 'app:v1'));
});

test('Recreate removes every old pod before the new ReplicaSet exists', async () => {
  const ns = await freshNamespace();
  await cluster.client.create(resources.deployments, ns, deployment(2, { strategy: { type: 'Recreate' } }));
  await rolledOut(ns);
  // Hold the old pods in Terminating with a finalizer, as a slow shutdown would.
  for (const pod of activePodsOf(ns)) {
    await cluster.client.patch(resources.pods, ns, pod.metadata?.name, { metadata: { finalizers: ['example.com/hold'] } }, 'merge');
  }
  await setImage(ns, 'app:v2');
  await eventually('the old ReplicaSet to be empty', async () => {
    const d = await get(ns);
    return d.status.observedGeneration === d.metadata.generation && !d.status.replicas;
  });
  const held = await listPods(ns);
  assert.equal(held.length, 2);
  assert.ok(held.every((p) => p.metadata.deletionTimestamp));
  assert.equal((await listReplicaSets(ns)).length, 1, 'the new ReplicaSet waits for the old pods');

  for (const pod of held) {
    await cluster.client.patch(resources.pods, ns, pod.metadata.name, { metadata: { finalizers: null } }, 'merge');
  }
  const d = await rolledOut(ns);
  assert.equal(d.metadata.annotations[REVISION_ANNOTATION], '2');
  const rss = await listReplicaSets(ns);
  assert.equal(byImage(rss, 'app:v2')?.spec.replicas, 2);
  assert.equal(byImage(rss, 'app:v1')?.spec.replicas, 0);
});

test('old ReplicaSets beyond revisionHistoryLimit are deleted', async () => {
  const ns = await freshNamespace();
  await cluster.client.create(resources.deployments, ns, deployment(1, { revisionHistoryLimit: 1 }));
  await rolledOut(ns);
  for (const image of ['app:v2', 'app:v3']) {
    await setImage(ns, image);
    await eventually(`${image} to roll out`, async () => {
      const d = await rolledOut(ns);
      return d.spec.template.spec.containers[0].image === image && d.status.replicas === 1;
    });
  }
  const rss = await eventually('history to be trimmed', async () => {
    const list = await listReplicaSets(ns);
    return list.length === 2 ? list : undefined;
  });
  assert.deepEqual(rss.map((rs) => rs.spec.template.spec.containers[0].image).sort(), ['app:v2', 'app:v3']);
  assert.deepEqual(rss.map((rs) => rs.metadata.annotations[REVISION_ANNOTATION]).sort(), ['2', '3']);
});

test('a name taken by a foreign ReplicaSet raises collisionCount and the next hash is used', async () => {
  const ns = await freshNamespace();
  // Paused, the Deployment creates nothing: its defaulted template gives the hash to squat on.
  const created = await cluster.client.create(resources.deployments, ns, deployment(1, { paused: true }));
  const hash = computePodTemplateHash(created.spec.template);
  await cluster.client.create(resources.replicaSets, ns, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `web-${hash}`, labels: { app: 'squatter' } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'squatter' } },
      template: { ...template('other'), metadata: { labels: { app: 'squatter' } } },
    },
  });
  await cluster.client.patch(resources.deployments, ns, 'web', { spec: { paused: null } }, 'strategic');
  const d = await rolledOut(ns);
  assert.equal(d.status.collisionCount, 1);
  const ours = (await listReplicaSets(ns)).filter((rs) => getControllerOf(rs)?.uid === created.metadata?.uid);
  assert.equal(ours.length, 1);
  assert.equal(ours[0].metadata.name, `web-${computePodTemplateHash(created.spec.template, 1)}`);
  const squatter = await cluster.client.get(resources.replicaSets, ns, `web-${hash}`);
  assert.equal(getControllerOf(squatter), undefined, 'the foreign ReplicaSet is left alone');
});
