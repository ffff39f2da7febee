// fieldsChangedBy computes changed fields in one walk per object; this checks it against the
// straightforward definition (collect paths, then look every leaf up with valueAt) on many
// generated pairs of objects, including duplicate keys, object-valued set items and empties.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { type FieldPath, FieldSet } from './field-path.ts';
import { isObject, type JsonObject, jsonEqual } from './json-value.ts';
import { fieldsChangedBy } from './managed-fields.ts';
import { fieldSetOf, itemKey, valueAt } from './object-fields.ts';
import { applyListKind, childSchema, isAnySchema, isMapSchema, itemSchema, type NodeSchema, rootSchema } from './schema-lookup.ts';
import { registerTestDeployment, testDeployment } from './testing-schema.ts';

registerTestDeployment();
const schema = rootSchema(testDeployment);

// ---- the reference: paths as arrays, server-owned fields removed afterwards ----

const serverOwned: FieldPath[] = [
  [{ field: 'apiVersion' }],
  [{ field: 'kind' }],
  ...['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'managedFields'].map((f) => [
    { field: 'metadata' },
    { field: f },
  ]),
];

function referenceCollect(value: unknown, s: NodeSchema, path: FieldPath, set: FieldSet): void {
  if (isObject(value) && !isAnySchema(s)) {
    const keys = Object.keys(value);
    if (keys.length === 0 || isMapSchema(s)) set.add(path);
    for (const k of keys) referenceCollect(value[k], childSchema(s, k), [...path, { field: k }], set);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const list = applyListKind(s);
    if (list.kind === 'set') {
      for (const v of value) set.add([...path, { value: v }]);
      return;
    }
    if (list.kind === 'associative' && value.every(isObject)) {
      const items = itemSchema(s);
      for (const item of value as JsonObject[]) {
        const itemPath = [...path, { key: itemKey(item, list.keys) }];
        set.add(itemPath);
        for (const k of Object.keys(item)) referenceCollect(item[k], childSchema(items, k), [...itemPath, { field: k }], set);
      }
      return;
    }
  }
  set.add(path);
}

function referenceFieldSet(obj: unknown): FieldSet {
  const set = new FieldSet();
  referenceCollect(obj, schema, [], set);
  for (const p of serverOwned) set.removeSubtree(p);
  return set;
}

function referenceChanged(old: KubeObject | undefined, updated: KubeObject): FieldSet {
  const oldFields = old ? referenceFieldSet(old) : new FieldSet();
  const newFields = referenceFieldSet(updated);
  const changed = new FieldSet();
  for (const path of newFields.paths()) {
    if (!oldFields.has(path)) changed.add(path);
    else if (!newFields.hasDescendant(path) && !jsonEqual(valueAt(old, schema, path), valueAt(updated, schema, path))) changed.add(path);
  }
  return changed;
}

