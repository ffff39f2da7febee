// The PersistentVolume controller and storage protection against an in-process API server
// (which runs the DefaultStorageClass and in-use protection admission).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { isAlreadyExists } from '../../client/api-error.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { LOCAL_VOLUME_DIR_ANNOTATION, localPathStorageClass, PROVISIONER_FINALIZER } from './local-path-volume.ts';
import { StorageProtectionController } from './protection-controller.ts';
import { PersistentVolumeController } from './pv-controller.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let binder: PersistentVolumeController;
let protection: StorageProtectionController;
const ns = 'storage';

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace(ns);
  factory = new InformerFactory(cluster.client);
  binder = new PersistentVolumeController(cluster.client, factory, cluster.logger);
  protection = new StorageProtectionController(cluster.client, factory, cluster.logger);
  factory.start();
  binder.run(1);
  protection.run(1);
});

after(async () => {
  await binder.stop();
  await protection.stop();
  await factory.stop();
  await cluster.stop();
});

function volume(name: string, storage: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name },
    spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, ...extra },
  };
}

function claim(name: string, storage: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage } }, ...extra },
  };
}

const getClaim = (name: string) => cluster.tryGet(resources.persistentVolumeClaims, ns, name);
const getVolume = (name: string) => cluster.tryGet(resources.persistentVolumes, undefined, name);

async function eventOf(obj: KubeObject | undefined, reason: string): Promise<KubeObject> {
  return eventually(`a ${reason} event`, async () => {
    const list = await cluster.client.list(resources.events, obj?.metadata?.namespace || 'default', {
      fieldSelector: `involvedObject.uid=${obj?.metadata?.uid}`,
    });
    return list.items.find((e) => e.reason === reason);
  });
}

