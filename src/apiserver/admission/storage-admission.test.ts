// PersistentVolumeClaimResize against an in-process API server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { isForbidden } from '../../client/api-error.ts';
import { resources } from '../../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';

let cluster: InProcessCluster;
const ns = 'resize';

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace(ns);
  await cluster.client.create(resources.storageClasses, undefined, { metadata: { name: 'fixed' }, provisioner: 'example.com/fixed' });
  await cluster.client.create(resources.storageClasses, undefined, {
    metadata: { name: 'growable' },
    provisioner: 'example.com/growable',
    allowVolumeExpansion: true,
  });
});

after(() => cluster.stop());

/** A claim of `className`, marked Bound as the PV controller would. */
async function boundClaim(name: string, className: string): Promise<KubeObject> {
  const created = await cluster.client.create(resources.persistentVolumeClaims, ns, {
    metadata: { name },
    spec: { storageClassName: className, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  return cluster.client.updateStatus(resources.persistentVolumeClaims, {
    ...created,
    status: { phase: 'Bound', capacity: { storage: '1Gi' } },
  });
}

const grow = (name: string, storage: string) =>
  cluster.client.patch(resources.persistentVolumeClaims, ns, name, { spec: { resources: { requests: { storage } } } }, 'merge');

test('a bound claim grows only when its class allows volume expansion', async () => {
  await boundClaim('fixed-claim', 'fixed');
  await assert.rejects(grow('fixed-claim', '2Gi'), (err: Error) => {
    assert.ok(isForbidden(err));
    assert.equal(
      err.message,
      'persistentvolumeclaims "fixed-claim" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
    return true;
  });
  await boundClaim('growable-claim', 'growable');
  const grown = await grow('growable-claim', '2Gi');
  assert.equal(grown.spec?.resources?.requests?.storage, '2Gi');
});

test('a claim without a class cannot grow, but may keep its request', async () => {
  await boundClaim('classless', '');
  await assert.rejects(grow('classless', '3Gi'), isForbidden);
  await grow('classless', '1Gi');
});