// ---- generated objects ----

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(random: () => number): KubeObject {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const maybe = (p = 0.5) => random() < p;
  const scalar = () => pick<unknown>(['a', 'b', 1, 2, true, null, '', 0]);
  const container = () => {
    const c: JsonObject = {};
    if (maybe(0.9)) c.name = pick(['nginx', 'side', 'init']);
    if (maybe()) c.image = pick(['nginx:1', 'nginx:2', 'busybox']);
    if (maybe(0.3)) c.args = pick([[], ['-g'], ['-g', 'x'], [{ a: 1 }]]);
    if (maybe(0.3)) c.env = pick([[], [{ name: 'A', value: '1' }], [{ name: 'A' }, { name: 'A', value: '2' }]]);
    if (maybe(0.4)) {
      c.ports = Array.from({ length: Math.floor(random() * 3) }, () => ({
        containerPort: pick([80, 443, { x: 1 }]),
        ...(maybe() ? { protocol: pick(['TCP', 'UDP']) } : {}),
        ...(maybe(0.3) ? { name: pick(['http', 'https']) } : {}),
      }));
    }
    if (maybe(0.1)) c.extra = { nested: scalar() };
    return c;
  };
  const labels = () =>
    maybe(0.2)
      ? {}
      : Object.fromEntries(Array.from({ length: Math.floor(random() * 3) }, () => [pick(['app', 'tier', 'x']), pick(['web', 'db'])]));
  const obj: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} };
  const meta = obj.metadata!;
  if (maybe(0.8)) meta.name = 'web';
  if (maybe()) meta.uid = pick(['u1', 'u2']);
  if (maybe()) meta.labels = labels();
  if (maybe(0.3)) meta.annotations = labels();
  if (maybe(0.3)) meta.finalizers = pick([[], ['a/b'], ['a/b', 'a/b'], ['a/b', 'c'], [{ o: 1 }], [Number.NaN]]);
  if (maybe(0.2)) meta.managedFields = [{ manager: 'x', fieldsV1: { 'f:spec': {} } }];
  if (maybe(0.9)) {
    obj.spec = {};
    if (maybe()) obj.spec.replicas = pick([1, 2, 3]);
    if (maybe(0.2)) obj.spec.paused = pick([true, false]);
    if (maybe()) obj.spec.selector = { matchLabels: labels() };
    if (maybe(0.8)) {
      obj.spec.template = { metadata: maybe() ? { labels: labels() } : {}, spec: {} };
      if (maybe(0.9)) obj.spec.template.spec.containers = Array.from({ length: Math.floor(random() * 3) }, container);
    }
    if (maybe(0.1)) obj.spec.unknownField = pick([{}, { a: [1, 2] }, 'x']);
  }
  if (maybe(0.3)) obj.status = maybe() ? { replicas: pick([0, 1]) } : {};
  return obj;
}

/** A copy of `obj` with a few random changes, so pairs share most of their fields. */
function mutate(obj: KubeObject, random: () => number): KubeObject {
  const copy = structuredClone(obj);
  const other = generate(random);
  for (const key of ['metadata', 'spec', 'status'] as const) if (random() < 0.3) copy[key] = other[key];
  if (random() < 0.3 && copy.spec?.template?.spec?.containers?.length) copy.spec.template.spec.containers[0].image = 'changed';
  if (random() < 0.2 && copy.metadata?.labels) copy.metadata.labels.app = 'changed';
  return copy;
}

const sorted = (set: FieldSet) => [...set.encodedMembers()].sort();

describe('fieldsChangedBy', () => {
  it('matches the path-by-path definition on generated objects', () => {
    const random = prng(42);
    for (let i = 0; i < 3000; i++) {
      const old = random() < 0.1 ? undefined : generate(random);
      const updated = old && random() < 0.8 ? mutate(old, random) : generate(random);
      const context = `case ${i}: ${JSON.stringify({ old, updated })}`;
      const { changed, removed } = fieldsChangedBy(old, updated, schema);
      assert.deepEqual(sorted(changed), sorted(referenceChanged(old, updated)), context);
      const expectedRemoved = old ? referenceFieldSet(old).difference(referenceFieldSet(updated)) : new FieldSet();
      assert.deepEqual(sorted(removed), sorted(expectedRemoved), context);
      assert.deepEqual(sorted(fieldSetOf(updated, schema)), sorted(referenceFieldSet(updated)), context);
    }
  });

  it('reports a changed leaf, a new field and a removed one', () => {
    const old: KubeObject = { metadata: { name: 'a', labels: { app: 'web' } }, spec: { replicas: 1, paused: true } };
    const updated: KubeObject = { metadata: { name: 'a', labels: { app: 'web', tier: 'x' } }, spec: { replicas: 2 } };
    const { changed, removed } = fieldsChangedBy(old, updated, schema);
    assert.deepEqual(sorted(changed), ['["f:metadata","f:labels","f:tier"]', '["f:spec","f:replicas"]']);
    assert.deepEqual(sorted(removed), ['["f:spec","f:paused"]']);
  });
});
