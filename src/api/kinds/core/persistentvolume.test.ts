import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { persistentVolumeResource } from './persistentvolume.ts';

const pv = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv1', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec,
  ...extra,
});
const valid = { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv1' } };
const messages = (o: KubeObject): string[] => (persistentVolumeResource.validate?.(o) ?? []).map(formatFieldError);

describe('persistentvolume', () => {
  it('defaults reclaim policy, volume mode, phase and source fields', () => {
    const o = pv({ ...valid, rbd: { monitors: ['m'], image: 'i' } });
    persistentVolumeResource.defaults?.(o);
    assert.equal(o.spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(o.spec.volumeMode, 'Filesystem');
    assert.equal(o.status.phase, 'Pending');
    assert.equal(o.spec.hostPath.type, '');
    assert.deepEqual(o.spec.rbd, { monitors: ['m'], image: 'i', pool: 'rbd', user: 'admin', keyring: '/etc/ceph/keyring' });
  });

  it('validates capacity as positive, and hostPath and local paths as Kubernetes does', () => {
    assert.deepEqual(messages(pv({ ...valid, capacity: { storage: '0' } })), [
      'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
    ]);
    assert.deepEqual(messages(pv({ ...valid, capacity: { storage: '-1Gi' } })), [
      'spec.capacity[storage]: Invalid value: -1073741824: must be a valid resource quantity',
      'spec.capacity[storage]: Invalid value: "-1Gi": must be greater than zero',
    ]);
    assert.deepEqual(messages(pv({ ...valid, hostPath: { path: '/data/../etc', type: 'Dir' } })), [
      'spec.hostPath.path: Invalid value: "/data/../etc": must not contain \'..\'',
      'spec.hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
    ]);
    assert.deepEqual(messages(pv({ ...valid, hostPath: { path: '//' }, persistentVolumeReclaimPolicy: 'Recycle' })), [
      "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'",
    ]);
    const nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] }] } };
    assert.deepEqual(messages(pv({ ...valid, hostPath: undefined, local: { path: '/mnt/../x' }, nodeAffinity })), [
      'spec.local.path: Invalid value: "/mnt/../x": must not contain \'..\'',
    ]);
  });

  it('validates access modes, capacity and the volume source', () => {
    assert.deepEqual(messages(pv(valid)), []);
    assert.deepEqual(messages(pv({})), [
      'spec.accessModes: Required value',
      'spec.capacity: Required value',
      'spec: Required value: must specify a volume type',
    ]);
    assert.deepEqual(messages(pv({ ...valid, accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'], nfs: { server: 'nfs', path: '/x' } })), [
      'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
      'spec.nfs: Forbidden: may not specify more than 1 volume type',
    ]);
    assert.deepEqual(messages(pv({ ...valid, hostPath: undefined, local: { path: '/mnt/disk' } })), [
      'spec.nodeAffinity: Required value: Local volumes require node affinity',
    ]);
    assert.deepEqual(messages(pv({ ...valid, capacity: { storage: '1Gi', cpu: '1' } })), [
      'spec.capacity: Unsupported value: map[string]string{"cpu":"1", "storage":"1Gi"}: supported values: "storage"',
    ]);
  });

  it('keeps the volume source immutable', () => {
    const errs = persistentVolumeResource.validateUpdate?.(pv({ ...valid, hostPath: { path: '/other' } }), pv(valid)) ?? [];
    assert.deepEqual(errs.map(formatFieldError), [
      'spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation',
    ]);
    assert.deepEqual(persistentVolumeResource.validateUpdate?.(pv({ ...valid, capacity: { storage: '20Gi' } }), pv(valid)), []);
  });

  it('prints the columns of kubectl get pv', () => {
    assert.deepEqual(
      persistentVolumeResource.table?.columns.map((c) => c.name),
      [
        'Name',
        'Capacity',
        'Access Modes',
        'Reclaim Policy',
        'Status',
        'Claim',
        'StorageClass',
        'VolumeAttributesClass',
        'Reason',
        'Age',
        'VolumeMode',
      ],
    );
    const o = pv(
      {
        ...valid,
        capacity: { storage: '1024Mi' },
        accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'],
        claimRef: { namespace: 'default', name: 'data' },
        storageClassName: 'local',
        persistentVolumeReclaimPolicy: 'Delete',
        volumeMode: 'Filesystem',
      },
      { status: { phase: 'Bound' } },
    );
    assert.deepEqual(persistentVolumeResource.table?.row(o, new Date('2024-01-01T00:00:05Z')), [
      'pv1',
      '1Gi',
      'RWO,RWX',
      'Delete',
      'Bound',
      'default/data',
      'local',
      '<unset>',
      '',
      '5s',
      'Filesystem',
    ]);
    o.metadata!.deletionTimestamp = '2024-01-01T00:00:04Z';
    assert.equal(persistentVolumeResource.table?.row(o, new Date())[4], 'Terminating');
  });
});
