import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TerminationDeadline } from './termination-deadline.ts';

test('seconds left count down from the grace period, rounded up', () => {
  let now = 1_000_000;
  const deadline = new TerminationDeadline(30, () => now);
  assert.equal(deadline.secondsLeft(), 30);
  now += 400;
  assert.equal(deadline.secondsLeft(), 30);
  now += 29_700;
  assert.equal(deadline.secondsLeft(), 0);
});

test('a shorter grace period brings the deadline forward from now; a longer one changes nothing', () => {
  let now = 0;
  const deadline = new TerminationDeadline(30, () => now);
  const shortened: number[] = [];
  const stop = deadline.onShortened(() => shortened.push(deadline.secondsLeft()));
  now = 10_000;
  deadline.shorten(45);
  assert.equal(deadline.secondsLeft(), 20);
  deadline.shorten(5);
  assert.equal(deadline.secondsLeft(), 5);
  // 25 s is shorter than the 30 s first given, but would end later than the deadline in force.
  deadline.shorten(25);
  assert.equal(deadline.secondsLeft(), 5);
  stop();
  deadline.shorten(1);
  assert.deepEqual(shortened, [5], 'a listener hears of each move forward until it stops listening');
});

test('race ends at the deadline as it moves, or with the work when that comes first', async () => {
  const deadline = new TerminationDeadline(60);
  assert.equal(await deadline.race(Promise.resolve('done')), 'done');
  const never = new Promise<string>(() => {});
  const raced = deadline.race(never);
  deadline.shorten(0);
  assert.equal(await raced, undefined);
});
