import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import {
  LOCAL_PATH_PROVISIONER,
  PROVISIONED_BY_ANNOTATION,
  PROVISIONER_FINALIZER,
} from '../../controllers/persistentvolume/local-path-volume.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { LocalPathCleanup, ownedVolumeDirectory } from './local-path-cleanup.ts';

let cluster: InProcessCluster;
let volumeDir: string;
let cleanup: LocalPathCleanup;

before(async () => {
  cluster = await startInProcessCluster();
  volumeDir = await mkdtemp(path.join(tmpdir(), 'hale-local-volumes-'));
  cleanup = new LocalPathCleanup(cluster.client, volumeDir, 'node-a', cluster.logger);
  cleanup.start();
});

after(async () => {
  await cleanup.stop();
  await cluster.stop();
  await rm(volumeDir, { recursive: true, force: true });
});

function provisioned(name: string, dir: string, provisioner = LOCAL_PATH_PROVISIONER, nodeName = 'node-a'): KubeObject {
  return {
    metadata: { name, annotations: { [PROVISIONED_BY_ANNOTATION]: provisioner }, finalizers: [PROVISIONER_FINALIZER] },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: dir, type: 'DirectoryOrCreate' },
      nodeAffinity: {
        required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] },
      },
    },
  };
}

const here = { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } };

test('only a local-path volume of this node, directly inside its volume directory, is the node’s to remove', () => {
  const dir = '/var/lib/hale/local-volumes';
  assert.equal(ownedVolumeDirectory(provisioned('a', `${dir}/pvc-1_ns_a`), dir, here), `${dir}/pvc-1_ns_a`);
  assert.equal(ownedVolumeDirectory(provisioned('b', '/etc'), dir, here), undefined);
  assert.equal(ownedVolumeDirectory(provisioned('c', `${dir}/../../etc`), dir, here), undefined);
  assert.equal(ownedVolumeDirectory(provisioned('d', `${dir}/x/y`), dir, here), undefined);
  assert.equal(ownedVolumeDirectory(provisioned('e', `${dir}/pvc-2`, 'example.com/other'), dir, here), undefined);
  // Another node's volume at the same path (every node may use the same data directory).
  assert.equal(ownedVolumeDirectory(provisioned('f', `${dir}/pvc-3_ns_f`, LOCAL_PATH_PROVISIONER, 'node-b'), dir, here), undefined);
});

test('a deleted local-path volume loses its directory, then the provisioner finalizer', async () => {
  const dir = path.join(volumeDir, 'pvc-1_default_data');
  await mkdir(dir);
  await writeFile(path.join(dir, 'file'), 'data');
  await cluster.client.create(resources.persistentVolumes, undefined, provisioned('pvc-1', dir));
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(existsSync(dir), 'nothing is removed while the volume exists');

  await cluster.client.delete(resources.persistentVolumes, undefined, 'pvc-1');
  // pv-protection (added on create) is the protection controller's to remove, and it does not run here.
  const left = await eventually('the provisioner finalizer to go', async () => {
    const pv = await cluster.tryGet(resources.persistentVolumes, undefined, 'pvc-1');
    return pv && !pv.metadata?.finalizers?.includes(PROVISIONER_FINALIZER) && pv;
  });
  assert.deepEqual(left.metadata?.finalizers, ['kubernetes.io/pv-protection']);
  assert.equal(existsSync(dir), false);
});
