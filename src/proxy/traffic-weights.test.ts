import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointWeights, parseTrafficWeights } from './traffic-weights.ts';

const canary = { app: 'web', track: 'canary' };
const stable = { app: 'web', track: 'stable' };

function weightsFor(annotation: string, labels: Record<string, string>[]): number[] {
  const parsed = parseTrafficWeights(annotation);
  assert.ok(parsed.ok, 'annotation should parse');
  return endpointWeights(parsed.subsets, labels);
}

const round = (xs: number[]) => xs.map((x) => Math.round(x * 10000) / 10000);

test('no annotation: equal weights', () => {
  const parsed = parseTrafficWeights(undefined);
  assert.deepEqual(parsed, { ok: true, subsets: [] });
  assert.deepEqual(endpointWeights([], [canary, stable]), [0.5, 0.5]);
});

test('5 % to one canary next to ten stable replicas; the rest share 95 %', () => {
  const labels = [canary, ...Array.from({ length: 10 }, () => stable)];
  const w = weightsFor('{"track=canary": 5}', labels);
  assert.equal(round([w[0]])[0], 0.05);
  assert.equal(round([w[1]])[0], 0.095);
  assert.equal(round([w.reduce((a, b) => a + b, 0)])[0], 1);
});

test('several subsets, first matching selector wins', () => {
  const w = weightsFor('{"track=canary": 20, "app=web": 80}', [canary, stable, stable]);
  assert.deepEqual(round(w), [0.2, 0.4, 0.4]);
});

test('a subset without endpoints gives its share to the others', () => {
  assert.deepEqual(round(weightsFor('{"track=canary": 30}', [stable, stable])), [0.5, 0.5]);
  assert.deepEqual(round(weightsFor('{"track=canary": 100}', [stable, stable])), [0.5, 0.5]);
  // 0 % canary: the canary gets nothing while others exist.
  assert.deepEqual(round(weightsFor('{"track=canary": 0}', [canary, stable])), [0, 1]);
  // Only a 0 % subset has endpoints: equal weights rather than no traffic at all.
  assert.deepEqual(round(weightsFor('{"track=canary": 0, "track=stable": 100}', [canary])), [1]);
});

test('invalid annotations are rejected with a reason', () => {
  for (const bad of [
    'nope',
    '[1]',
    '{"track=canary": -1}',
    '{"track=canary": "5"}',
    '{"a=b": 60, "c=d": 50}',
    '{"a in (": 5}',
    '{"": 5}',
  ]) {
    const parsed = parseTrafficWeights(bad);
    assert.equal(parsed.ok, false, bad);
    if (!parsed.ok) assert.ok(parsed.error.length > 0);
  }
});
