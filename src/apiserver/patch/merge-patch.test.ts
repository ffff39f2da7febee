import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatchError } from './errors.ts';
import { applyMergePatch } from './merge-patch.ts';

describe('json merge patch', () => {
  it('merges objects, deletes nulls and replaces lists (kubectl label / scale bodies)', () => {
    const original = { metadata: { name: 'p', labels: { a: '1', b: '2' } }, spec: { replicas: 1, ports: [1, 2] } };
    const out = applyMergePatch(original, { metadata: { labels: { b: null, k: 'v' } }, spec: { replicas: 5, ports: [3] } });
    assert.deepEqual(out, { metadata: { name: 'p', labels: { a: '1', k: 'v' } }, spec: { replicas: 5, ports: [3] } });
  });

  it('does not modify the original', () => {
    const original = { spec: { replicas: 1, nested: { a: 1 } } };
    applyMergePatch(original, { spec: { replicas: 2, nested: { a: null } } });
    assert.deepEqual(original, { spec: { replicas: 1, nested: { a: 1 } } });
  });

  it('passes RFC 7386 appendix A examples that apply to objects', () => {
    assert.deepEqual(applyMergePatch({ a: 'b' }, { a: 'c' }), { a: 'c' });
    assert.deepEqual(applyMergePatch({ a: 'b' }, { b: 'c' }), { a: 'b', b: 'c' });
    assert.deepEqual(applyMergePatch({ a: 'b', b: 'c' }, { a: null }), { b: 'c' });
    assert.deepEqual(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
    assert.deepEqual(applyMergePatch({ a: 'foo' }, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
  });

  it('rejects a patch that is not an object with 400', () => {
    assert.throws(
      () => applyMergePatch({ a: 1 }, ['x']),
      (err) => err instanceof PatchError && err.code === 400,
    );
  });
});
