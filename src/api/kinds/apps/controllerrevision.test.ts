import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import { controllerRevisions } from './controllerrevision.ts';

test('data is mandatory and immutable', () => {
  assert.equal(formatFieldErrors(controllerRevisions.validate!({ revision: 1 })), 'data: Required value: data is mandatory');
  assert.equal(
    formatFieldErrors(controllerRevisions.validateUpdate!({ data: { a: 2 }, revision: 1 }, { data: { a: 1 }, revision: 1 })),
    'data: Invalid value: {"a":2}: field is immutable',
  );
});

test('the Controller column names the controlling owner as kind.group/name', () => {
  const obj = {
    metadata: {
      name: 'web-7d9f',
      creationTimestamp: '2025-01-01T00:00:00Z',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }],
    },
    revision: 2,
  };
  assert.deepEqual(controllerRevisions.table!.row(obj, new Date('2025-01-01T00:00:05Z')), ['web-7d9f', 'statefulset.apps/web', 2, '5s']);
  assert.equal(controllerRevisions.table!.row({ metadata: { name: 'x' }, revision: 1 }, new Date())[1], '<none>');
});
