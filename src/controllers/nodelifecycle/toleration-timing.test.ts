import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evictionDecision } from './toleration-timing.ts';

const added = '2026-01-01T00:00:00Z';
const t0 = Date.parse(added);
const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const, timeAdded: added };

test('untolerated NoExecute taints evict at once; NoSchedule taints never', () => {
  assert.deepEqual(evictionDecision([unreachable], [], t0 + 5), { kind: 'at', at: t0 + 5 });
  assert.deepEqual(evictionDecision([{ key: 'x', effect: 'NoSchedule' }], [], t0), { kind: 'never' });
});

test('tolerationSeconds counts from the taint; the shortest wins; unbounded tolerates for ever', () => {
  const tol = (s?: number) => ({ key: unreachable.key, operator: 'Exists' as const, effect: 'NoExecute', tolerationSeconds: s });
  assert.deepEqual(evictionDecision([unreachable], [tol(2)], t0 + 500), { kind: 'at', at: t0 + 2000 });
  assert.deepEqual(evictionDecision([unreachable], [tol(30), tol(2)], t0), { kind: 'at', at: t0 + 2000 });
  assert.deepEqual(evictionDecision([unreachable], [tol(undefined)], t0), { kind: 'never' });
  assert.deepEqual(evictionDecision([unreachable], [{ operator: 'Exists' }], t0), { kind: 'never' });
});

test('a taint without timeAdded counts from when it was first seen, not from every look', () => {
  const userTaint = { key: 'qa', value: 'x', effect: 'NoExecute' as const };
  const tol = [{ key: 'qa', operator: 'Exists' as const, effect: 'NoExecute', tolerationSeconds: 8 }];
  assert.deepEqual(
    evictionDecision([userTaint], tol, t0 + 5000, () => t0),
    { kind: 'at', at: t0 + 8000 },
  );
  assert.deepEqual(
    evictionDecision([userTaint], tol, t0 + 9000, () => t0),
    { kind: 'at', at: t0 + 8000 },
  );
  // Not known yet: from now.
  assert.deepEqual(
    evictionDecision([userTaint], tol, t0, () => undefined),
    { kind: 'at', at: t0 + 8000 },
  );
});
