import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { conflictCauses, conflictError, conflictMessage, recordUpdate } from './managed-fields.ts';
import { registerTestDeployment, testDeployment } from './testing-schema.ts';

registerTestDeployment();
const now = new Date('2024-05-01T10:00:00.123Z');
const later = new Date('2024-05-01T11:00:00Z');
const opts = { defName: testDeployment, now };

const created = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
});

describe('recordUpdate', () => {
  it('gives the creator every field it set', () => {
    const out = recordUpdate(undefined, created(), 'kubectl-create', 'apps/v1', opts);
    assert.deepEqual(out.metadata?.managedFields, [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
          },
        },
      },
    ]);
  });

  it('does not modify its inputs', () => {
    const obj = created();
    recordUpdate(undefined, obj, 'm', 'apps/v1', opts);
    assert.deepEqual(obj, created());
  });

  it('moves a changed field to the updating manager and keeps the others', () => {
    const v1 = recordUpdate(undefined, created(), 'kubectl-create', 'apps/v1', opts);
    const scaled = structuredClone(v1);
    scaled.spec.replicas = 5;
    const v2 = recordUpdate(v1, scaled, 'kubectl-scale', 'apps/v1', { ...opts, now: later });
    const [creator, scaler] = v2.metadata!.managedFields;
    assert.equal(creator.manager, 'kubectl-create');
    assert.equal(creator.time, '2024-05-01T10:00:00Z', 'the creator entry is otherwise untouched');
    assert.equal('f:replicas' in creator.fieldsV1['f:spec'], false);
    assert.deepEqual(scaler, {
      manager: 'kubectl-scale',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2024-05-01T11:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
  });

  it('does not claim fields whose value did not change', () => {
    const v1 = recordUpdate(undefined, created(), 'kubectl-create', 'apps/v1', opts);
    const v2 = recordUpdate(v1, structuredClone(v1), 'kubectl-edit', 'apps/v1', opts);
    assert.deepEqual(v2.metadata?.managedFields, v1.metadata?.managedFields);
  });

  it('drops fields that were removed, and entries left with nothing', () => {
    const v1 = recordUpdate(undefined, created(), 'a', 'apps/v1', opts);
    const labelled = structuredClone(v1);
    labelled.metadata!.labels.tier = 'front';
    const v2 = recordUpdate(v1, labelled, 'kubectl-label', 'apps/v1', opts);
    assert.deepEqual(v2.metadata?.managedFields[1].fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });

    const unlabelled = structuredClone(v2);
    delete unlabelled.metadata!.labels.tier;
    const v3 = recordUpdate(v2, unlabelled, 'a', 'apps/v1', opts);
    assert.deepEqual(
      v3.metadata?.managedFields.map((e: { manager: string }) => e.manager),
      ['a'],
    );
  });

  it('keeps stored managedFields when the client sends none, and clears them on [{}]', () => {
    const v1 = recordUpdate(undefined, created(), 'a', 'apps/v1', opts);
    const put = created();
    put.spec.replicas = 2;
    const v2 = recordUpdate(v1, put, 'b', 'apps/v1', opts);
    assert.deepEqual(
      v2.metadata?.managedFields.map((e: { manager: string }) => e.manager),
      ['a', 'b'],
    );
    const reset = structuredClone(v2);
    reset.metadata!.managedFields = [{}];
    const v3 = recordUpdate(v2, reset, 'c', 'apps/v1', opts);
    assert.equal(v3.metadata?.managedFields, undefined);
  });

  it('tracks the same manager under another API version as another entry', () => {
    const v1 = recordUpdate(undefined, created(), 'ctl', 'apps/v1', opts);
    const next = structuredClone(v1);
    next.spec.replicas = 9;
    const v2 = recordUpdate(v1, next, 'ctl', 'apps/v1beta2', opts);
    assert.deepEqual(
      v2.metadata?.managedFields.map((e: { apiVersion: string }) => e.apiVersion),
      ['apps/v1', 'apps/v1beta2'],
    );
  });
});

describe('conflict errors', () => {
  const replicas = [{ field: 'spec' }, { field: 'replicas' }];
  const image = [{ field: 'spec' }, { field: 'containers' }, { key: { name: 'nginx' } }, { field: 'image' }];

  it('builds FieldManagerConflict causes like kube-apiserver', () => {
    const causes = conflictCauses([
      { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', path: replicas },
      { manager: 'other-applier', operation: 'Apply', apiVersion: 'apps/v1', path: image },
    ]);
    assert.deepEqual(causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "other-applier"', field: '.spec.containers[name="nginx"].image' },
    ]);
  });

  it('writes the one-conflict and many-conflict messages', () => {
    const one = { manager: 'kubectl-client-side-apply', operation: 'Update' as const, apiVersion: 'apps/v1', path: replicas };
    assert.equal(
      conflictMessage([one]),
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    assert.equal(
      conflictMessage([one, { ...one, path: image }]),
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.containers[name="nginx"].image',
    );
  });

  it('becomes a 409 Conflict Status with the causes', () => {
    const status = conflictError([{ manager: 'm', operation: 'Update', apiVersion: 'v1', path: replicas }]).toStatus();
    assert.equal(status.code, 409);
    assert.equal(status.reason, 'Conflict');
    assert.deepEqual((status.details as { causes: unknown[] }).causes.length, 1);
  });
});
