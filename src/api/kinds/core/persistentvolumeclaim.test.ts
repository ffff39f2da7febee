import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { persistentVolumeClaimResource as pvcResource } from './persistentvolumeclaim.ts';

const pvc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec,
  status,
});
const base = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' };
const messages = (o: KubeObject): string[] => (pvcResource.validate?.(o) ?? []).map(formatFieldError);
const updateMessages = (o: KubeObject, old: KubeObject): string[] => (pvcResource.validateUpdate?.(o, old) ?? []).map(formatFieldError);
const IMMUTABLE =
  'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

describe('persistentvolumeclaim', () => {
  it('defaults volume mode and starts Pending', () => {
    const o = pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    pvcResource.defaults?.(o);
    pvcResource.prepareForCreate?.(o);
    assert.equal(o.spec.volumeMode, 'Filesystem');
    assert.deepEqual(o.status, { phase: 'Pending' });
  });

  it('requires access modes and a positive storage request', () => {
    assert.deepEqual(messages(pvc(base)), []);
    assert.deepEqual(messages(pvc({})), [
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
    assert.deepEqual(messages(pvc({ ...base, resources: { requests: { storage: '0' } } })), [
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]);
  });

  it('makes the spec immutable except for growing a bound claim and binding once', () => {
    const old = pvc(base, { phase: 'Bound', capacity: { storage: '1Gi' } });
    assert.deepEqual(updateMessages(pvc({ ...base, resources: { requests: { storage: '2Gi' } } }, { phase: 'Bound' }), old), []);
    assert.deepEqual(updateMessages(pvc({ ...base, volumeName: 'pv1' }, { phase: 'Bound' }), old), []);
    assert.deepEqual(updateMessages(pvc({ ...base, accessModes: ['ReadWriteMany'] }, { phase: 'Bound' }), old), [IMMUTABLE]);
    // An unbound claim may not change its request.
    assert.deepEqual(updateMessages(pvc({ ...base, resources: { requests: { storage: '2Gi' } } }), pvc(base)), [IMMUTABLE]);
    const grown = pvc({ ...base, resources: { requests: { storage: '5Gi' } } }, { phase: 'Bound', capacity: { storage: '1Gi' } });
    assert.deepEqual(updateMessages(pvc({ ...base, resources: { requests: { storage: '1Gi' } } }, { phase: 'Bound' }), grown), [
      'spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
    ]);
  });

  it('prints capacity and access modes only once bound', () => {
    const now = new Date('2024-01-01T00:01:00Z');
    assert.deepEqual(pvcResource.table?.row(pvc(base, { phase: 'Pending' }), now), [
      'data',
      'Pending',
      '',
      '',
      '',
      '',
      '<unset>',
      '60s',
      'Filesystem',
    ]);
    const bound = pvc(
      { ...base, volumeName: 'pv1', storageClassName: 'standard' },
      { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] },
    );
    assert.deepEqual(pvcResource.table?.row(bound, now), [
      'data',
      'Bound',
      'pv1',
      '2Gi',
      'RWO',
      'standard',
      '<unset>',
      '60s',
      'Filesystem',
    ]);
  });
});
