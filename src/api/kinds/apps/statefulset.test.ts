import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { statefulSets } from './statefulset.ts';

const sts = (spec: KubeObject = {}): KubeObject => ({
  metadata: { name: 'db', creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: {
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: {
      metadata: { labels: { app: 'db' } },
      spec: { containers: [{ name: 'db', image: 'postgres', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
    },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
    ...spec,
  },
});

test('defaults follow SetDefaults_StatefulSet', () => {
  const obj = sts();
  statefulSets.defaults!(obj);
  assert.equal(obj.spec.replicas, 1);
  assert.equal(obj.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(obj.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.equal(obj.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  assert.equal(obj.spec.volumeClaimTemplates[0].status.phase, 'Pending');
});

test('a volume mount naming a claim template is valid', () => {
  const obj = sts();
  statefulSets.defaults!(obj);
  assert.deepEqual(statefulSets.validate!(obj), []);
});

test('bad policies are reported with Kubernetes messages', () => {
  const obj = sts({ podManagementPolicy: 'Random', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } });
  statefulSets.defaults!(obj);
  assert.equal(
    formatFieldErrors(statefulSets.validate!(obj)),
    '[spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\', spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"]',
  );
});

test('only some spec fields may change', () => {
  const old = sts();
  statefulSets.defaults!(old);
  const scaled = structuredClone(old);
  scaled.spec.replicas = 5;
  assert.deepEqual(statefulSets.validateUpdate!(scaled, old), []);
  const renamed = structuredClone(old);
  renamed.spec.serviceName = 'other';
  assert.match(
    formatFieldErrors(statefulSets.validateUpdate!(renamed, old)),
    /^spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/,
  );
});

test('the table shows ready/desired', () => {
  const obj = sts({ replicas: 3 });
  obj.status = { readyReplicas: 1 };
  assert.deepEqual(
    statefulSets.table!.columns.map((c) => c.name),
    ['Name', 'Ready', 'Age', 'Containers', 'Images'],
  );
  assert.deepEqual(statefulSets.table!.row(obj, new Date('2025-01-01T00:00:30Z')), ['db', '1/3', '30s', 'db', 'postgres']);
});

test('rollingUpdate.maxUnavailable is dropped as in Kubernetes 1.33, where MaxUnavailableStatefulSet is an alpha gate left off', () => {
  const strategy = () => ({ type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } });
  const created = sts({ updateStrategy: strategy() });
  statefulSets.defaults!(created);
  statefulSets.prepareForCreate!(created);
  assert.deepEqual(created.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(statefulSets.validate!(created), []);

  const updated = sts({ updateStrategy: strategy() });
  statefulSets.prepareForUpdate!(updated, created);
  assert.deepEqual(updated.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });

  // An object stored with the field in use keeps it (dropDisabledFields' "in use" rule).
  const inUse = sts({ updateStrategy: strategy() });
  const next = sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1, maxUnavailable: 3 } } });
  statefulSets.prepareForUpdate!(next, inUse);
  assert.equal(next.spec.updateStrategy.rollingUpdate.maxUnavailable, 3);
});
