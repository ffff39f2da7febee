import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Taint } from './node-health.ts';
import { leftFromSilence } from './taint-eviction-controller.ts';

const endedAt = Date.parse('2026-01-01T00:00:10Z');
const unreachable = (timeAdded?: string): Taint => ({
  key: 'node.kubernetes.io/unreachable',
  effect: 'NoExecute',
  ...(timeAdded ? { timeAdded } : {}),
});

test("the node-lifecycle controller's unreachable taint from a silence that has ended is left over", () => {
  const heard = { silent: false, silenceEndedAt: endedAt };
  assert.equal(leftFromSilence(unreachable('2026-01-01T00:00:05Z'), heard, undefined), true);
  // timeAdded is rounded up to the second: added at 00:00:09.6, written 00:00:10, node heard from at 00:00:09.8.
  assert.equal(leftFromSilence(unreachable('2026-01-01T00:00:10Z'), { silent: false, silenceEndedAt: endedAt - 200 }, undefined), true);
  // Kept while the node is silent: it is the taint that evicts.
  assert.equal(leftFromSilence(unreachable('2026-01-01T00:00:05Z'), { silent: true }, undefined), false);
});

test("a user's unreachable taint, or any other NoExecute taint, is not left over", () => {
  const heard = { silent: false, silenceEndedAt: endedAt };
  // Without timeAdded (kubectl taint): first seen after the node was heard from again.
  assert.equal(leftFromSilence(unreachable(), heard, endedAt + 60_000), false);
  assert.equal(leftFromSilence(unreachable('2026-01-01T00:01:00Z'), heard, undefined), false);
  // A node never judged silent.
  assert.equal(leftFromSilence(unreachable('2026-01-01T00:00:05Z'), { silent: false }, undefined), false);
  assert.equal(leftFromSilence({ key: 'dedicated', value: 'x', effect: 'NoExecute' }, heard, endedAt - 60_000), false);
  assert.equal(leftFromSilence({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, heard, endedAt - 60_000), false);
  // Without timeAdded, first seen during the silence (a user's taint the silence kept): left over too.
  assert.equal(leftFromSilence(unreachable(), heard, endedAt - 1), true);
});
