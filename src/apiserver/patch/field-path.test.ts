import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FieldPath, FieldSet, formatPath } from './field-path.ts';

const replicas: FieldPath = [{ field: 'spec' }, { field: 'replicas' }];
const nginx: FieldPath = [{ field: 'spec' }, { field: 'containers' }, { key: { name: 'nginx' } }];
const nginxImage: FieldPath = [...nginx, { field: 'image' }];

describe('FieldSet', () => {
  it('encodes FieldsV1 the way Kubernetes writes it', () => {
    const set = FieldSet.of([replicas, nginx, nginxImage, [...nginx, { field: 'name' }]]);
    assert.deepEqual(set.toFieldsV1(), {
      'f:spec': {
        'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
        'f:replicas': {},
      },
    });
  });

  it('sorts key fields inside k: and writes set items as v:', () => {
    const set = FieldSet.of([
      [{ field: 'ports' }, { key: { protocol: 'TCP', containerPort: 80 } }],
      [{ field: 'metadata' }, { field: 'finalizers' }, { value: 'example.com/x' }],
    ]);
    assert.deepEqual(set.toFieldsV1(), {
      'f:metadata': { 'f:finalizers': { 'v:"example.com/x"': {} } },
      'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': {} },
    });
  });

  it('decodes FieldsV1 back to the same members', () => {
    const fieldsV1 = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {} } }, 'f:replicas': {} },
    };
    const set = FieldSet.fromFieldsV1(fieldsV1);
    assert.equal(set.size, 5);
    assert.ok(set.has(replicas));
    assert.ok(set.has(nginx));
    assert.ok(set.has([{ field: 'metadata' }, { field: 'labels' }]));
    assert.ok(!set.has([{ field: 'spec' }]));
    assert.deepEqual(set.toFieldsV1(), fieldsV1);
  });

  it('knows descendants, unions, differences and subtrees', () => {
    const a = FieldSet.of([replicas, nginxImage]);
    const b = FieldSet.of([nginxImage]);
    assert.ok(a.hasDescendant([{ field: 'spec' }]));
    assert.ok(!a.hasDescendant(replicas));
    assert.ok(a.covers(nginx));
    assert.ok(a.difference(b).equals(FieldSet.of([replicas])));
    assert.equal(a.union(FieldSet.of([nginx])).size, 3);
    const c = a.copy();
    c.removeSubtree([{ field: 'spec' }, { field: 'containers' }]);
    assert.ok(c.equals(FieldSet.of([replicas])));
    assert.equal(a.size, 2, 'copy is independent');
  });

  it('does not treat a field whose name extends another as its descendant', () => {
    const set = FieldSet.of([[{ field: 'spec' }, { field: 'replicasExtra' }]]);
    assert.ok(!set.hasDescendant(replicas));
  });
});

describe('formatPath', () => {
  it('prints paths like Kubernetes conflict messages', () => {
    assert.equal(formatPath(replicas), '.spec.replicas');
    assert.equal(formatPath(nginxImage), '.spec.containers[name="nginx"].image');
    assert.equal(
      formatPath([{ field: 'ports' }, { key: { protocol: 'TCP', containerPort: 80 } }]),
      '.ports[containerPort=80,protocol="TCP"]',
    );
    assert.equal(formatPath([{ field: 'finalizers' }, { value: 'x' }]), '.finalizers[="x"]');
    assert.equal(formatPath([{ field: 'args' }, { index: 2 }]), '.args[2]');
  });
});
