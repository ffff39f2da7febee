import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatchError } from './errors.ts';
import { applyJsonPatch } from './json-patch.ts';

const deployment = () => ({
  metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '2' } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
});

function failure(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PatchError);
    return err;
  }
  assert.fail('expected a PatchError');
}

describe('json patch', () => {
  it('names the operation, not the runtime error, when an operation breaks the document', () => {
    const doc = deployment();
    const err = failure(() =>
      applyJsonPatch(doc, [
        { op: 'add', path: '/metadata/labels', value: {} },
        { op: 'move', from: '/spec', path: '/spec/x' },
      ]),
    );
    assert.equal(err.message, 'json patch operation 1 (move /spec/x) failed: the operation cannot be applied to the object');
    assert.deepEqual(doc, deployment(), 'the original is untouched');
  });

  it('applies add, replace, remove, copy, move and test in order', () => {
    const out = applyJsonPatch(deployment(), [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/labels', value: { app: 'web' } },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'side', image: 'busybox' } },
      { op: 'copy', from: '/metadata/labels', path: '/spec/selector' },
      { op: 'move', from: '/spec/selector', path: '/spec/matchLabels' },
      { op: 'remove', path: '/metadata/annotations/deployment.kubernetes.io~1revision' },
    ]);
    assert.equal(out.spec.replicas, 3);
    assert.deepEqual(out.metadata, { name: 'web', labels: { app: 'web' }, annotations: {} });
    assert.deepEqual((out.spec as Record<string, unknown>).matchLabels, { app: 'web' });
    assert.equal(out.spec.template.spec.containers[1].name, 'side');
  });

  it('applies the rollout undo body (replace template and annotations)', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.24' }] } };
    const out = applyJsonPatch(deployment(), [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '2' } },
    ]);
    assert.deepEqual(out.spec.template, template);
  });

  it('leaves the original untouched, also when a later operation fails', () => {
    const original = deployment();
    failure(() =>
      applyJsonPatch(original, [
        { op: 'replace', path: '/spec/replicas', value: 7 },
        { op: 'replace', path: '/spec/missing', value: 1 },
      ]),
    );
    assert.deepEqual(original, deployment());
  });

  it('answers 422 Invalid for replace on a missing path, naming the operation', () => {
    const err = failure(() => applyJsonPatch({ metadata: { name: 'x' } }, [{ op: 'replace', path: '/metadata/annotations', value: {} }]));
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.match(err.message, /operation 0 \(replace \/metadata\/annotations\).*does not exist/);
  });

  it('answers 422 for a failed test operation and for remove of a missing path', () => {
    assert.equal(failure(() => applyJsonPatch(deployment(), [{ op: 'test', path: '/spec/replicas', value: 2 }])).code, 422);
    assert.equal(failure(() => applyJsonPatch(deployment(), [{ op: 'remove', path: '/spec/nope' }])).code, 422);
  });

  it('answers 422 for an unknown operation', () => {
    assert.equal(failure(() => applyJsonPatch(deployment(), [{ op: 'frobnicate', path: '/spec' }])).code, 422);
  });

  it('answers 400 when the body is not a list of operations', () => {
    const err = failure(() => applyJsonPatch(deployment(), { op: 'add', path: '/a', value: 1 }));
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
  });

  it('answers 413 for more than 10000 operations', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/spec/replicas', value: 1 }));
    assert.equal(failure(() => applyJsonPatch(deployment(), ops)).code, 413);
  });
});
