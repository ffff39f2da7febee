import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { PatchError } from './errors.ts';
import { conflictCauses, recordUpdate } from './managed-fields.ts';
import { applyPatch } from './server-side-apply.ts';
import { registerTestDeployment, testDeployment } from './testing-schema.ts';

registerTestDeployment();
const now = new Date('2024-05-01T10:00:00Z');
const apply = (live: KubeObject | undefined, config: KubeObject, manager = 'kubectl', force = false) =>
  applyPatch(live, config, manager, force, testDeployment, { now });

const config = (image = 'nginx:1.25', extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 2,
    template: { spec: { containers: [{ name: 'nginx', image, ...extra }] } },
  },
});

/** What the API server would store after an apply: the object plus a uid (server-owned). */
function created(): KubeObject {
  const { object, conflicts } = apply(undefined, config());
  assert.deepEqual(conflicts, []);
  object.metadata!.uid = 'uid-1';
  return object;
}

const managers = (obj: KubeObject) =>
  obj.metadata?.managedFields.map((e: { manager: string; operation: string }) => `${e.manager}/${e.operation}`);

describe('server-side apply', () => {
  it('creates the object and records an Apply entry with the applied fields', () => {
    const { object } = apply(undefined, config());
    assert.equal(object.spec.template.spec.containers[0].image, 'nginx:1.25');
    assert.deepEqual(object.metadata?.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
          },
        },
      },
    ]);
  });

  it('updates its own fields without conflicts and leaves live untouched', () => {
    const live = created();
    const before = structuredClone(live);
    const { object, conflicts } = apply(live, config('nginx:1.26'));
    assert.deepEqual(conflicts, []);
    assert.equal(object.spec.template.spec.containers[0].image, 'nginx:1.26');
    assert.equal(object.metadata?.uid, 'uid-1');
    assert.deepEqual(live, before);
  });

  it('removes fields and list items the manager no longer applies', () => {
    const withSidecar = config();
    withSidecar.spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
    const live = apply(created(), withSidecar).object;
    assert.equal(live.spec.template.spec.containers.length, 2);

    const smaller = config();
    delete smaller.spec.replicas;
    const { object } = apply(live, smaller);
    assert.deepEqual(
      object.spec.template.spec.containers.map((c: { name: string }) => c.name),
      ['nginx'],
    );
    assert.equal('replicas' in object.spec, false);
    assert.ok(!JSON.stringify(object.metadata?.managedFields).includes('side'));
  });

  it('keeps fields it stops applying while another manager owns them', () => {
    const live = created();
    const scaled = structuredClone(live);
    scaled.spec.replicas = 4;
    const afterScale = recordUpdate(live, scaled, 'kubectl-scale', 'apps/v1', { defName: testDeployment, now });
    const smaller = config();
    delete smaller.spec.replicas;
    const { object } = apply(afterScale, smaller);
    assert.equal(object.spec.replicas, 4);
  });

  it('reports a conflict when another manager owns a field it would change', () => {
    const byClientSideApply = recordUpdate(
      undefined,
      { ...config(), spec: { ...config().spec, replicas: 3 } },
      'kubectl-client-side-apply',
      'apps/v1',
      {
        defName: testDeployment,
        now,
      },
    );
    const { object, conflicts } = apply(byClientSideApply, { ...config(), spec: { ...config().spec, replicas: 5 } });
    assert.equal(object, byClientSideApply, 'nothing changes on conflict');
    assert.deepEqual(conflictCauses(conflicts), [
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
    ]);
  });

  it('shares ownership instead of conflicting when the value is the same', () => {
    const byOther = recordUpdate(undefined, config(), 'other', 'apps/v1', { defName: testDeployment, now });
    const { object, conflicts } = apply(byOther, config());
    assert.deepEqual(conflicts, []);
    assert.deepEqual(managers(object), ['other/Update', 'kubectl/Apply']);
    assert.ok('f:replicas' in object.metadata!.managedFields[0].fieldsV1['f:spec']);
  });

  it('takes ownership with force', () => {
    const byOther = recordUpdate(undefined, config(), 'other', 'apps/v1', { defName: testDeployment, now });
    const { object, conflicts } = apply(byOther, config('nginx:2'), 'kubectl', true);
    assert.deepEqual(conflicts, []);
    assert.equal(object.spec.template.spec.containers[0].image, 'nginx:2');
    const other = object.metadata!.managedFields[0];
    assert.equal(other.manager, 'other');
    const nginx = other.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}'];
    assert.equal('f:image' in nginx, false, 'the other manager lost the image');
    assert.ok('f:name' in nginx);
  });

  it('conflicts between two appliers name the other applier without an API version', () => {
    const live = created();
    const { conflicts } = apply(live, config('nginx:9'), 'ci-bot');
    assert.deepEqual(conflictCauses(conflicts), [
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.template.spec.containers[name="nginx"].image' },
    ]);
  });

  it('matches a port the server defaulted a key field on, instead of adding a duplicate', () => {
    const live = apply(undefined, config('nginx', { ports: [{ containerPort: 80 }] })).object;
    live.spec.template.spec.containers[0].ports[0].protocol = 'TCP'; // defaulting
    const { object, conflicts } = apply(live, config('nginx', { ports: [{ containerPort: 80, name: 'http' }] }));
    assert.deepEqual(conflicts, []);
    assert.deepEqual(object.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP', name: 'http' }]);
  });

  it('removes a field applied as null and does not own it', () => {
    const { object } = apply(created(), { ...config(), spec: { ...config().spec, replicas: null } });
    assert.equal('replicas' in object.spec, false);
    assert.equal('f:replicas' in object.metadata!.managedFields[0].fieldsV1['f:spec'], false);
  });

  it('handles the kubectl-last-applied follow-up apply of just the annotation', () => {
    const live = created();
    live.metadata!.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const { object } = apply(
      live,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"a":1}' } },
      },
      'kubectl-last-applied',
    );
    assert.equal(object.metadata?.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"a":1}');
    assert.equal(object.spec.replicas, 2);
    assert.deepEqual(managers(object), ['kubectl/Apply', 'kubectl-last-applied/Apply']);
  });

  it('ignores the fields the endpoint resets (status on the main resource)', () => {
    const withStatus = { ...config(), status: { replicas: 7 } };
    const { object } = applyPatch(created(), withStatus, 'kubectl', false, testDeployment, { now, ignoreFields: ['status'] });
    assert.equal(object.status, undefined);
  });

  it('rejects an applied configuration that carries managedFields', () => {
    const bad = config();
    bad.metadata!.managedFields = [{ manager: 'x' }];
    assert.throws(
      () => apply(undefined, bad),
      (err) => err instanceof PatchError && err.code === 400,
    );
  });
});

