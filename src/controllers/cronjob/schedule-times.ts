// When a CronJob's schedule fires: the next run after an instant (robfig/cron's Next,
// evaluated on the wall clock of the CronJob's time zone) and the most recent run the
// controller has missed, with Kubernetes' "too many missed start times" accounting.
import type { CronSchedule } from '../../api/kinds/batch/cron-schedule.ts';
import { instantOfWallTime, type WallTime, wallTimeAsUtcMs, wallTimeAt } from './time-zone.ts';

const minuteMs = 60_000;
/** robfig/cron gives up after five years without a match (e.g. "0 0 30 2 *"). */
const searchYears = 5;

function wallOfUtcMs(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: 0,
  };
}

/** Cron ORs day-of-month and day-of-week only when both are restricted. */
function dayMatches(s: CronSchedule, wallMs: number): boolean {
  const d = new Date(wallMs);
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

/**
 * The first time strictly after `afterMs` at which the schedule fires, or undefined when it
 * never does within five years. Wall times skipped by a daylight-saving jump do not fire;
 * a repeated wall time fires once, at its first occurrence.
 */
export function nextScheduleTime(s: CronSchedule, afterMs: number, timeZone?: string): number | undefined {
  if (s.everyMs !== undefined) return Math.floor(afterMs / 1000) * 1000 + s.everyMs;
  const start = wallTimeAt(afterMs, timeZone);
  // Calendar arithmetic on the wall clock, held as a UTC-based number.
  let wall = wallTimeAsUtcMs({ ...start, second: 0 }) + minuteMs;
  const lastYear = start.year + searchYears;
  for (;;) {
    const d = new Date(wall);
    if (d.getUTCFullYear() > lastYear) return undefined;
    if (!s.months.has(d.getUTCMonth() + 1)) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    if (!dayMatches(s, wall)) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      continue;
    }
    if (!s.hours.has(d.getUTCHours())) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
      continue;
    }
    if (!s.minutes.has(d.getUTCMinutes())) {
      wall += minuteMs;
      continue;
    }
    const instant = instantOfWallTime(wallOfUtcMs(wall), timeZone);
    if (instant !== undefined && instant > afterMs) return instant;
    wall += minuteMs;
  }
}

export interface MissedRuns {
  /** The latest scheduled time in (earliest, now], if any. */
  mostRecent?: number;
  /** How many scheduled times fell in (earliest, now] (estimated when there are very many). */
  missed: number;
}

/** Kubernetes warns (TooManyMissedTimes) above this many missed runs. */
export const MAX_MISSED_RUNS = 100;

/** The scheduled times in (earliestMs, nowMs]: the most recent one and how many there were. */
export function missedRuns(s: CronSchedule, earliestMs: number, nowMs: number, timeZone?: string): MissedRuns {
  const first = nextScheduleTime(s, earliestMs, timeZone);
  if (first === undefined || first > nowMs) return { missed: 0 };
  let last = first;
  let count = 1;
  for (;;) {
    const t = nextScheduleTime(s, last, timeZone);
    if (t === undefined || t > nowMs) return { mostRecent: last, missed: count };
    last = t;
    count++;
    if (count > MAX_MISSED_RUNS) break;
  }
  // Very many: estimate the count from the average gap, then look for the last run in a
  // window before now that grows until it holds one.
  const gap = Math.max(minuteMs, (last - first) / (count - 1));
  const missed = Math.floor((nowMs - first) / gap) + 1;
  for (let window = 2 * gap; ; window *= 2) {
    const from = Math.max(earliestMs, nowMs - window);
    let recent: number | undefined;
    for (let t = nextScheduleTime(s, from, timeZone); t !== undefined && t <= nowMs; t = nextScheduleTime(s, t, timeZone)) {
      recent = t;
    }
    if (recent !== undefined) return { mostRecent: recent, missed: Math.max(missed, MAX_MISSED_RUNS + 1) };
  }
}
