// The StatefulSet controller against a real in-process API server. No node agent runs, so
// the tests play the kubelet: they mark pods Running and Ready through the status
// subresource, fail them, and hold pods in Terminating with a finalizer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { startControllerUnderTest, stopControllerUnderTest } from '../../testing/controller-under-test.ts';
import { eventually, type InProcessCluster } from '../../testing/in-process-cluster.ts';
import { StatefulSetController } from './statefulset-controller.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: StatefulSetController;

before(async () => {
  ({ cluster, factory, controller } = await startControllerUnderTest((c, f) => new StatefulSetController(c.client, f, c.logger), 2));
});

after(() => stopControllerUnderTest({ cluster, factory, controller }));

// ---- helpers ----------------------------------------------------------------------

const client = () => cluster.client;

function statefulSet(namespace: string, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'app:v1' }] } },
      ...spec,
    },
  };
}

async function pods(namespace: string): Promise<KubeObject[]> {
  return (await client().list(resources.pods, namespace)).items;
}

async function podNames(namespace: string): Promise<string[]> {
  return (await pods(namespace)).map((p) => p.metadata!.name as string).sort();
}

async function getPod(namespace: string, name: string): Promise<KubeObject | undefined> {
  return cluster.tryGet(resources.pods, namespace, name);
}

/** Plays the kubelet: the pod is Running and Ready. */
async function markReady(namespace: string, name: string): Promise<void> {
  const pod = await client().get(resources.pods, namespace, name);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  pod.status = {
    ...pod.status,
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
    containerStatuses: [
      { name: 'c', ready: true, restartCount: 0, image: 'app', imageID: '', started: true, state: { running: { startedAt: now } } },
    ],
  };
  await client().updateStatus(resources.pods, pod);
}

async function setPhase(namespace: string, name: string, phase: string): Promise<void> {
  const pod = await client().get(resources.pods, namespace, name);
  pod.status = { ...pod.status, phase, conditions: [] };
  await client().updateStatus(resources.pods, pod);
}

const waitForPod = (namespace: string, name: string): Promise<any> => eventually(`pod ${namespace}/${name}`, () => getPod(namespace, name));

async function readyInOrder(namespace: string, names: string[]): Promise<void> {
  for (const name of names) {
    await waitForPod(namespace, name);
    await markReady(namespace, name);
  }
}

async function getSet(namespace: string, name: string): Promise<KubeObject> {
  return client().get(resources.statefulSets, namespace, name);
}

async function revisionsOf(namespace: string): Promise<any[]> {
  return (await client().list(resources.controllerRevisions, namespace)).items.sort((a, b) => a.revision - b.revision);
}

async function events(namespace: string, reason: string): Promise<string[]> {
  const list = await client().list(resources.events, namespace);
  return list.items.filter((e) => e.reason === reason).map((e) => e.message as string);
}

/** Gives a pod a finalizer so that deleting it leaves it Terminating. */
async function holdInTerminating(namespace: string, name: string): Promise<void> {
  await client().patch(resources.pods, namespace, name, { metadata: { finalizers: ['test.hale.dev/hold'] } }, 'merge');
}

async function release(namespace: string, name: string): Promise<void> {
  await client().patch(resources.pods, namespace, name, { metadata: { finalizers: null } }, 'merge');
}

async function patchSet(namespace: string, name: string, patch: unknown): Promise<void> {
  await client().patch(resources.statefulSets, namespace, name, patch, 'merge');
}

// ---- tests ------------------------------------------------------------------------

