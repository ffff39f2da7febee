import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import { selfSubjectAccessReviews } from './selfsubjectaccessreview.ts';

test('exactly one kind of attributes is required', () => {
  assert.deepEqual(selfSubjectAccessReviews.validate!({ spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }), []);
  assert.equal(
    formatFieldErrors(selfSubjectAccessReviews.validate!({ spec: {} })),
    'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
  );
  assert.match(
    formatFieldErrors(
      selfSubjectAccessReviews.validate!({ spec: { resourceAttributes: {}, nonResourceAttributes: { path: '/healthz' } } }),
    ),
    /^spec\.nonResourceAttributes: Invalid value: .*: cannot be specified in combination with resourceAttributes$/,
  );
});

test('it is create-only and cluster-scoped', () => {
  assert.deepEqual(selfSubjectAccessReviews.verbs, ['create']);
  assert.equal(selfSubjectAccessReviews.namespaced, false);
});
