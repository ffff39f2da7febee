import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { storageClasses } from './storageclass.ts';

const sc = (extra: KubeObject = {}): KubeObject => ({
  metadata: { name: 'local', creationTimestamp: '2025-01-01T00:00:00Z' },
  provisioner: 'hale.dev/local-path',
  ...extra,
});

test('reclaimPolicy and volumeBindingMode are defaulted', () => {
  const obj = sc();
  storageClasses.defaults!(obj);
  assert.equal(obj.reclaimPolicy, 'Delete');
  assert.equal(obj.volumeBindingMode, 'Immediate');
  assert.deepEqual(storageClasses.validate!(obj), []);
});

test('provisioner, policies and topologies are validated', () => {
  const obj = sc({ provisioner: '', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' });
  assert.equal(
    formatFieldErrors(storageClasses.validate!(obj)),
    '[provisioner: Required value, reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain", volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"]',
  );
  const topo = sc({ volumeBindingMode: 'Immediate', allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: [] }] }] });
  assert.equal(
    formatFieldErrors(storageClasses.validate!(topo)),
    'allowedTopologies[0].matchLabelExpressions[0].values: Required value: must specify as least one value',
  );
});

test('provisioner, parameters and reclaimPolicy may not change', () => {
  const old = sc({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', parameters: { a: '1' } });
  const changed = sc({ provisioner: 'other.io/x', reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate', parameters: { a: '2' } });
  assert.deepEqual(
    storageClasses.validateUpdate!(changed, old).map((e) => e.field),
    ['parameters', 'provisioner', 'reclaimPolicy'],
  );
});

test('the default class is marked in the Name column', () => {
  const obj = sc({ allowVolumeExpansion: true });
  obj.metadata!.annotations = { 'storageclass.kubernetes.io/is-default-class': 'true' };
  storageClasses.defaults!(obj);
  assert.deepEqual(storageClasses.table!.row(obj, new Date('2025-01-01T00:00:01Z')), [
    'local (default)',
    'hale.dev/local-path',
    'Delete',
    'Immediate',
    true,
    '1s',
  ]);
});
