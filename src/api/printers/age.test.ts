import assert from 'node:assert/strict';
import { test } from 'node:test';
import { age, humanDuration } from './age.ts';

test('humanDuration matches Kubernetes formatting', () => {
  const s = 1000;
  assert.equal(humanDuration(15 * s), '15s');
  assert.equal(humanDuration(119 * s), '119s');
  assert.equal(humanDuration(150 * s), '2m30s');
  assert.equal(humanDuration(5 * 60 * s), '5m');
  assert.equal(humanDuration(45 * 60 * s), '45m');
  assert.equal(humanDuration(3 * 3600 * s + 5 * 60 * s), '3h5m');
  assert.equal(humanDuration(20 * 3600 * s), '20h');
  assert.equal(humanDuration(3 * 86400 * s + 4 * 3600 * s), '3d4h');
  assert.equal(humanDuration(30 * 86400 * s), '30d');
  assert.equal(humanDuration(-500), '0s');
  assert.equal(humanDuration(-5000), '<invalid>');
});

test('age of a missing timestamp is unknown', () => {
  assert.equal(age(undefined, new Date()), '<unknown>');
  assert.equal(age('2026-01-01T00:00:00Z', new Date('2026-01-01T00:00:42Z')), '42s');
});
