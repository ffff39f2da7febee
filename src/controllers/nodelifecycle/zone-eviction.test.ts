import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultEvictionSettings } from './node-lifecycle-controller.ts';
import { EvictionGate, zoneEvictionRate, zoneState } from './zone-eviction.ts';

test('zone states as Kubernetes computes them', () => {
  assert.equal(zoneState(2, 1, 0.55), 'Normal');
  assert.equal(zoneState(1, 2, 0.55), 'Normal'); // at most 2 not ready never counts as a disruption
  assert.equal(zoneState(2, 3, 0.55), 'PartialDisruption');
  assert.equal(zoneState(0, 3, 0.55), 'FullDisruption');
  assert.equal(zoneState(3, 0, 0.55), 'Normal');
});

test('rates: small partially disrupted zones and a fully disrupted cluster stop evicting', () => {
  const s = defaultEvictionSettings;
  assert.equal(zoneEvictionRate('Normal', 3, false, s), s.nodeEvictionRate);
  assert.equal(zoneEvictionRate('PartialDisruption', 10, false, s), 0);
  assert.equal(zoneEvictionRate('PartialDisruption', 100, false, s), s.secondaryNodeEvictionRate);
  assert.equal(zoneEvictionRate('FullDisruption', 3, false, s), s.nodeEvictionRate);
  assert.equal(zoneEvictionRate('FullDisruption', 3, true, s), 0);
});

test('the gate lets one node through, then one per 1/rate seconds', () => {
  const gate = new EvictionGate();
  assert.equal(gate.take(0.5, 0), true);
  assert.equal(gate.take(0.5, 1000), false);
  assert.equal(gate.take(0.5, 2500), true);
  assert.equal(gate.take(0, 100_000), false);
});
