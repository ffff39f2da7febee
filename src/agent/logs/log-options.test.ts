import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogOptionsError, parseLogOptions } from './log-options.ts';

test('parses kubectl logs parameters', () => {
  const now = () => Date.parse('2026-01-01T00:10:00Z');
  const o = parseLogOptions(new URLSearchParams('container=a&follow=true&tailLines=5&timestamps=true&limitBytes=100&sinceSeconds=60'), now);
  assert.equal(o.follow, true);
  assert.equal(o.previous, false);
  assert.equal(o.timestamps, true);
  assert.equal(o.tailLines, 5);
  assert.equal(o.limitBytes, 100);
  assert.equal(o.sinceNanos, BigInt(Date.parse('2026-01-01T00:09:00Z')) * 1_000_000n);
  assert.equal(
    parseLogOptions(new URLSearchParams('sinceTime=2026-01-01T00:00:00Z')).sinceNanos,
    BigInt(Date.parse('2026-01-01T00:00:00Z')) * 1_000_000n,
  );
  assert.equal(parseLogOptions(new URLSearchParams('previous=true')).previous, true);
});

test('rejects values the API server rejects', () => {
  assert.throws(() => parseLogOptions(new URLSearchParams('tailLines=-1')), LogOptionsError);
  assert.throws(() => parseLogOptions(new URLSearchParams('limitBytes=0')), /limitBytes: Invalid value: 0: must be greater than 0/);
  assert.throws(
    () => parseLogOptions(new URLSearchParams('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z')),
    /at most one of sinceTime or sinceSeconds/,
  );
  assert.throws(() => parseLogOptions(new URLSearchParams('sinceTime=yesterday')), LogOptionsError);
});
