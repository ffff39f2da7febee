import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldError, formatFieldErrors } from '../field-errors.ts';
import {
  nameIsDNSLabel,
  nameIsPathSegment,
  validateAnnotations,
  validateFinalizers,
  validateLabelSelector,
  validateLabels,
  validateNonnegativeField,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateOwnerReferences,
} from './meta.ts';

const texts = (errs: Parameters<typeof formatFieldError>[0][]) => errs.map(formatFieldError);

test('valid namespaced metadata has no errors', () => {
  const meta = {
    name: 'web',
    namespace: 'default',
    labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
    annotations: { 'example.com/Note': 'hi' },
    finalizers: ['kubernetes.io/pvc-protection'],
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1', controller: true }],
  };
  assert.deepEqual(validateObjectMeta(meta, { namespaced: true }), []);
});

test('name or generateName is required', () => {
  assert.deepEqual(texts(validateObjectMeta({ namespace: 'default' }, { namespaced: true })), [
    'metadata.name: Required value: name or generateName is required',
  ]);
});

test('namespace required for namespaced kinds, forbidden for cluster-scoped ones', () => {
  assert.deepEqual(texts(validateObjectMeta({ name: 'a' }, { namespaced: true })), ['metadata.namespace: Required value']);
  assert.deepEqual(texts(validateObjectMeta({ name: 'a', namespace: 'x' }, { namespaced: false })), [
    'metadata.namespace: Forbidden: not allowed on this type',
  ]);
  assert.deepEqual(texts(validateObjectMeta({ name: 'a', namespace: 'Bad_NS' }, { namespaced: true })).length, 1);
});

test('name validity uses the default subdomain rule or the given validator', () => {
  const errs = validateObjectMeta({ name: 'Web' }, { namespaced: false });
  assert.equal(errs.length, 1);
  assert.match(formatFieldError(errs[0]), /^metadata\.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist/);
  assert.deepEqual(validateObjectMeta({ name: 'a.b' }, { namespaced: false }), []);
  assert.deepEqual(texts(validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameValidator: nameIsDNSLabel })), [
    'metadata.name: Invalid value: "a.b": must not contain dots',
  ]);
  assert.deepEqual(validateObjectMeta({ name: 'system:admin' }, { namespaced: false, nameValidator: nameIsPathSegment }), []);
  // One-argument validators are accepted too.
  assert.equal(validateObjectMeta({ name: 'x' }, { namespaced: false, nameValidator: () => ['nope'] }).length, 1);
});

test('a name unusable in a URL is reported once, before the kind rule', () => {
  assert.deepEqual(texts(validateObjectMeta({ name: 'a/b' }, { namespaced: false })), [
    `metadata.name: Invalid value: "a/b": may not contain '/'`,
  ]);
});

test('generateName may end with a dash', () => {
  assert.deepEqual(validateObjectMeta({ name: 'web-x7k2p', generateName: 'web-' }, { namespaced: false }), []);
  const errs = validateObjectMeta({ name: 'x', generateName: 'Web-' }, { namespaced: false });
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, 'metadata.generateName');
});

test('negative generation', () => {
  assert.deepEqual(texts(validateNonnegativeField(-1, 'spec.replicas')), [
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  ]);
  assert.deepEqual(validateNonnegativeField(0, 'x'), []);
  assert.deepEqual(texts(validateObjectMeta({ name: 'a', generation: -2 }, { namespaced: false })), [
    'metadata.generation: Invalid value: -2: must be greater than or equal to 0',
  ]);
});

test('labels: bad key and bad value', () => {
  const errs = texts(validateLabels({ 'bad key': 'ok', good: 'bad value' }, 'metadata.labels'));
  assert.equal(errs.length, 2);
  assert.match(errs[0], /^metadata\.labels: Invalid value: "bad key": name part must consist of alphanumeric characters/);
  assert.match(errs[1], /^metadata\.labels: Invalid value: "bad value": a valid label must be an empty string/);
  assert.deepEqual(validateLabels(undefined, 'x'), []);
});

