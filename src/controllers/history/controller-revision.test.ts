import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { revisionsToPrune } from './controller-history.ts';
import {
  applyRevision,
  CONTROLLER_REVISION_HASH_LABEL,
  canonicalJson,
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  fnv32,
  hashControllerRevision,
  newControllerRevision,
  nextRevision,
  safeEncodeString,
  sortControllerRevisions,
  templateOfRevision,
  templatePatch,
} from './controller-revision.ts';

const owner: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
  spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
};

const revision = (name: string, number: number, created = '2024-01-01T00:00:00Z', data: unknown = {}): KubeObject => ({
  metadata: { name, creationTimestamp: created },
  revision: number,
  data,
});

describe('hashing', () => {
  test('fnv32 is FNV-1 (multiply, then xor), as Go fnv.New32', () => {
    assert.equal(fnv32(Buffer.from('')), 0x811c9dc5);
    assert.equal(fnv32(Buffer.from('a')), 0x050c5d7e);
    assert.equal(fnv32(Buffer.from('foobar')), 0x31f0b262);
  });

  test('safeEncodeString maps characters onto the vowel-free alphabet', () => {
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
    assert.match(safeEncodeString(String(fnv32(Buffer.from('x')))), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  test('canonicalJson sorts keys at every level and escapes HTML characters like Go', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: '<&>' } }),
      '{"a":{"c":"\\u003c\\u0026\\u003e","d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  test('the hash depends on the data and on the collision count, not on key order', () => {
    const a = hashControllerRevision({ x: 1, y: 2 }, 0);
    assert.equal(hashControllerRevision({ y: 2, x: 1 }, 0), a);
    assert.notEqual(hashControllerRevision({ x: 1, y: 3 }, 0), a);
    assert.notEqual(hashControllerRevision({ x: 1, y: 2 }, 1), a);
  });

  test('names are "<owner>-<hash>" with the owner part capped at 223 characters', () => {
    assert.equal(controllerRevisionName('web', 'abc'), 'web-abc');
    assert.equal(controllerRevisionName('x'.repeat(300), 'h').length, 225);
  });
});

describe('revisions', () => {
  test('newControllerRevision records the template as a replace patch, labelled and owned', () => {
    const data = templatePatch(owner);
    const rev = newControllerRevision(owner, { apiVersion: 'apps/v1', kind: 'StatefulSet' }, { app: 'web' }, data, 4, 0);
    const hash = hashControllerRevision(data, 0);
    assert.equal(rev.metadata?.name, `web-${hash}`);
    assert.deepEqual(rev.metadata?.labels, { app: 'web', [CONTROLLER_REVISION_HASH_LABEL]: hash });
    assert.deepEqual(rev.metadata?.ownerReferences, [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
    ]);
    assert.equal(rev.revision, 4);
    assert.equal(rev.data.spec.template.$patch, 'replace');
    assert.deepEqual(templateOfRevision(rev), owner.spec.template);
  });

  test('applyRevision swaps in the recorded template without touching the owner', () => {
    const old = newControllerRevision(owner, { apiVersion: 'apps/v1', kind: 'StatefulSet' }, {}, templatePatch(owner), 1);
    const changed = structuredClone(owner);
    changed.spec.template.spec.containers[0].image = 'nginx:2';
    const applied = applyRevision(changed, old);
    assert.equal(applied.spec.template.spec.containers[0].image, 'nginx');
    assert.equal(changed.spec.template.spec.containers[0].image, 'nginx:2');
  });

  test('equality compares data only; findEqualRevisions keeps order', () => {
    const a = revision('a', 1, undefined, { spec: { x: 1 } });
    const b = revision('b', 2, undefined, { spec: { x: 2 } });
    const c = revision('c', 3, undefined, { spec: { x: 1 } });
    assert.ok(equalRevision(a, c));
    assert.ok(!equalRevision(a, b));
    assert.ok(!equalRevision(a, undefined));
    assert.deepEqual(
      findEqualRevisions([a, b, c], revision('n', 9, undefined, { spec: { x: 1 } })).map((r) => r.metadata?.name),
      ['a', 'c'],
    );
  });

  test('sorting is by revision, then creation time, then name; nextRevision is max + 1', () => {
    const list = [
      revision('z', 2, '2024-01-01T00:00:00Z'),
      revision('b', 1, '2024-01-02T00:00:00Z'),
      revision('a', 1, '2024-01-02T00:00:00Z'),
      revision('c', 1, '2024-01-01T00:00:00Z'),
    ];
    assert.deepEqual(
      sortControllerRevisions(list).map((r) => r.metadata?.name),
      ['c', 'a', 'b', 'z'],
    );
    assert.equal(nextRevision(list), 3);
    assert.equal(nextRevision([]), 1);
  });

  test('revisionsToPrune removes the oldest non-live revisions beyond the limit', () => {
    const list = [revision('r1', 1), revision('r2', 2), revision('r3', 3), revision('r4', 4), revision('r5', 5)];
    const live = new Set(['r1', 'r5']);
    assert.deepEqual(
      revisionsToPrune(list, live, 1).map((r) => r.metadata?.name),
      ['r2', 'r3'],
    );
    assert.deepEqual(revisionsToPrune(list, live, 3), []);
    assert.equal(revisionsToPrune(list, new Set(), 0).length, 5);
  });
});
