import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import { leases } from './lease.ts';

test('durations must be positive and a preferred holder needs a strategy', () => {
  assert.deepEqual(leases.validate!({ spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } }), []);
  assert.equal(
    formatFieldErrors(leases.validate!({ spec: { leaseDurationSeconds: 0, preferredHolder: 'b' } })),
    '[spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined]',
  );
});

test('the table shows the holder', () => {
  const obj = { metadata: { name: 'node-1', creationTimestamp: '2025-01-01T00:00:00Z' }, spec: { holderIdentity: 'node-1' } };
  assert.deepEqual(
    leases.table!.columns.map((c) => c.name),
    ['Name', 'Holder', 'Age'],
  );
  assert.deepEqual(leases.table!.row(obj, new Date('2025-01-01T00:00:03Z')), ['node-1', 'node-1', '3s']);
  assert.deepEqual(leases.table!.row({ metadata: { name: 'free' }, spec: {} }, new Date())[1], '');
});
