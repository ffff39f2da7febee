import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { applyPatchByContentType, PatchError, patchContentType } from './index.ts';
import { registerTestDeployment, testDeployment } from './testing-schema.ts';

registerTestDeployment();
const now = new Date('2024-05-01T10:00:00Z');

const live = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', uid: 'u', labels: { app: 'web' } },
  spec: {
    replicas: 1,
    paused: true,
    template: {
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.25' },
          { name: 'side', image: 'busybox' },
        ],
      },
    },
  },
});

function failure(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PatchError, `expected PatchError, got ${err}`);
    return err;
  }
  assert.fail('expected a PatchError');
}

describe('applyPatchByContentType', () => {
  it('dispatches a json patch', () => {
    const body = JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 4 }]);
    const { object, created } = applyPatchByContentType('application/json-patch+json', live(), body, testDeployment);
    assert.equal(object.spec.replicas, 4);
    assert.equal(created, false);
  });

  it('dispatches a merge patch (lists replaced) from bytes, ignoring content-type parameters', () => {
    const body = Buffer.from(JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }] } } } }));
    const { object } = applyPatchByContentType('application/merge-patch+json; charset=utf-8', live(), body, testDeployment);
    assert.deepEqual(object.spec.template.spec.containers, [{ name: 'only', image: 'x' }]);
  });

  it('dispatches a strategic merge patch (lists merged by key) and records the field manager', () => {
    const body = JSON.stringify({ spec: { paused: null, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } });
    const { object } = applyPatchByContentType('application/strategic-merge-patch+json', live(), body, testDeployment, {
      fieldManager: 'kubectl-patch',
      apiVersion: 'apps/v1',
      now,
    });
    assert.equal(object.spec.template.spec.containers.length, 2);
    assert.equal(object.spec.template.spec.containers[0].image, 'nginx:1.26');
    assert.equal('paused' in object.spec, false);
    assert.deepEqual(object.metadata?.managedFields, [
      {
        manager: 'kubectl-patch',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { 'f:image': {} } } } } } },
      },
    ]);
  });

  it('leaves managedFields alone without a field manager', () => {
    const { object } = applyPatchByContentType('application/merge-patch+json', live(), '{"spec":{"replicas":2}}', testDeployment);
    assert.equal(object.metadata?.managedFields, undefined);
  });

  it('creates with an apply whose body is YAML', () => {
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n';
    const { object, created } = applyPatchByContentType('application/apply-patch+yaml', undefined, yaml, testDeployment, {
      fieldManager: 'kubectl',
      now,
    });
    assert.equal(created, true);
    assert.equal(object.spec.replicas, 3);
    assert.equal(object.metadata?.managedFields[0].operation, 'Apply');
  });

  it('answers an apply conflict with 409 and FieldManagerConflict causes', () => {
    const first = applyPatchByContentType('application/strategic-merge-patch+json', live(), '{"spec":{"replicas":3}}', testDeployment, {
      fieldManager: 'kubectl-client-side-apply',
      apiVersion: 'apps/v1',
    }).object;
    const applyBody = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } });
    const err = failure(() =>
      applyPatchByContentType('application/apply-patch+yaml', first, applyBody, testDeployment, { fieldManager: 'kubectl', force: false }),
    );
    assert.equal(err.code, 409);
    assert.deepEqual(err.toStatus().details, {
      causes: [
        { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
      ],
    });
    const forced = applyPatchByContentType('application/apply-patch+yaml', first, applyBody, testDeployment, {
      fieldManager: 'kubectl',
      force: true,
    });
    assert.equal(forced.object.spec.replicas, 5);
  });

  it('requires a field manager for apply (422)', () => {
    const err = failure(() => applyPatchByContentType('application/apply-patch+yaml', live(), '{}', testDeployment));
    assert.equal(err.code, 422);
  });

  it("refuses with 400 an apply whose apiVersion or kind is not the endpoint's (versionCheckManager)", () => {
    const apply = (body: unknown, apiVersion = 'apps/v1') =>
      failure(() =>
        applyPatchByContentType('application/apply-patch+yaml', live(), JSON.stringify(body), testDeployment, {
          fieldManager: 'kubectl',
          apiVersion,
          kind: 'Deployment',
        }),
      );
    const spec = { replicas: 7 };
    const older = apply({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'web' }, spec });
    assert.equal(older.code, 400);
    assert.equal(older.reason, 'BadRequest');
    assert.equal(older.message, 'invalid object type: apps/v1beta1, Kind=Deployment');
    const otherKind = apply({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' }, spec });
    assert.equal(otherKind.message, 'invalid object type: apps/v1, Kind=StatefulSet');
    assert.equal(apply({ metadata: { name: 'web' }, spec }).message, 'invalid object type: /, Kind=');
    assert.equal(apply({ apiVersion: 'v1', kind: 'Deployment', spec }).message, 'invalid object type: /v1, Kind=Deployment');
    assert.equal(apply({ apiVersion: 'a/b/c', kind: 'Deployment', spec }).message, 'invalid object type: /, Kind=Deployment');
    // The endpoint's own group/version/kind passes, the core group included.
    const ok = applyPatchByContentType(
      'application/apply-patch+yaml',
      live(),
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec }),
      testDeployment,
      { fieldManager: 'kubectl', apiVersion: 'apps/v1', kind: 'Deployment' },
    );
    assert.equal(ok.object.spec.replicas, 7);
  });

  it('answers 415 for an unknown content type', () => {
    const err = failure(() => applyPatchByContentType('application/json', live(), '{}', testDeployment));
    assert.equal(err.code, 415);
    assert.equal(err.reason, 'UnsupportedMediaType');
    assert.throws(() => patchContentType(undefined), PatchError);
  });

  it('answers 400 for malformed bodies', () => {
    const truncated = failure(() => applyPatchByContentType('application/merge-patch+json', live(), '{"spec":', testDeployment));
    assert.equal(truncated.code, 400);
    // encoding/json's words, as kube-apiserver's strict decode of the patch reports them.
    assert.equal(truncated.message, 'error decoding patch: unexpected end of JSON input');
    const stray = failure(() => applyPatchByContentType('application/merge-patch+json', live(), '{"spec":{},}', testDeployment));
    assert.equal(stray.message, "error decoding patch: invalid character '}' looking for beginning of object key string");
    assert.equal(failure(() => applyPatchByContentType('application/strategic-merge-patch+json', live(), '', testDeployment)).code, 400);
    const yaml = failure(() =>
      applyPatchByContentType('application/apply-patch+yaml', live(), 'a: [unclosed', testDeployment, { fieldManager: 'm' }),
    );
    assert.equal(yaml.code, 400);
    assert.match(yaml.message, /^error decoding YAML/);
  });

  it('answers 404 when there is nothing to patch (only apply creates)', () => {
    assert.equal(failure(() => applyPatchByContentType('application/merge-patch+json', undefined, '{}', testDeployment)).code, 404);
  });

  it('never modifies the live object', () => {
    const original = live();
    applyPatchByContentType('application/strategic-merge-patch+json', original, '{"spec":{"replicas":9}}', testDeployment, {
      fieldManager: 'm',
    });
    applyPatchByContentType('application/apply-patch+yaml', original, '{"spec":{"replicas":8}}', testDeployment, { fieldManager: 'n' });
    assert.deepEqual(original, live());
  });
});

