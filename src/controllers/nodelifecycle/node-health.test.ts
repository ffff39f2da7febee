import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredTaints, judge, TAINT_NOT_READY, TAINT_UNREACHABLE, unknownConditions } from './node-health.ts';
import { taintTime } from './node-lifecycle-controller.ts';
import { PhiAccrualDetector } from './phi-accrual.ts';

const settings = { phiThreshold: 8, minGracePeriodMs: 2000, gracePeriodMs: 5000 };

test('the floor and the ceiling bound what φ says', () => {
  const d = new PhiAccrualDetector({ minStdDeviationMs: 10 });
  for (let t = 0; t <= 10_000; t += 1000) d.heartbeat(t);
  // φ is huge at 1.5 s with σ = 10 ms, but the floor holds.
  assert.equal(judge(d, 11_500, settings).suspect, false);
  assert.equal(judge(d, 12_000, settings).suspect, true);
  const wide = new PhiAccrualDetector({ minStdDeviationMs: 5000 });
  for (let t = 0; t <= 10_000; t += 1000) wide.heartbeat(t);
  assert.equal(judge(wide, 14_900, settings).suspect, false);
  assert.equal(judge(wide, 15_000, settings).suspect, true);
});

test('every agent-owned condition goes Unknown with the kubelet wording, once', () => {
  const now = '2026-01-01T00:00:00Z';
  const conditions = [
    { type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: 'x' },
    { type: 'MemoryPressure', status: 'False' },
    { type: 'NetworkUnavailable', status: 'False' },
  ];
  const next = unknownConditions(conditions, now)!;
  const ready = next.find((c) => c.type === 'Ready')!;
  assert.deepEqual(
    [ready.status, ready.reason, ready.message, ready.lastTransitionTime],
    ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', now],
  );
  assert.equal(next.find((c) => c.type === 'NetworkUnavailable')!.status, 'False');
  assert.equal(next.find((c) => c.type === 'PIDPressure')!.reason, 'NodeStatusNeverUpdated');
  assert.equal(unknownConditions(next, now), undefined);
  // Never posted: heartbeat at the node's creation, transition now (Kubernetes' tryUpdateNodeHealth).
  const never = unknownConditions([], now, '2025-12-31T00:00:00Z')!.find((c) => c.type === 'Ready')!;
  assert.deepEqual(
    [never.lastHeartbeatTime, never.lastTransitionTime, never.message],
    ['2025-12-31T00:00:00Z', now, 'Kubelet never posted node status.'],
  );
});

test('taints follow Ready, keep their timeAdded and leave other taints alone', () => {
  const other = { key: 'dedicated', value: 'db', effect: 'NoSchedule' as const };
  const t1 = desiredTaints([other], 'Unknown', true, 'T1');
  // Every taint the controller adds carries timeAdded, NoSchedule too (Kubernetes' SwapNodeControllerTaint).
  assert.deepEqual(t1, [
    other,
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: 'T1' },
    { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 'T1' },
  ]);
  assert.deepEqual(desiredTaints(t1, 'Unknown', true, 'T2'), t1);
  assert.deepEqual(desiredTaints([other], 'Unknown', false, 'T1'), [
    other,
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: 'T1' },
  ]);
  // NoSchedule first, NoExecute later (rate-limited): each keeps the time it was added.
  assert.deepEqual(desiredTaints(desiredTaints([], 'Unknown', false, 'T1'), 'Unknown', true, 'T2'), [
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: 'T1' },
    { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 'T2' },
  ]);
  const swapped = desiredTaints(t1, 'False', true, 'T3');
  assert.deepEqual(swapped.slice(1), [
    { key: TAINT_NOT_READY, effect: 'NoSchedule', timeAdded: 'T3' },
    { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: 'T3' },
  ]);
  assert.deepEqual(desiredTaints(t1, 'True', false, 'T4'), [other]);
});

test("a NoExecute taint's timeAdded is rounded up to the second, so tolerations never run out early", () => {
  const at = Date.parse('2026-01-01T00:00:39.537Z');
  assert.equal(taintTime(at), '2026-01-01T00:00:40Z');
  assert.equal(taintTime(Date.parse('2026-01-01T00:00:40.000Z')), '2026-01-01T00:00:40Z');
  const [taint] = desiredTaints([], 'Unknown', true, taintTime(at)).filter((t) => t.effect === 'NoExecute');
  assert.ok(Date.parse(taint!.timeAdded!) >= at);
});
