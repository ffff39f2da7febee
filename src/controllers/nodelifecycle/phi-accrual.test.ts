import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PhiAccrualDetector, phiOf } from './phi-accrual.ts';

test('φ grows with the silence and is about 0.3 at the mean', () => {
  assert.ok(Math.abs(phiOf(1000, 1000, 200) - Math.log10(2)) < 1e-9);
  assert.ok(phiOf(1500, 1000, 200) < phiOf(2000, 1000, 200));
  assert.ok(phiOf(2200, 1000, 200) > 8);
  assert.equal(phiOf(100_000, 1000, 200), Number.POSITIVE_INFINITY);
});

test('a regular node is suspected a little over two intervals into a silence', () => {
  const d = new PhiAccrualDetector({ minStdDeviationMs: 200 });
  for (let t = 0; t <= 20_000; t += 1000) d.heartbeat(t);
  assert.ok(d.phi(21_000) < 1);
  assert.ok(d.phi(22_000) < 8);
  assert.ok(d.phi(22_300) >= 8);
  const silence = d.silenceForPhi(8);
  assert.ok(silence > 2000 && silence < 2300, String(silence));
});

test('irregular renewals widen the curve: a slow node gets more time', () => {
  const regular = new PhiAccrualDetector();
  const jittery = new PhiAccrualDetector();
  let t = 0;
  for (let i = 0; i < 40; i++) {
    regular.heartbeat(i * 1000);
    t += i % 2 === 0 ? 400 : 2200; // a CPU hog: renewals bunch up and stall
    jittery.heartbeat(t);
  }
  assert.ok(jittery.silenceForPhi(8) > regular.silenceForPhi(8) + 2000);
});

test('a gap resumed after a failure is not learnt', () => {
  const d = new PhiAccrualDetector();
  for (let t = 0; t <= 10_000; t += 1000) d.heartbeat(t);
  const before = d.silenceForPhi(8);
  d.resume(40_000);
  assert.equal(d.lastHeartbeatAt, 40_000);
  assert.equal(d.silenceForPhi(8), before);
});

test('a sign of life outside the rhythm restarts the silence without being learnt', () => {
  const d = new PhiAccrualDetector();
  const twin = new PhiAccrualDetector();
  for (let t = 0; t <= 10_000; t += 1000) {
    d.heartbeat(t);
    twin.heartbeat(t);
  }
  const before = d.silenceForPhi(8);
  d.signOfLife(10_300);
  assert.equal(d.lastHeartbeatAt, 10_300);
  // The silence is measured from the sign of life, on the same curve.
  assert.equal(d.phi(12_000), twin.phi(11_700));
  // The next renewal is a whole interval after the previous one: the rhythm is unchanged.
  d.heartbeat(11_000);
  assert.equal(d.lastHeartbeatAt, 11_000);
  assert.equal(d.silenceForPhi(8), before);
  // An older sign of life moves nothing.
  d.signOfLife(10_500);
  assert.equal(d.lastHeartbeatAt, 11_000);
});
