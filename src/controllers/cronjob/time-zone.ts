// Wall-clock time in an IANA time zone, through the host's Intl time zone database: what a
// CronJob's schedule means ("0 9 * * *" in Europe/Paris is 09:00 Paris time, whatever the
// controller's own zone) and how its scheduled-timestamp annotation is written.

/** A calendar date and time of day as read on a clock in some time zone. */
export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function isUtc(timeZone: string | undefined): boolean {
  return !timeZone || timeZone === 'UTC' || timeZone === 'Etc/UTC';
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the host knows the zone (Kubernetes reports an UnknownTimeZone event otherwise). */
export function isKnownTimeZone(timeZone: string | undefined): boolean {
  if (isUtc(timeZone)) return true;
  try {
    formatterFor(timeZone!);
    return true;
  } catch {
    return false;
  }
}

/** The wall time at instant `ms` in `timeZone` (UTC when undefined). */
export function wallTimeAt(ms: number, timeZone?: string): WallTime {
  if (isUtc(timeZone)) return wallTimeOfUtcDate(new Date(ms));
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const p of formatterFor(timeZone!).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

function wallTimeOfUtcDate(d: Date): WallTime {
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** The wall time read as if it were UTC: a plain number to compare and do calendar arithmetic on. */
export function wallTimeAsUtcMs(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (east positive). */
export function offsetAt(ms: number, timeZone?: string): number {
  const exact = Math.floor(ms / 1000) * 1000;
  return wallTimeAsUtcMs(wallTimeAt(exact, timeZone)) - exact;
}

/**
 * The earliest instant at which clocks in `timeZone` show `w`, or undefined when that wall
 * time does not exist there (skipped by a daylight-saving jump).
 */
export function instantOfWallTime(w: WallTime, timeZone?: string): number | undefined {
  const asUtc = wallTimeAsUtcMs(w);
  if (isUtc(timeZone)) return asUtc;
  // The offsets in force around that moment cover both sides of any nearby transition.
  const day = 24 * 3600 * 1000;
  const offsets = new Set([offsetAt(asUtc - day, timeZone), offsetAt(asUtc, timeZone), offsetAt(asUtc + day, timeZone)]);
  const candidates = [...offsets]
    .map((off) => asUtc - off)
    .filter((ms) => wallTimeAsUtcMs(wallTimeAt(ms, timeZone)) === asUtc)
    .sort((a, b) => a - b);
  return candidates[0];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Go's time.RFC3339 of the instant as seen in `timeZone`: "2024-05-01T09:00:00+02:00", or "…Z" in UTC. */
export function formatRfc3339InZone(ms: number, timeZone?: string): string {
  const w = wallTimeAt(ms, timeZone);
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  const offsetMinutes = Math.round(offsetAt(ms, timeZone) / 60_000);
  // Go writes "Z" for a zero offset in any zone.
  if (offsetMinutes === 0) return `${base}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"), as the MissSchedule event prints it. */
export function formatRfc1123zUtc(ms: number): string {
  const d = new Date(ms);
  return `${weekdays[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${monthNames[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
