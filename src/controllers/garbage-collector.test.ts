// The collector's decisions and patches, without a server (the end-to-end cascades are in
// src/server/controllers.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import jsonpatch, { type Operation } from 'fast-json-patch';
import type { KubeObject } from '../api/resource-type.ts';
import { decideForDependent, type OwnerReference, ownerRefPatch } from './garbage-collector.ts';

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: uid,
  uid,
  ...extra,
});

const dependent = (refs: OwnerReference[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'dep', namespace: 'default', uid: 'dep-uid', ownerReferences: refs },
});

const apply = (obj: KubeObject, ops: object[]) => jsonpatch.applyPatch(structuredClone(obj), ops as Operation[], true, false).newDocument;

test('a dependent with no living owner is deleted; in the foreground when an owner waits for it', () => {
  assert.deepEqual(decideForDependent([ref('a')], ['absent']), { action: 'delete', anyWaiting: false });
  assert.deepEqual(decideForDependent([ref('a'), ref('b')], ['absent', 'waiting']), { action: 'delete', anyWaiting: true });
});

test('a dependent with one living owner stays, dropping gone owners and unblocking waiting ones', () => {
  const refs = [
    ref('gone'),
    ref('alive'),
    ref('waiting', { blockOwnerDeletion: true }),
    ref('waiting-unblocked', { blockOwnerDeletion: false }),
  ];
  assert.deepEqual(decideForDependent(refs, ['absent', 'solid', 'waiting', 'waiting']), {
    action: 'keep',
    removeUids: ['gone'],
    unblockUids: ['waiting'],
  });
  assert.deepEqual(decideForDependent([ref('alive')], ['solid']), { action: 'keep', removeUids: [], unblockUids: [] });
});

test('ownerRefPatch removes references by index from the end, guarded by uid tests', () => {
  const obj = dependent([ref('a'), ref('b'), ref('c'), ref('d')]);
  const patched = apply(obj, ownerRefPatch(obj, ['a', 'c'], ['d']));
  assert.deepEqual(
    patched.metadata!.ownerReferences.map((r: OwnerReference) => [r.uid, r.blockOwnerDeletion]),
    [
      ['b', undefined],
      ['d', false],
    ],
  );
});

test('ownerRefPatch removes the whole list when no reference is left', () => {
  const obj = dependent([ref('a'), ref('b')]);
  const patched = apply(obj, ownerRefPatch(obj, ['a', 'b'], []));
  assert.equal('ownerReferences' in patched.metadata!, false);
});

test('ownerRefPatch fails instead of removing the wrong reference when the object changed', () => {
  const seen = dependent([ref('a'), ref('b')]);
  const ops = ownerRefPatch(seen, ['b'], []);
  const changedSince = dependent([ref('b'), ref('a')]);
  assert.throws(() => apply(changedSince, ops));
  const replaced = { ...seen, metadata: { ...seen.metadata, uid: 'another-uid' } };
  assert.throws(() => apply(replaced, ops));
});

test('ownerRefPatch is empty when there is nothing to change', () => {
  assert.deepEqual(ownerRefPatch(dependent([ref('a')]), [], []), []);
});