test('OrderedReady creates pods one at a time, each after its predecessor is ready, with identity and claims', async () => {
  const ns = 'sts-ordered';
  await cluster.createNamespace(ns);
  await client().create(
    resources.statefulSets,
    ns,
    statefulSet(ns, 'web', {
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    }),
  );

  const web0 = await waitForPod(ns, 'web-0');
  assert.equal(web0.spec.hostname, 'web-0');
  assert.equal(web0.spec.subdomain, 'web');
  assert.equal(web0.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-0');
  assert.equal(web0.metadata.labels['apps.kubernetes.io/pod-index'], '0');
  assert.ok(web0.metadata.labels['controller-revision-hash'].startsWith('web-'));
  assert.deepEqual(web0.spec.volumes.find((v: KubeObject) => v.name === 'data')?.persistentVolumeClaim, { claimName: 'data-web-0' });
  const owner = web0.metadata.ownerReferences[0];
  assert.equal(owner.kind, 'StatefulSet');
  assert.equal(owner.controller, true);
  const claim = await cluster.tryGet(resources.persistentVolumeClaims, ns, 'data-web-0');
  assert.ok(claim, 'the claim is created before the pod');
  assert.equal(claim.metadata?.labels?.app, 'web');

  // web-1 waits for web-0 to be Running and Ready.
  await eventually('status written', async () => ((await getSet(ns, 'web')).status?.replicas === 1 ? true : undefined));
  assert.deepEqual(await podNames(ns), ['web-0']);

  await markReady(ns, 'web-0');
  await waitForPod(ns, 'web-1');
  assert.deepEqual(await podNames(ns), ['web-0', 'web-1']);
  await markReady(ns, 'web-1');
  await waitForPod(ns, 'web-2');
  await markReady(ns, 'web-2');

  const status = await eventually('all ready', async () => {
    const s = (await getSet(ns, 'web')).status;
    return s?.readyReplicas === 3 ? s : undefined;
  });
  assert.equal(status.replicas, 3);
  assert.equal(status.availableReplicas, 3);
  assert.equal(status.currentReplicas, 3);
  assert.equal(status.updatedReplicas, 3);
  assert.equal(status.currentRevision, status.updateRevision);
  assert.equal(status.observedGeneration, 1);
  assert.equal(status.collisionCount, 0);

  const revisions = await revisionsOf(ns);
  assert.equal(revisions.length, 1);
  assert.equal(revisions[0].metadata.name, status.updateRevision);
  assert.equal(revisions[0].revision, 1);
  // The revision's label is the bare hash; pods carry the revision's name.
  assert.equal(`web-${revisions[0].metadata.labels['controller-revision-hash']}`, status.updateRevision);
  assert.equal(revisions[0].data.spec.template.$patch, 'replace');
  assert.equal(revisions[0].metadata.ownerReferences[0].name, 'web');

  const created = await eventually('events', async () => {
    const messages = await events(ns, 'SuccessfulCreate');
    return messages.length >= 6 ? messages : undefined;
  });
  assert.ok(created.includes('create Pod web-0 in StatefulSet web successful'));
  assert.ok(created.includes('create Claim data-web-2 Pod web-2 in StatefulSet web success'));
});

test('scale down goes from the highest ordinal, one at a time, and keeps the claims', async () => {
  const ns = 'sts-scale-down';
  await cluster.createNamespace(ns);
  await client().create(
    resources.statefulSets,
    ns,
    statefulSet(ns, 'db', {
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    }),
  );
  await readyInOrder(ns, ['db-0', 'db-1', 'db-2']);
  await eventually('ready', async () => ((await getSet(ns, 'db')).status?.readyReplicas === 3 ? true : undefined));
  await holdInTerminating(ns, 'db-2');

  await patchSet(ns, 'db', { spec: { replicas: 1 } });
  await eventually('db-2 terminating', async () => ((await getPod(ns, 'db-2'))?.metadata?.deletionTimestamp ? true : undefined));
  // db-1 stays while db-2 is still terminating.
  await eventually('status observed', async () => ((await getSet(ns, 'db')).status?.observedGeneration === 2 ? true : undefined));
  const db1 = await getPod(ns, 'db-1');
  assert.ok(db1 && !db1.metadata?.deletionTimestamp, 'db-1 must wait for db-2 to be gone');

  await release(ns, 'db-2');
  await eventually('db-1 gone', async () => ((await getPod(ns, 'db-1')) ? undefined : true));
  assert.deepEqual(await podNames(ns), ['db-0']);
  const claims = (await client().list(resources.persistentVolumeClaims, ns)).items.map((c) => c.metadata!.name).sort();
  assert.deepEqual(claims, ['data-db-0', 'data-db-1', 'data-db-2']);
  const deleted = await events(ns, 'SuccessfulDelete');
  assert.ok(deleted.includes('delete Pod db-2 in StatefulSet db successful'));
});

test('a failed pod is deleted and re-created under the same name', async () => {
  const ns = 'sts-failed';
  await cluster.createNamespace(ns);
  await client().create(resources.statefulSets, ns, statefulSet(ns, 'app', { replicas: 1 }));
  const first = await waitForPod(ns, 'app-0');
  await markReady(ns, 'app-0');
  await setPhase(ns, 'app-0', 'Failed');
  const second = await eventually('a new app-0', async () => {
    const pod = await getPod(ns, 'app-0');
    return pod && pod.metadata?.uid !== first.metadata?.uid ? pod : undefined;
  });
  assert.equal(second.status?.phase, 'Pending');
  const warnings = await eventually('event', async () => {
    const messages = await events(ns, 'RecreatingFailedPod');
    return messages.length ? messages : undefined;
  });
  assert.equal(warnings[0], `StatefulSet ${ns}/app is recreating failed Pod app-0`);
});

test('an ordinal is re-created only after the old pod is fully gone', async () => {
  const ns = 'sts-identity';
  await cluster.createNamespace(ns);
  await client().create(resources.statefulSets, ns, statefulSet(ns, 'id', { replicas: 2, podManagementPolicy: 'Parallel' }));
  const old = await waitForPod(ns, 'id-1');
  await holdInTerminating(ns, 'id-1');
  await client().delete(resources.pods, ns, 'id-1');
  await eventually('terminating', async () => ((await getPod(ns, 'id-1'))?.metadata?.deletionTimestamp ? true : undefined));
  // Nudge the controller (a set update) and check it still does not replace the pod.
  await patchSet(ns, 'id', { metadata: { annotations: { nudge: '1' } } });
  await eventually('set seen', async () => ((await getSet(ns, 'id')).status?.replicas === 2 ? true : undefined));
  const still = await getPod(ns, 'id-1');
  assert.equal(still?.metadata?.uid, old.metadata?.uid);

  await release(ns, 'id-1');
  const replacement = await eventually('replacement', async () => {
    const pod = await getPod(ns, 'id-1');
    return pod && pod.metadata?.uid !== old.metadata?.uid ? pod : undefined;
  });
  assert.ok(!replacement.metadata?.deletionTimestamp);
});

test('Parallel creates every pod at once', async () => {
  const ns = 'sts-parallel';
  await cluster.createNamespace(ns);
  await client().create(resources.statefulSets, ns, statefulSet(ns, 'par', { replicas: 4, podManagementPolicy: 'Parallel' }));
  await eventually('4 pods', async () => ((await podNames(ns)).length === 4 ? true : undefined));
  assert.deepEqual(await podNames(ns), ['par-0', 'par-1', 'par-2', 'par-3']);
});

test('RollingUpdate replaces pods from the highest ordinal, waiting for each to be ready; rollback reuses the old revision', async () => {
  const ns = 'sts-rolling';
  await cluster.createNamespace(ns);
  await client().create(resources.statefulSets, ns, statefulSet(ns, 'r'));
  await readyInOrder(ns, ['r-0', 'r-1', 'r-2']);
  const v1 = await eventually('ready', async () => {
    const s = (await getSet(ns, 'r')).status;
    return s?.readyReplicas === 3 ? s.updateRevision : undefined;
  });

  await patchSet(ns, 'r', { spec: { template: { spec: { containers: [{ name: 'c', image: 'app:v2' }] } } } });
  const v2 = await eventually('new revision', async () => {
    const s = (await getSet(ns, 'r')).status;
    return s?.updateRevision && s.updateRevision !== v1 ? s.updateRevision : undefined;
  });
  const atRevision = async (name: string, rev: string) => {
    const pod = await getPod(ns, name);
    return pod?.metadata?.labels?.['controller-revision-hash'] === rev ? pod : undefined;
  };
  const newR2 = await eventually('r-2 updated', () => atRevision('r-2', v2));
  assert.equal(newR2.spec.containers[0].image, 'app:v2');
  // r-1 is not touched while r-2 is not ready.
  assert.equal((await getPod(ns, 'r-1'))?.metadata?.labels?.['controller-revision-hash'], v1);
  const midway = (await getSet(ns, 'r')).status;
  assert.equal(midway.currentRevision, v1);

  await markReady(ns, 'r-2');
  await eventually('r-1 updated', () => atRevision('r-1', v2));
  await markReady(ns, 'r-1');
  await eventually('r-0 updated', () => atRevision('r-0', v2));
  await markReady(ns, 'r-0');
  const done = await eventually('rollout complete', async () => {
    const s = (await getSet(ns, 'r')).status;
    return s?.currentRevision === v2 && s.readyReplicas === 3 ? s : undefined;
  });
  assert.equal(done.updatedReplicas, 3);
  assert.equal(done.currentReplicas, 3);

  // Back to v1: the existing revision is renumbered instead of a new one being made.
  await patchSet(ns, 'r', { spec: { template: { spec: { containers: [{ name: 'c', image: 'app:v1' }] } } } });
  await eventually('rolled back revision', async () => ((await getSet(ns, 'r')).status?.updateRevision === v1 ? true : undefined));
  const revisions = await eventually('renumbered', async () => {
    const list = await revisionsOf(ns);
    return list.find((r) => r.metadata.name === v1)?.revision === 3 ? list : undefined;
  });
  assert.deepEqual(
    revisions.map((r) => [r.metadata.name, r.revision]),
    [
      [v2, 2],
      [v1, 3],
    ],
  );
});

test('a partition keeps lower ordinals at the current revision', async () => {
  const ns = 'sts-partition';
  await cluster.createNamespace(ns);
  await client().create(resources.statefulSets, ns, statefulSet(ns, 'p', { podManagementPolicy: 'Parallel' }));
  await readyInOrder(ns, ['p-0', 'p-1', 'p-2']);
  const v1 = await eventually('ready', async () => {
    const s = (await getSet(ns, 'p')).status;
    return s?.readyReplicas === 3 ? s.updateRevision : undefined;
  });
  await patchSet(ns, 'p', {
    spec: {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      template: { spec: { containers: [{ name: 'c', image: 'app:v2' }] } },
    },
  });
  const v2 = await eventually('p-2 updated', async () => {
    const rev = (await getPod(ns, 'p-2'))?.metadata?.labels?.['controller-revision-hash'];
    return rev && rev !== v1 ? rev : undefined;
  });
  await markReady(ns, 'p-2');
  const status = await eventually('status', async () => {
    const s = (await getSet(ns, 'p')).status;
    return s?.readyReplicas === 3 && s.updatedReplicas === 1 ? s : undefined;
  });
  assert.equal(status.updateRevision, v2);
  assert.equal(status.currentRevision, v1);
  assert.equal(status.currentReplicas, 2);
  for (const name of ['p-0', 'p-1']) assert.equal((await getPod(ns, name))?.metadata?.labels?.['controller-revision-hash'], v1);
});

test('with spec.ordinals.start the partition counts from the first ordinal, as in Kubernetes', async () => {
  // Kubernetes compares the partition with the pod's index in the set (ordinal - start), both
  // when it deletes pods for an update and when it re-creates one (kubernetes/kubernetes#128529).
  const ns = 'sts-partition-start';
  await cluster.createNamespace(ns);
  await client().create(resources.statefulSets, ns, statefulSet(ns, 'q', { podManagementPolicy: 'Parallel', ordinals: { start: 5 } }));
  await readyInOrder(ns, ['q-5', 'q-6', 'q-7']);
  const v1 = await eventually('ready', async () => {
    const s = (await getSet(ns, 'q')).status;
    return s?.readyReplicas === 3 ? s.updateRevision : undefined;
  });
  await patchSet(ns, 'q', {
    spec: {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
      template: { spec: { containers: [{ name: 'c', image: 'app:v2' }] } },
    },
  });
  const revisionOf = async (name: string) => (await getPod(ns, name))?.metadata?.labels?.['controller-revision-hash'];
  const v2 = await eventually('q-7 updated', async () => {
    const rev = await revisionOf('q-7');
    return rev && rev !== v1 ? rev : undefined;
  });
  await markReady(ns, 'q-7');
  await eventually('q-6 updated', async () => ((await revisionOf('q-6')) === v2 ? true : undefined));
  await markReady(ns, 'q-6');
  const status = await eventually('status', async () => {
    const s = (await getSet(ns, 'q')).status;
    return s?.readyReplicas === 3 && s.updatedReplicas === 2 ? s : undefined;
  });
  assert.equal(status.currentReplicas, 1);
  assert.equal(await revisionOf('q-5'), v1);
  // A re-created pod below the partition comes back at the current revision.
  const oldUid = (await getPod(ns, 'q-5'))?.metadata?.uid;
  await client().delete(resources.pods, ns, 'q-5');
  const recreated = await eventually('q-5 re-created', async () => {
    const pod = await getPod(ns, 'q-5');
    return pod && pod.metadata?.uid !== oldUid ? pod : undefined;
  });
  assert.equal(recreated.metadata?.labels?.['controller-revision-hash'], v1);
});

test('OnDelete leaves pods alone until they are deleted; revision history is truncated', async () => {
  const ns = 'sts-ondelete';
  await cluster.createNamespace(ns);
  await client().create(
    resources.statefulSets,
    ns,
    statefulSet(ns, 'od', { replicas: 1, revisionHistoryLimit: 1, updateStrategy: { type: 'OnDelete' } }),
  );
  const original = await waitForPod(ns, 'od-0');
  const v1 = original.metadata?.labels?.['controller-revision-hash'];
  for (const image of ['app:v2', 'app:v3', 'app:v4']) {
    await patchSet(ns, 'od', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
    await eventually(`revision for ${image}`, async () => {
      const s = (await getSet(ns, 'od')).status;
      return s?.updateRevision && s.updateRevision !== v1 && (await revisionsOf(ns)).some((r) => r.metadata.name === s.updateRevision)
        ? true
        : undefined;
    });
  }
  assert.equal((await getPod(ns, 'od-0'))?.metadata?.uid, original.metadata?.uid, 'OnDelete never deletes pods by itself');
  // v1 (the pod's and the current revision) and v4 (the update revision) are live; of v2 and
  // v3 only the newest stays within the limit of 1.
  const names = await eventually('history truncated', async () => {
    const list = await revisionsOf(ns);
    return list.length === 3 ? list.map((r) => r.revision) : undefined;
  });
  assert.deepEqual(names, [1, 3, 4]);

  await client().delete(resources.pods, ns, 'od-0');
  const replaced = await eventually('replacement at v4', async () => {
    const pod = await getPod(ns, 'od-0');
    return pod && pod.metadata?.uid !== original.metadata?.uid ? pod : undefined;
  });
  assert.equal(replaced.spec.containers[0].image, 'app:v4');
});

test('claim owner references follow persistentVolumeClaimRetentionPolicy', async () => {
  const ns = 'sts-retention';
  await cluster.createNamespace(ns);
  await client().create(
    resources.statefulSets,
    ns,
    statefulSet(ns, 'ret', {
      replicas: 2,
      podManagementPolicy: 'Parallel',
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    }),
  );
  await readyInOrder(ns, ['ret-0', 'ret-1']);
  const set = await getSet(ns, 'ret');
  const claim0 = await eventually('set owns claim', async () => {
    const claim = await cluster.tryGet(resources.persistentVolumeClaims, ns, 'data-ret-0');
    return claim?.metadata?.ownerReferences?.some((r: KubeObject) => r.uid === set.metadata?.uid) ? claim : undefined;
  });
  assert.equal(claim0.metadata?.ownerReferences?.length, 1);

  // Scaled down: the claim of ret-1 moves to the pod, so it goes when the pod goes.
  const ret1 = await client().get(resources.pods, ns, 'ret-1');
  await holdInTerminating(ns, 'ret-1');
  await patchSet(ns, 'ret', { spec: { replicas: 1 } });
  const claim1 = await eventually('pod owns claim', async () => {
    const claim = await cluster.tryGet(resources.persistentVolumeClaims, ns, 'data-ret-1');
    const refs: KubeObject[] = claim?.metadata?.ownerReferences ?? [];
    return refs.length === 1 && refs[0].uid === ret1.metadata?.uid ? claim : undefined;
  });
  assert.equal(claim1.metadata?.ownerReferences?.[0].kind, 'Pod');
  await release(ns, 'ret-1');
});

test('an orphan pod with a member name is adopted and gets its identity labels back', async () => {
  const ns = 'sts-adopt';
  await cluster.createNamespace(ns);
  const orphan = await client().create(resources.pods, ns, {
    metadata: { name: 'adopt-0', labels: { app: 'adopt' } },
    spec: { containers: [{ name: 'c', image: 'app:v1' }] },
  });
  await client().create(resources.statefulSets, ns, statefulSet(ns, 'adopt', { replicas: 1, updateStrategy: { type: 'OnDelete' } }));
  await eventually('adopted', async () =>
    (await getPod(ns, 'adopt-0'))?.metadata?.ownerReferences?.[0]?.kind === 'StatefulSet' ? true : undefined,
  );
  // Like Kubernetes, OrderedReady fixes a pod's identity once it is Running and Ready.
  await markReady(ns, 'adopt-0');
  const adopted = await eventually('identity restored', async () => {
    const pod = await getPod(ns, 'adopt-0');
    return pod?.metadata?.labels?.['statefulset.kubernetes.io/pod-name'] === 'adopt-0' ? pod : undefined;
  });
  assert.equal(adopted.metadata?.uid, orphan.metadata?.uid);
  assert.equal(adopted.metadata?.labels?.['apps.kubernetes.io/pod-index'], '0');
  const updates = await eventually('update event', async () => {
    const messages = await events(ns, 'SuccessfulUpdate');
    return messages.length ? messages : undefined;
  });
  assert.equal(updates[0], 'update Pod adopt-0 in StatefulSet adopt successful');
});

test('Parallel rolling updates also wait for each updated pod to be healthy', async () => {
  const ns = 'sts-parallel-rolling';
  await cluster.createNamespace(ns);
  await client().create(resources.statefulSets, ns, statefulSet(ns, 'pr', { replicas: 2, podManagementPolicy: 'Parallel' }));
  await readyInOrder(ns, ['pr-0', 'pr-1']);
  const v1 = await eventually('ready', async () => {
    const s = (await getSet(ns, 'pr')).status;
    return s?.readyReplicas === 2 ? s.updateRevision : undefined;
  });
  await patchSet(ns, 'pr', { spec: { template: { spec: { containers: [{ name: 'c', image: 'app:v2' }] } } } });
  await eventually('pr-1 updated and counted', async () => {
    const s = (await getSet(ns, 'pr')).status;
    return s?.updatedReplicas === 1 && s.replicas === 2 ? true : undefined;
  });
  // Another pass while pr-1 is not ready must not touch pr-0.
  await patchSet(ns, 'pr', { spec: { revisionHistoryLimit: 5 } });
  await eventually('generation 3 seen', async () => ((await getSet(ns, 'pr')).status?.observedGeneration === 3 ? true : undefined));
  assert.equal((await getPod(ns, 'pr-0'))?.metadata?.labels?.['controller-revision-hash'], v1);
  await markReady(ns, 'pr-1');
  await eventually('pr-0 updated', async () => {
    const rev = (await getPod(ns, 'pr-0'))?.metadata?.labels?.['controller-revision-hash'];
    return rev && rev !== v1 ? true : undefined;
  });
});
