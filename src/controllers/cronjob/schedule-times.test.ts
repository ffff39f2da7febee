import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCronSchedule } from '../../api/kinds/batch/cron-schedule.ts';
import { MAX_MISSED_RUNS, missedRuns, nextScheduleTime } from './schedule-times.ts';
import { formatRfc1123zUtc, formatRfc3339InZone, instantOfWallTime, isKnownTimeZone } from './time-zone.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (schedule: string, after: string, tz?: string) => iso(nextScheduleTime(parseCronSchedule(schedule), at(after), tz));

test('next run in UTC: minutes, hours, ranges, steps and month ends', () => {
  assert.equal(next('*/15 * * * *', '2024-03-10T10:07:30Z'), '2024-03-10T10:15:00.000Z');
  assert.equal(next('*/15 * * * *', '2024-03-10T10:15:00Z'), '2024-03-10T10:30:00.000Z', 'strictly after');
  assert.equal(next('0 9 * * *', '2024-03-10T09:00:00Z'), '2024-03-11T09:00:00.000Z');
  assert.equal(next('0 0 1 * *', '2024-01-31T12:00:00Z'), '2024-02-01T00:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('0 0 30 2 *', '2024-03-01T00:00:00Z'), undefined);
  assert.equal(next('@hourly', '2024-12-31T23:30:00Z'), '2025-01-01T00:00:00.000Z');
  assert.equal(next('@every 90s', '2024-01-01T00:00:00.500Z'), '2024-01-01T00:01:30.000Z');
});

test('day of month and day of week are ORed only when both are restricted', () => {
  // 2024-03-10 is a Sunday.
  assert.equal(next('0 0 * * 1', '2024-03-10T00:00:00Z'), '2024-03-11T00:00:00.000Z');
  assert.equal(next('0 0 15 * 1', '2024-03-10T00:00:00Z'), '2024-03-11T00:00:00.000Z');
  assert.equal(next('0 0 15 * 5', '2024-03-12T00:00:00Z'), '2024-03-15T00:00:00.000Z');
  assert.equal(next('0 0 15 * *', '2024-03-10T00:00:00Z'), '2024-03-15T00:00:00.000Z');
});

test('time zones: wall-clock schedules across daylight-saving changes', () => {
  assert.equal(next('0 9 * * *', '2024-06-01T00:00:00Z', 'Europe/Paris'), '2024-06-01T07:00:00.000Z');
  assert.equal(next('0 9 * * *', '2024-01-01T00:00:00Z', 'Europe/Paris'), '2024-01-01T08:00:00.000Z');
  assert.equal(next('30 9 * * *', '2024-06-01T00:00:00Z', 'Asia/Kolkata'), '2024-06-01T04:00:00.000Z');
  // New York springs forward on 2024-03-10: 02:30 does not exist that day.
  assert.equal(next('30 2 * * *', '2024-03-10T05:00:00Z', 'America/New_York'), '2024-03-11T06:30:00.000Z');
  // …and falls back on 2024-11-03: 01:30 happens twice, the job runs at the first.
  assert.equal(next('30 1 * * *', '2024-11-03T04:00:00Z', 'America/New_York'), '2024-11-03T05:30:00.000Z');
  assert.equal(next('30 1 * * *', '2024-11-03T05:30:00Z', 'America/New_York'), '2024-11-04T06:30:00.000Z');
});

test('missed runs: the most recent one and the count', () => {
  const every5 = parseCronSchedule('*/5 * * * *');
  assert.deepEqual(missedRuns(every5, at('2024-01-01T00:00:00Z'), at('2024-01-01T00:04:59Z')), { missed: 0 });
  assert.deepEqual(missedRuns(every5, at('2024-01-01T00:00:00Z'), at('2024-01-01T00:17:00Z')), {
    mostRecent: at('2024-01-01T00:15:00Z'),
    missed: 3,
  });
  const many = missedRuns(parseCronSchedule('* * * * *'), at('2024-01-01T00:00:00Z'), at('2024-01-02T00:00:30Z'));
  assert.equal(many.mostRecent, at('2024-01-02T00:00:00Z'));
  assert.ok(many.missed > MAX_MISSED_RUNS);
  assert.equal(many.missed, 1440);
});

test('zone helpers: known zones, wall times, Go time formats', () => {
  assert.equal(isKnownTimeZone('Europe/Paris'), true);
  assert.equal(isKnownTimeZone('Mars/Olympus'), false);
  assert.equal(isKnownTimeZone(undefined), true);
  assert.equal(instantOfWallTime({ year: 2024, month: 3, day: 10, hour: 2, minute: 30, second: 0 }, 'America/New_York'), undefined);
  assert.equal(formatRfc3339InZone(at('2024-06-01T07:00:00Z'), 'Europe/Paris'), '2024-06-01T09:00:00+02:00');
  assert.equal(formatRfc3339InZone(at('2024-06-01T07:00:00Z')), '2024-06-01T07:00:00Z');
  assert.equal(formatRfc3339InZone(at('2024-06-01T07:00:00Z'), 'America/St_Johns'), '2024-06-01T04:30:00-02:30');
  assert.equal(formatRfc1123zUtc(at('2006-01-02T15:04:05Z')), 'Mon, 02 Jan 2006 15:04:05 +0000');
});
