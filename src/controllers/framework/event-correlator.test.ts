import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combinedMessage, EventCorrelator, LruMap } from './event-correlator.ts';

const minute = 60 * 1000;

test('the spam filter lets 25 events about an object through, then one every five minutes', () => {
  const c = new EventCorrelator();
  const verdicts = Array.from({ length: 30 }, (_, i) => c.correlate('pod-a', `Normal|R${i}`, 'm', 0).drop);
  assert.deepEqual(verdicts, [...Array(25).fill(false), ...Array(5).fill(true)]);
  // Another object has its own budget.
  assert.equal(c.correlate('pod-b', 'Normal|R', 'm', 0).drop, false);
  assert.equal(c.correlate('pod-a', 'Normal|R', 'm', 4 * minute).drop, true);
  assert.equal(c.correlate('pod-a', 'Normal|R', 'm', 5 * minute).drop, false);
  assert.equal(c.correlate('pod-a', 'Normal|R', 'm', 5 * minute).drop, true);
  // The bucket refills to 25, no more.
  const later = Array.from({ length: 27 }, () => c.correlate('pod-a', 'Normal|R', 'm', 24 * 60 * minute).drop);
  assert.equal(later.filter((d) => !d).length, 25);
});

test('from the tenth message of the same type and reason, events are combined', () => {
  const c = new EventCorrelator();
  const combine = (msg: string, now = 0, reason = 'Failed') => c.correlate('pod', `Warning|${reason}`, msg, now).combine;
  for (let i = 1; i <= 9; i++) assert.equal(combine(`m${i}`), false, `m${i}`);
  // The same message again is not a new one: deduplication counts it.
  assert.equal(combine('m9'), false);
  // Another reason is another group.
  assert.equal(combine('x', 0, 'Other'), false);
  assert.equal(combine('m10'), true);
  assert.equal(combine('m11'), true);
  assert.equal(combinedMessage('m11'), '(combined from similar events): m11');
});

test('similar events are combined while they keep coming within ten minutes of each other', () => {
  const c = new EventCorrelator();
  // One every nine minutes: the window slides.
  for (let i = 1; i <= 9; i++) assert.equal(c.correlate('pod', 'Warning|Failed', `m${i}`, i * 9 * minute).combine, false);
  assert.equal(c.correlate('pod', 'Warning|Failed', 'm10', 90 * minute).combine, true);
  // After a pause of more than ten minutes they start over.
  assert.equal(c.correlate('pod', 'Warning|Failed', 'm11', 101 * minute).combine, false);
});

test('the state is bounded: the least recently used object is forgotten', () => {
  const c = new EventCorrelator(1, 5 * minute, 10, 10 * minute, 2);
  assert.equal(c.correlate('a', 'Normal|R', 'm', 0).drop, false);
  assert.equal(c.correlate('b', 'Normal|R', 'm', 0).drop, false);
  assert.equal(c.correlate('a', 'Normal|R', 'm', 0).drop, true); // a is now the most recent
  assert.equal(c.correlate('c', 'Normal|R', 'm', 0).drop, false); // evicts b
  assert.equal(c.correlate('a', 'Normal|R', 'm', 0).drop, true);
  assert.equal(c.correlate('b', 'Normal|R', 'm', 0).drop, false, 'b was forgotten');
});

test('LruMap keeps at most its size, dropping the least recently used', () => {
  const m = new LruMap<string, number>(2);
  m.set('a', 1);
  m.set('b', 2);
  assert.equal(m.get('a'), 1);
  m.set('c', 3);
  assert.equal(m.size, 2);
  assert.equal(m.get('b'), undefined);
  assert.equal(m.get('a'), 1);
  assert.equal(m.get('c'), 3);
});
