import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import { podDisruptionBudgets } from './poddisruptionbudget.ts';

test('minAvailable and maxUnavailable are exclusive and bounded', () => {
  const both = { spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } };
  assert.match(
    formatFieldErrors(podDisruptionBudgets.validate!(both)),
    /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/,
  );
  assert.equal(
    formatFieldErrors(podDisruptionBudgets.validate!({ spec: { maxUnavailable: '120%' } })),
    'spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%',
  );
  assert.equal(
    formatFieldErrors(podDisruptionBudgets.validate!({ spec: { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' } })),
    'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
  );
});

test('table cells follow printPodDisruptionBudget', () => {
  const obj = {
    metadata: { name: 'web', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { minAvailable: '50%' },
    status: { disruptionsAllowed: 1 },
  };
  assert.deepEqual(podDisruptionBudgets.table!.row(obj, new Date('2025-01-01T00:00:09Z')), ['web', '50%', 'N/A', 1, '9s']);
  assert.deepEqual(podDisruptionBudgets.table!.row({ metadata: { name: 'x' }, spec: { maxUnavailable: 0 } }, new Date()).slice(1, 4), [
    'N/A',
    '0',
    0,
  ]);
});