describe('apply patches with fields the schema does not declare', () => {
  it('fail whatever fieldValidation says, with structured-merge-diff text and a 500', () => {
    const applied = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns1' },
      spec: { bogus: 1, template: { spec: { containers: [{ name: 'nginx', imagee: 'x' }] } } },
    };
    const err = failure(() =>
      applyPatchByContentType('application/apply-patch+yaml', live(), JSON.stringify(applied), testDeployment, { fieldManager: 'kubectl' }),
    );
    assert.equal(err.code, 500);
    assert.equal(err.reason, '');
    assert.equal(
      err.message,
      'failed to create typed patch object (ns1/web; apps/v1, Kind=Deployment): errors:\n' +
        '  .spec.bogus: field not declared in schema\n' +
        '  .spec.template.spec.containers[name="nginx"].imagee: field not declared in schema',
    );
    assert.equal(err.toStatus().reason, undefined);

    const one = failure(() =>
      applyPatchByContentType(
        'application/apply-patch+yaml',
        undefined,
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nbogus: x\n',
        testDeployment,
        {
          fieldManager: 'kubectl',
        },
      ),
    );
    assert.equal(one.message, 'failed to create typed patch object (/web; apps/v1, Kind=Deployment): .bogus: field not declared in schema');
  });
});
