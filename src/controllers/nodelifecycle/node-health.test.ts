import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  desiredTaints,
  judge,
  noScheduleTaintKeys,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  type Taint,
  unknownConditions,
} from './node-health.ts';
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

/** A node with these taints, Ready status and other conditions (type → status). */
const nodeWith = (taints: Taint[], ready?: string, others: Record<string, string> = {}, unschedulable = false) => ({
  spec: { taints, ...(unschedulable ? { unschedulable } : {}) },
  status: {
    conditions: [
      ...(ready ? [{ type: 'Ready', status: ready }] : []),
      ...Object.entries(others).map(([type, status]) => ({ type, status })),
    ],
  },
});

test('taints follow Ready, keep their timeAdded and leave other taints alone', () => {
  const other = { key: 'dedicated', value: 'db', effect: 'NoSchedule' as const };
  const t1 = desiredTaints(nodeWith([other], 'Unknown'), true, 'T1');
  // Every taint the controller adds carries timeAdded, NoSchedule too (Kubernetes' SwapNodeControllerTaint).
  assert.deepEqual(t1, [
    other,
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: 'T1' },
    { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 'T1' },
  ]);
  assert.deepEqual(desiredTaints(nodeWith(t1, 'Unknown'), true, 'T2'), t1);
  assert.deepEqual(desiredTaints(nodeWith([other], 'Unknown'), false, 'T1'), [
    other,
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: 'T1' },
  ]);
  // NoSchedule first, NoExecute later (rate-limited): each keeps the time it was added.
  assert.deepEqual(desiredTaints(nodeWith(desiredTaints(nodeWith([], 'Unknown'), false, 'T1'), 'Unknown'), true, 'T2'), [
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: 'T1' },
    { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 'T2' },
  ]);
  const swapped = desiredTaints(nodeWith(t1, 'False'), true, 'T3');
  assert.deepEqual(swapped.slice(1), [
    { key: TAINT_NOT_READY, effect: 'NoSchedule', timeAdded: 'T3' },
    { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: 'T3' },
  ]);
  assert.deepEqual(desiredTaints(nodeWith(t1, 'True'), false, 'T4'), [other]);
});

test("NoSchedule taints follow the pressure conditions and the cordon, as Kubernetes' TaintNodesByCondition", () => {
  const pressure = { MemoryPressure: 'True', DiskPressure: 'True', PIDPressure: 'True', NetworkUnavailable: 'True' };
  assert.deepEqual(desiredTaints(nodeWith([], 'True', pressure, true), false, 'T1'), [
    { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule', timeAdded: 'T1' },
    { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule', timeAdded: 'T1' },
    { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule', timeAdded: 'T1' },
    { key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule', timeAdded: 'T1' },
    { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule', timeAdded: 'T1' },
  ]);
  // False or Unknown pressure taints nothing (a silent node's conditions go Unknown).
  const calm = { MemoryPressure: 'False', DiskPressure: 'Unknown', PIDPressure: 'False', NetworkUnavailable: 'False' };
  assert.deepEqual(desiredTaints(nodeWith([], 'True', calm), false, 'T1'), []);
  // Uncordoned, the pressure gone: ours go, a user's keeps its place; one still wanted keeps its timeAdded.
  const user = { key: 'dedicated', effect: 'NoSchedule' as const };
  const cordoned = desiredTaints(nodeWith([user], 'True', { MemoryPressure: 'True' }, true), false, 'T1');
  assert.deepEqual(desiredTaints(nodeWith(cordoned, 'True', { MemoryPressure: 'True' }), false, 'T2'), [
    user,
    { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule', timeAdded: 'T1' },
  ]);
  assert.deepEqual(desiredTaints(nodeWith(cordoned, 'True'), false, 'T2'), [user]);
  // Matched by key and effect, as Kubernetes' TaintSetDiff: a user's value is kept; other effects are not ours.
  const valued = { key: TAINT_UNSCHEDULABLE, value: 'x', effect: 'NoSchedule' as const };
  const prefer = { key: 'node.kubernetes.io/memory-pressure', effect: 'PreferNoSchedule' as const };
  assert.deepEqual(desiredTaints(nodeWith([valued, prefer], 'True', {}, true), false, 'T3'), [valued, prefer]);
  assert.deepEqual(desiredTaints(nodeWith([valued, prefer], 'True'), false, 'T3'), [prefer]);
  assert.deepEqual(noScheduleTaintKeys(nodeWith([], 'False', { constructor: 'True' }, true)), [TAINT_NOT_READY, TAINT_UNSCHEDULABLE]);
});

test("a NoExecute taint's timeAdded is rounded up to the second, so tolerations never run out early", () => {
  const at = Date.parse('2026-01-01T00:00:39.537Z');
  assert.equal(taintTime(at), '2026-01-01T00:00:40Z');
  assert.equal(taintTime(Date.parse('2026-01-01T00:00:40.000Z')), '2026-01-01T00:00:40Z');
  const [taint] = desiredTaints(nodeWith([], 'Unknown'), true, taintTime(at)).filter((t) => t.effect === 'NoExecute');
  assert.ok(Date.parse(taint!.timeAdded!) >= at);
});