test('a claim binds to the smallest volume that fits; both are Bound and the claim gets its capacity', async () => {
  await cluster.client.create(resources.persistentVolumes, undefined, volume('big', '10Gi'));
  await cluster.client.create(resources.persistentVolumes, undefined, volume('small', '2Gi'));
  await cluster.client.create(resources.persistentVolumes, undefined, volume('tiny', '500Mi'));
  await cluster.client.create(resources.persistentVolumeClaims, ns, claim('data', '1Gi'));
  const bound = await eventually('the claim to be Bound', async () => {
    const c = await getClaim('data');
    return c?.status?.phase === 'Bound' && (c as Record<string, any>);
  });
  assert.equal(bound.spec.volumeName, 'small');
  assert.deepEqual(bound.status.capacity, { storage: '2Gi' });
  assert.deepEqual(bound.status.accessModes, ['ReadWriteOnce']);
  assert.equal(bound.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
  assert.deepEqual(bound.metadata.finalizers, ['kubernetes.io/pvc-protection'], 'in-use protection from admission');
  const pv = await eventually('the volume to be Bound', async () => {
    const v = await getVolume('small');
    return v?.status?.phase === 'Bound' && v;
  });
  assert.equal(pv.spec.claimRef.name, 'data');
  assert.equal(pv.spec.claimRef.uid, bound.metadata.uid);
  assert.equal((await getVolume('big'))?.status?.phase, 'Available');
});

test('a claim nothing fits stays Pending with FailedBinding, and binds once a volume appears', async () => {
  const created = await cluster.client.create(resources.persistentVolumeClaims, ns, claim('later', '50Gi'));
  const event = await eventOf(created, 'FailedBinding');
  assert.equal(event.message, 'no persistent volumes available for this claim and no storage class is set');
  assert.equal((await getClaim('later'))?.status?.phase, 'Pending');
  await cluster.client.create(resources.persistentVolumes, undefined, volume('huge', '60Gi'));
  await eventually('the claim to bind to the new volume', async () => (await getClaim('later'))?.spec?.volumeName === 'huge');
});

test('a claim naming a volume that does not suit it gets VolumeMismatch and stays Pending', async () => {
  await cluster.client.create(resources.persistentVolumes, undefined, volume('named-small', '1Gi'));
  const created = await cluster.client.create(
    resources.persistentVolumeClaims,
    ns,
    claim('names-it', '5Gi', { volumeName: 'named-small' }),
  );
  const event = await eventOf(created, 'VolumeMismatch');
  assert.equal(event.message, 'Cannot bind to requested volume "named-small": requested PV is too small');
  assert.equal((await getClaim('names-it'))?.status?.phase, 'Pending');
});

// A claim restored from a dump keeps its bind-completed annotation and volumeName but loses its
// status: Kubernetes syncs it as a bound claim (syncBoundClaim), so a volume held by another
// claim makes it Lost with ClaimMisbound, and a volume that does not exist with ClaimLost.
test("a restored claim (bind-completed, no status) whose volume is another claim's or gone is Lost", async () => {
  const annotations = { 'pv.kubernetes.io/bind-completed': 'yes' };
  await cluster.client.create(
    resources.persistentVolumes,
    undefined,
    volume('held-elsewhere', '1Gi', { claimRef: { namespace: ns, name: 'restored', uid: '00000000-0000-4000-8000-000000000001' } }),
  );
  const misbound = await cluster.client.create(resources.persistentVolumeClaims, ns, {
    ...claim('restored', '1Gi', { volumeName: 'held-elsewhere' }),
    metadata: { name: 'restored', annotations },
  });
  assert.equal(
    (await eventOf(misbound, 'ClaimMisbound')).message,
    'Two claims are bound to the same volume, this one is bound incorrectly',
  );
  await eventually('the misbound claim Lost', async () => (await getClaim('restored'))?.status?.phase === 'Lost');

  const orphan = await cluster.client.create(resources.persistentVolumeClaims, ns, {
    ...claim('restored-orphan', '1Gi', { volumeName: 'never-existed' }),
    metadata: { name: 'restored-orphan', annotations },
  });
  assert.equal((await eventOf(orphan, 'ClaimLost')).message, 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  await eventually('the orphaned claim Lost', async () => (await getClaim('restored-orphan'))?.status?.phase === 'Lost');
});

test('a bound claim whose request grows stays Bound, with no binding warning', async () => {
  await cluster.client.create(resources.storageClasses, undefined, {
    metadata: { name: 'growable' },
    provisioner: 'kubernetes.io/no-provisioner',
    allowVolumeExpansion: true,
  });
  await cluster.client.create(resources.persistentVolumes, undefined, volume('grown', '1Gi', { storageClassName: 'growable' }));
  const created = await cluster.client.create(
    resources.persistentVolumeClaims,
    ns,
    claim('grows', '1Gi', { storageClassName: 'growable' }),
  );
  await eventually('the claim to be Bound', async () => (await getClaim('grows'))?.status?.phase === 'Bound');
  await cluster.client.patch(
    resources.persistentVolumeClaims,
    ns,
    'grows',
    { spec: { resources: { requests: { storage: '2Gi' } } } },
    'merge',
  );
  await new Promise((r) => setTimeout(r, 300));
  const list = await cluster.client.list(resources.events, ns, { fieldSelector: `involvedObject.uid=${created.metadata?.uid}` });
  assert.deepEqual(
    list.items.filter((e) => e.type === 'Warning').map((e) => e.reason),
    [],
  );
  assert.equal((await getClaim('grows'))?.status?.phase, 'Bound');
});

test('a claim in use stays Terminating until its pod goes; its Retain volume is then Released', async () => {
  await cluster.client.create(resources.persistentVolumes, undefined, volume('kept', '1Gi', { storageClassName: 'manual' }));
  await cluster.client.create(resources.persistentVolumeClaims, ns, claim('used', '1Gi', { storageClassName: 'manual' }));
  await eventually('the claim to be Bound', async () => (await getClaim('used'))?.status?.phase === 'Bound');
  await cluster.client.create(resources.pods, ns, {
    metadata: { name: 'user' },
    spec: {
      nodeName: 'node-a',
      containers: [{ name: 'c', image: 'x', command: ['sleep', '1'] }],
      volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used' } }],
    },
  });
  await cluster.client.delete(resources.persistentVolumeClaims, ns, 'used');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok((await getClaim('used'))?.metadata?.deletionTimestamp, 'still there, Terminating');
  await cluster.client.delete(resources.pods, ns, 'user', { gracePeriodSeconds: 0 });
  await eventually('the claim to go', async () => !(await getClaim('used')));
  await eventually('the volume to be Released', async () => (await getVolume('kept'))?.status?.phase === 'Released');
});

test('a bound volume being deleted waits for its claim (pv-protection)', async () => {
  await cluster.client.create(resources.persistentVolumes, undefined, volume('guarded', '1Gi', { storageClassName: 'guard' }));
  await cluster.client.create(resources.persistentVolumeClaims, ns, claim('guard', '1Gi', { storageClassName: 'guard' }));
  await eventually('the volume to be Bound', async () => (await getVolume('guarded'))?.status?.phase === 'Bound');
  await cluster.client.delete(resources.persistentVolumes, undefined, 'guarded');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok((await getVolume('guarded'))?.metadata?.deletionTimestamp, 'Terminating while Bound');
  await cluster.client.delete(resources.persistentVolumeClaims, ns, 'guard');
  await eventually('the volume to go once its claim went', async () => !(await getVolume('guarded')));
});

test('WaitForFirstConsumer: the claim waits for a node, then a local-path volume is provisioned there and deleted with the claim', async () => {
  await cluster.client.create(resources.storageClasses, undefined, localPathStorageClass());
  await cluster.client.create(resources.nodes, undefined, {
    metadata: {
      name: 'node-lp',
      labels: { 'kubernetes.io/hostname': 'node-lp' },
      annotations: { [LOCAL_VOLUME_DIR_ANNOTATION]: '/var/lib/hale/local-volumes' },
    },
  });
  // No storageClassName: the default class (local-path) is filled in on create.
  const created = await cluster.client.create(resources.persistentVolumeClaims, ns, {
    metadata: { name: 'www-web-0' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  assert.equal(created.spec?.storageClassName, 'local-path');
  const waiting = await eventOf(created, 'WaitForFirstConsumer');
  assert.equal(waiting.message, 'waiting for first consumer to be created before binding');

  await cluster.client.patch(
    resources.persistentVolumeClaims,
    ns,
    'www-web-0',
    { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-lp' } } },
    'merge',
  );
  const bound = await eventually('the claim to be Bound', async () => {
    const c = await getClaim('www-web-0');
    return c?.status?.phase === 'Bound' && (c as Record<string, any>);
  });
  const pvName = `pvc-${created.metadata?.uid}`;
  assert.equal(bound.spec.volumeName, pvName);
  assert.equal(bound.metadata.annotations['volume.kubernetes.io/storage-provisioner'], 'hale.dev/local-path');
  const pv = await getVolume(pvName);
  assert.equal(pv?.spec?.hostPath?.path, `/var/lib/hale/local-volumes/${pvName}_${ns}_www-web-0`);
  assert.deepEqual(pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms, [
    { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-lp'] }] },
  ]);
  assert.equal(pv?.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.deepEqual(pv?.metadata?.finalizers, [PROVISIONER_FINALIZER, 'kubernetes.io/pv-protection']);
  await eventOf(bound, 'ProvisioningSucceeded');

  // The claim goes: the volume is deleted, and waits for its node's agent to remove the directory.
  await cluster.client.delete(resources.persistentVolumeClaims, ns, 'www-web-0');
  const deleting = await eventually('the volume to be deleted', async () => {
    const v = await getVolume(pvName);
    return v?.metadata?.deletionTimestamp && v;
  });
  assert.deepEqual(deleting.metadata.finalizers, [PROVISIONER_FINALIZER]);
});

test('a selected node that cannot provision (gone, or no volume directory) is given back to the scheduler', async () => {
  await cluster.client.create(resources.storageClasses, undefined, localPathStorageClass()).catch((err) => {
    if (!isAlreadyExists(err)) throw err;
  });
  await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'node-bare' } });
  for (const [claimName, nodeName] of [
    ['no-dir', 'node-bare'],
    ['no-node', 'node-gone'],
  ]) {
    const created = await cluster.client.create(resources.persistentVolumeClaims, ns, {
      metadata: { name: claimName, annotations: { 'volume.kubernetes.io/selected-node': nodeName } },
      spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await eventually(`the annotation to go from ${claimName}`, async () => {
      const c = await getClaim(claimName);
      return c && !c.metadata?.annotations?.['volume.kubernetes.io/selected-node'];
    });
    assert.match((await eventOf(created, 'ProvisioningFailed')).message, new RegExp(`node "${nodeName}"`));
  }
});

test('a bound local-path claim that grows is expanded: the volume and the claim get the new capacity, with the resizer events', async () => {
  await cluster.client.create(resources.storageClasses, undefined, {
    ...localPathStorageClass(),
    metadata: { name: 'local-path-growable' },
    allowVolumeExpansion: true,
  });
  await cluster.client.create(resources.nodes, undefined, {
    metadata: {
      name: 'node-grow',
      labels: { 'kubernetes.io/hostname': 'node-grow' },
      annotations: { [LOCAL_VOLUME_DIR_ANNOTATION]: '/var/lib/hale/local-volumes' },
    },
  });
  const created = await cluster.client.create(resources.persistentVolumeClaims, ns, {
    metadata: { name: 'grows-lp', annotations: { 'volume.kubernetes.io/selected-node': 'node-grow' } },
    spec: { storageClassName: 'local-path-growable', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  await eventually('the claim to be Bound', async () => (await getClaim('grows-lp'))?.status?.phase === 'Bound');
  await cluster.client.patch(
    resources.persistentVolumeClaims,
    ns,
    'grows-lp',
    { spec: { resources: { requests: { storage: '3Gi' } } } },
    'merge',
  );
  const grown = await eventually('the claim to have 3Gi', async () => {
    const c = await getClaim('grows-lp');
    return c?.status?.capacity?.storage === '3Gi' && (c as Record<string, any>);
  });
  assert.equal(grown.status.phase, 'Bound');
  assert.deepEqual(grown.status.allocatedResources, { storage: '3Gi' });
  assert.equal(grown.status.conditions, undefined, 'no Resizing condition left');
  assert.equal(grown.status.allocatedResourceStatuses, undefined);
  assert.deepEqual((await getVolume(`pvc-${created.metadata?.uid}`))?.spec?.capacity, { storage: '3Gi' });
  assert.equal((await eventOf(created, 'ExternalExpanding')).message, 'waiting for an external controller to expand this PVC');
  assert.equal((await eventOf(created, 'Resizing')).message, `External resizer is resizing volume pvc-${created.metadata?.uid}`);
  const done = await eventOf(created, 'VolumeResizeSuccessful');
  assert.equal(done.message, 'Resize volume succeeded');
  assert.equal(done.source?.component, 'external-resizer hale.dev/local-path');
});
