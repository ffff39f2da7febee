import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffSettingsFor, CrashBackoff, defaultBackoffSettings, formatDuration, parseDuration } from './crash-backoff.ts';

test('durations parse and print like Go', () => {
  assert.equal(parseDuration('1s'), 1000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('ten'), undefined);
  assert.equal(formatDuration(10_000), '10s');
  assert.equal(formatDuration(160_000), '2m40s');
  assert.equal(formatDuration(300_000), '5m0s');
  assert.equal(formatDuration(500), '500ms');
});

test('the first restart is immediate, then 10s doubling up to 5m', () => {
  const b = new CrashBackoff();
  const s = defaultBackoffSettings;
  let t = 1_000_000;
  assert.equal(b.remainingMs('k', t, t, s), 0);
  b.next('k', t, s);
  const seen: number[] = [];
  for (let i = 0; i < 7; i++) {
    t += 1000; // crashed again one second after the restart
    seen.push(b.currentDelayMs('k'));
    assert.equal(b.remainingMs('k', t, t, s), b.currentDelayMs('k'));
    assert.equal(b.remainingMs('k', t, t + b.currentDelayMs('k'), s), 0);
    b.next('k', t, s);
  }
  assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

test('a container that ran longer than the reset window starts over', () => {
  const b = new CrashBackoff();
  const s = defaultBackoffSettings;
  b.next('k', 0, s);
  b.next('k', 1000, s);
  assert.equal(b.currentDelayMs('k'), 20_000);
  const muchLater = 1000 + 11 * 60_000;
  assert.equal(b.remainingMs('k', muchLater, muchLater, s), 0);
  b.next('k', muchLater, s);
  assert.equal(b.currentDelayMs('k'), 10_000);
});

test('the hale.dev/restart-backoff annotation tunes initial, max and reset', () => {
  const pod = (value: string) => ({ metadata: { annotations: { 'hale.dev/restart-backoff': value } } });
  assert.deepEqual(backoffSettingsFor(pod('initial=1s,max=30s')), { initialMs: 1000, maxMs: 30_000, resetMs: 60_000 });
  assert.deepEqual(backoffSettingsFor(pod('initial=2s')), { initialMs: 2000, maxMs: 300_000, resetMs: 600_000 });
  assert.deepEqual(backoffSettingsFor(pod('max=1m, reset=5m')), { initialMs: 10_000, maxMs: 60_000, resetMs: 300_000 });
  assert.deepEqual(backoffSettingsFor(pod('initial=soon')), defaultBackoffSettings);
  assert.deepEqual(backoffSettingsFor({ metadata: {} }), defaultBackoffSettings);
});