test('annotations: keys case-insensitive, size capped at 256 KiB', () => {
  assert.deepEqual(validateAnnotations({ 'Example.COM/Thing': 'v' }, 'metadata.annotations'), []);
  assert.equal(validateAnnotations({ 'a b': 'v' }, 'metadata.annotations').length, 1);
  assert.deepEqual(validateAnnotations({ k: 'x'.repeat(262144 - 1) }, 'metadata.annotations'), []);
  assert.deepEqual(texts(validateAnnotations({ k: 'x'.repeat(262144) }, 'metadata.annotations')), [
    'metadata.annotations: Too long: may not be more than 262144 bytes',
  ]);
});

test('label selectors: operators and their value rules', () => {
  const ok = {
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['a', 'b'] },
      { key: 'env', operator: 'DoesNotExist' },
    ],
  };
  assert.deepEqual(validateLabelSelector(ok, 'spec.selector'), []);
  assert.deepEqual(validateLabelSelector(null, 'spec.selector'), []);
  const bad = {
    matchExpressions: [
      { key: 'a', operator: 'In', values: [] },
      { key: 'b', operator: 'Exists', values: ['x'] },
      { key: 'c', operator: 'Equals', values: ['x'] },
      { key: 'd', operator: 'NotIn', values: ['bad value'] },
    ],
  };
  const errs = texts(validateLabelSelector(bad, 'spec.selector'));
  assert.equal(errs.length, 4);
  assert.equal(errs[0], "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
  assert.equal(
    errs[1],
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
  );
  assert.equal(errs[2], 'spec.selector.matchExpressions[2].operator: Invalid value: "Equals": not a valid selector operator');
  assert.match(errs[3], /^spec\.selector\.matchExpressions\[3\]\.values\[0\]: Invalid value: "bad value"/);
  assert.equal(validateLabelSelector({ matchLabels: { '-x': 'y' } }, 's')[0].field, 's.matchLabels');
});

test('owner references', () => {
  const errs = texts(validateOwnerReferences([{ apiVersion: '', kind: '', name: '', uid: '' }], 'metadata.ownerReferences'));
  assert.deepEqual(errs, [
    'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
    'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
    'metadata.ownerReferences.name: Invalid value: "": must not be empty',
    'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
  ]);
  const two = validateOwnerReferences(
    [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
    ],
    'metadata.ownerReferences',
  );
  assert.equal(two.length, 1);
  assert.equal(
    two[0].detail,
    'Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
  );
  const event = validateOwnerReferences([{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: '1' }], 'o');
  assert.equal(event[0].detail, '/v1, Kind=Event is disallowed from being an owner');
});

test('finalizers', () => {
  assert.deepEqual(validateFinalizers(['kubernetes', 'example.com/x'], 'metadata.finalizers'), []);
  assert.equal(validateFinalizers(['a/b/c'], 'metadata.finalizers').length, 1);
  assert.deepEqual(texts(validateFinalizers(['orphan', 'foregroundDeletion'], 'metadata.finalizers')), [
    'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
  ]);
});

test('update: identity fields are immutable', () => {
  const old = { name: 'a', namespace: 'ns', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', resourceVersion: '5' };
  assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { x: 'y' } }, old), []);
  const errs = texts(validateObjectMetaUpdate({ ...old, name: 'b', uid: 'u2', creationTimestamp: '2025-01-01T00:00:00Z' }, old));
  assert.deepEqual(errs, [
    'metadata.name: Invalid value: "b": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
    'metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable',
  ]);
  assert.equal(
    formatFieldErrors(validateObjectMetaUpdate({ ...old, namespace: 'other' }, old)),
    'metadata.namespace: Invalid value: "other": field is immutable',
  );
});

test('update: no new finalizers once deletion started; generation never decreases', () => {
  const old = { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['a.io/x'], generation: 3 };
  assert.deepEqual(validateObjectMetaUpdate({ ...old, finalizers: [] }, old), []);
  assert.deepEqual(texts(validateObjectMetaUpdate({ ...old, finalizers: ['a.io/x', 'b.io/y'] }, old)), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
  ]);
  assert.deepEqual(texts(validateObjectMetaUpdate({ ...old, generation: 2 }, old)), [
    'metadata.generation: Invalid value: 2: must not be decremented',
  ]);
});
