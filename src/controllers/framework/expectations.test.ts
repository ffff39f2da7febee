import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Expectations } from './expectations.ts';

test('a key is unsatisfied until every expected creation and deletion is observed', () => {
  const e = new Expectations();
  assert.ok(e.satisfied('ns/rs'));
  e.expectCreations('ns/rs', 2);
  e.expectDeletions('ns/rs', ['u1']);
  assert.ok(!e.satisfied('ns/rs'));
  e.creationObserved('ns/rs');
  e.creationFailed('ns/rs');
  assert.ok(!e.satisfied('ns/rs'));
  e.deletionObserved('ns/rs', 'u1');
  assert.ok(e.satisfied('ns/rs'));
});

test('expectations time out so a missed watch event cannot block a controller forever', () => {
  let now = 0;
  const e = new Expectations(() => now);
  e.expectCreations('k', 1);
  assert.ok(!e.satisfied('k'));
  now += 5 * 60 * 1000 + 1;
  assert.ok(e.satisfied('k'));
});