describe('server-side apply: hostile input', () => {
  it('ignores __proto__ keys instead of touching prototypes', () => {
    const applied = JSON.parse(
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"__proto__":{"polluted":true}}}',
    );
    const { object } = apply(created(), applied);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(object.spec), Object.prototype);
  });
});

describe('server-side apply after client-side apply (kubectl apply --server-side)', () => {
  const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
  /** What `kubectl apply` (client-side) leaves: its config in the annotation, its fields as an Update. */
  const clientSideApplied = (replicas: number, liveReplicas = replicas): KubeObject => {
    const applied = { ...config(), spec: { ...config().spec, replicas } };
    const live = structuredClone(applied);
    live.spec.replicas = liveReplicas;
    live.metadata = { ...live.metadata, annotations: { [LAST_APPLIED]: JSON.stringify(applied) } };
    return recordUpdate(undefined, live, 'kubectl-client-side-apply', 'apps/v1', { defName: testDeployment, now });
  };
  const withReplicas = (replicas: number) => ({ ...config(), spec: { ...config().spec, replicas } });

  it('takes over the fields client-side apply last applied, without conflicts, and rewrites the annotation', () => {
    const { object, conflicts } = apply(clientSideApplied(3), withReplicas(5));
    assert.deepEqual(conflicts, []);
    assert.equal(object.spec.replicas, 5);
    assert.deepEqual(JSON.parse(object.metadata?.annotations[LAST_APPLIED]), withReplicas(5));
  });

  it('still conflicts where the live value is no longer the one last applied, or for another manager', () => {
    // Scaled by someone else since: the live value is theirs.
    assert.equal(apply(clientSideApplied(3, 4), withReplicas(5)).conflicts.length, 1);
    assert.equal(apply(clientSideApplied(3), withReplicas(5), 'my-tool').conflicts.length, 1);
  });

  it('leaves an object without the annotation as it is', () => {
    const { object } = apply(created(), withReplicas(5));
    assert.equal(object.metadata?.annotations?.[LAST_APPLIED], undefined);
  });
});
