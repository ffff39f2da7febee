import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cronScheduleError, parseCronSchedule } from './cron-schedule.ts';

test('standard schedules and descriptors parse', () => {
  const s = parseCronSchedule('*/15 9-17 * * mon-fri');
  assert.deepEqual([...s.minutes], [0, 15, 30, 45]);
  assert.deepEqual([...s.hours], [9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual([...s.daysOfWeek], [1, 2, 3, 4, 5]);
  assert.equal(s.domStar, true);
  assert.equal(s.dowStar, false);
  assert.deepEqual([...parseCronSchedule('@daily').hours], [0]);
  assert.equal(parseCronSchedule('@every 90s').everyMs, 90_000);
});

test('invalid schedules get robfig/cron messages', () => {
  assert.equal(cronScheduleError('* * *'), 'expected exactly 5 fields, found 3: [* * *]');
  assert.equal(cronScheduleError('61 * * * *'), 'end of range (61) above maximum (59): 61');
  assert.equal(cronScheduleError('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(cronScheduleError('5-2 * * * *'), 'beginning of range (5) beyond end of range (2): 5-2');
  assert.equal(cronScheduleError('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  assert.equal(cronScheduleError(''), 'empty spec string');
  assert.equal(cronScheduleError('0 0 1 1 *'), undefined);
});
