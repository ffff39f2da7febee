// The scheduler with PersistentVolumeClaims, against an in-process API server. The test plays
// the PV controller: it binds a claim once the scheduler has annotated it with a node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { selectedNodeAnnotation } from '../api/kinds/core/volume-claims.ts';
import type { KubeObject } from '../api/resource-type.ts';
import { InformerFactory } from '../client/informer-factory.ts';
import { resources } from '../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { createNode as createNodeVia, type NodeSpec } from './plugins/fixtures.ts';
import { Scheduler } from './scheduler.ts';

let cluster: InProcessCluster;
let informers: InformerFactory;
let scheduler: Scheduler;

before(async () => {
  cluster = await startInProcessCluster();
  informers = new InformerFactory(cluster.client);
  // A short volume binding limit lets the time-out test finish quickly; the others survive a
  // time-out too (the pod is simply tried again).
  scheduler = new Scheduler(cluster.client, informers, cluster.logger, {
    initialBackoffMs: 10,
    maxBackoffMs: 50,
    volumeBindingTimeoutMs: 500,
  });
  informers.start();
  scheduler.run();
  await cluster.client.create(resources.storageClasses, undefined, {
    metadata: { name: 'local' },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  await cluster.client.create(resources.storageClasses, undefined, {
    metadata: { name: 'dynamic' },
    provisioner: 'example.com/disk',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
});
after(async () => {
  await scheduler.stop();
  await informers.stop();
  await cluster.stop();
});

const createNode = (n: NodeSpec) => createNodeVia(cluster.client, n);

async function createPod(namespace: string, name: string, pool: string, claimName: string) {
  return cluster.client.create(resources.pods, namespace, {
    metadata: { name },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      nodeSelector: { pool },
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    },
  });
}

function createClaim(namespace: string, name: string, storageClassName: string) {
  return cluster.client.create(resources.persistentVolumeClaims, namespace, {
    metadata: { name },
    spec: { storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
}

async function createAvailableVolume(name: string, storageClassName: string, node: string): Promise<void> {
  const created = await cluster.client.create(resources.persistentVolumes, undefined, {
    metadata: { name },
    spec: {
      storageClassName,
      capacity: { storage: '2Gi' },
      accessModes: ['ReadWriteOnce'],
      local: { path: `/mnt/${name}` },
      nodeAffinity: {
        required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] },
      },
    },
  });
  await cluster.client.updateStatus(resources.persistentVolumes, { ...created, status: { phase: 'Available' } });
}

/** What the PV controller does: bind the volume to the claim and the claim to the volume. */
async function bindClaim(namespace: string, claimName: string, volumeName: string): Promise<void> {
  const volume = await cluster.client.get(resources.persistentVolumes, undefined, volumeName);
  const claim = await cluster.client.get(resources.persistentVolumeClaims, namespace, claimName);
  volume.spec.claimRef = { kind: 'PersistentVolumeClaim', namespace, name: claimName, uid: claim.metadata!.uid };
  const boundVolume = await cluster.client.update(resources.persistentVolumes, volume);
  await cluster.client.updateStatus(resources.persistentVolumes, { ...boundVolume, status: { phase: 'Bound' } });
  claim.spec.volumeName = volumeName;
  const boundClaim = await cluster.client.update(resources.persistentVolumeClaims, claim);
  await cluster.client.updateStatus(resources.persistentVolumeClaims, { ...boundClaim, status: { phase: 'Bound' } });
}

const selectedNode = (namespace: string, claimName: string) =>
  eventually(`${claimName} to get a selected node`, async () => {
    const claim = await cluster.client.get(resources.persistentVolumeClaims, namespace, claimName);
    return claim.metadata?.annotations?.[selectedNodeAnnotation] as string | undefined;
  });

const nodeNameOf = async (namespace: string, name: string) =>
  (await cluster.client.get(resources.pods, namespace, name)).spec?.nodeName as string | undefined;

async function failedScheduling(namespace: string, name: string, matching: RegExp): Promise<KubeObject> {
  return eventually(`FailedScheduling matching ${matching}`, async () => {
    const list = await cluster.client.list(resources.events, namespace, { fieldSelector: `involvedObject.name=${name}` });
    return list.items.find((e) => e.reason === 'FailedScheduling' && matching.test(String(e.message)));
  });
}

test('a missing claim is reported as Kubernetes reports it, and the pod goes on once the claim exists', async () => {
  await cluster.createNamespace('missing');
  await createNode({ name: 'missing-1', labels: { pool: 'missing' } });
  await createPod('missing', 'app', 'missing', 'data');
  const event = await failedScheduling('missing', 'app', /not found/);
  const total = (await cluster.client.list(resources.nodes)).items.length;
  assert.equal(
    event.message,
    `0/${total} nodes are available: persistentvolumeclaim "data" not found. ` +
      `preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`,
  );
  await createClaim('missing', 'data', 'dynamic');
  assert.equal(await selectedNode('missing', 'data'), 'missing-1');
});

test('a WaitForFirstConsumer claim is sent to the node with a suitable volume, and the pod is bound only once the claim is', async () => {
  await cluster.createNamespace('wffc');
  await createNode({ name: 'wffc-1', labels: { pool: 'wffc' } });
  await createNode({ name: 'wffc-2', labels: { pool: 'wffc' } });
  await createAvailableVolume('wffc-pv', 'local', 'wffc-2');
  await createClaim('wffc', 'data', 'local');
  await createPod('wffc', 'app', 'wffc', 'data');
  assert.equal(await selectedNode('wffc', 'data'), 'wffc-2');
  assert.equal(await nodeNameOf('wffc', 'app'), undefined, 'not bound while its claim is not');
  await bindClaim('wffc', 'data', 'wffc-pv');
  assert.equal(await eventually('app to be bound', () => nodeNameOf('wffc', 'app')), 'wffc-2');
});

test('a claim not bound in time fails the binding like PreBind does, and the pod is tried again', async () => {
  await cluster.createNamespace('slow');
  await createNode({ name: 'slow-1', labels: { pool: 'slow' } });
  await createClaim('slow', 'data', 'dynamic');
  await createPod('slow', 'app', 'slow', 'data');
  assert.equal(await selectedNode('slow', 'data'), 'slow-1');
  const event = await failedScheduling('slow', 'app', /PreBind/);
  assert.equal(event.message, 'running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded');
  const pod = await cluster.client.get(resources.pods, 'slow', 'app');
  const condition = pod.status.conditions?.find((c: any) => c.type === 'PodScheduled');
  assert.equal(condition?.reason, 'SchedulerError');
  assert.equal(pod.spec.nodeName, undefined);
  // The provisioner finally delivers: the next attempt binds the pod.
  await createAvailableVolume('slow-pv', 'dynamic', 'slow-1');
  await bindClaim('slow', 'data', 'slow-pv');
  assert.equal(await eventually('app to be bound', () => nodeNameOf('slow', 'app')), 'slow-1');
});
