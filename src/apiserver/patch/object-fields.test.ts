import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteAt, fieldSetOf, valueAt } from './object-fields.ts';
import { rootSchema } from './schema-lookup.ts';
import { registerTestDeployment, testDeployment } from './testing-schema.ts';

registerTestDeployment();
const schema = rootSchema(testDeployment);

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', uid: 'u1', labels: { app: 'web' }, finalizers: ['a/b'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx', args: ['-g', 'x'], ports: [{ containerPort: 80, protocol: 'TCP' }] },
          { name: 'side', image: 'busybox', env: [] },
        ],
      },
    },
  },
});

describe('fieldSetOf', () => {
  it('lists leaves, map members, list items by key and set items by value; skips server-owned fields', () => {
    assert.deepEqual(fieldSetOf(deployment(), schema).toFieldsV1(), {
      'f:metadata': { 'f:finalizers': { 'v:"a/b"': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': { 'f:matchLabels': { '.': {}, 'f:app': {} } },
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:args': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
              },
              'k:{"name":"side"}': { '.': {}, 'f:env': {}, 'f:image': {}, 'f:name': {} },
            },
          },
        },
      },
    });
  });
});

describe('valueAt / deleteAt', () => {
  const image = [
    { field: 'spec' },
    { field: 'template' },
    { field: 'spec' },
    { field: 'containers' },
    { key: { name: 'side' } },
    { field: 'image' },
  ];

  it('reads through keyed list items', () => {
    assert.equal(valueAt(deployment(), schema, image), 'busybox');
    assert.equal(valueAt(deployment(), schema, [{ field: 'spec' }, { field: 'nope' }]), undefined);
    assert.equal(valueAt(deployment(), schema, [...image.slice(0, 4), { key: { name: 'other' } }]), undefined);
  });

  it('deletes fields, keyed items and set values in place', () => {
    const obj = deployment();
    deleteAt(obj, schema, image);
    deleteAt(obj, schema, [...image.slice(0, 4), { key: { name: 'nginx' } }]);
    deleteAt(obj, schema, [{ field: 'metadata' }, { field: 'finalizers' }, { value: 'a/b' }]);
    deleteAt(obj, schema, [{ field: 'spec' }, { field: 'missing' }]);
    assert.deepEqual(obj.spec.template.spec.containers, [{ name: 'side', env: [] }]);
    assert.deepEqual(obj.metadata.finalizers, []);
  });
});
