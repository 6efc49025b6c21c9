// Dates in a course's time zone, with Intl only (no date library: startup time matters, and the
// tz database ships with Node's ICU). Due dates are written as wall-clock times in the course's
// zone ("2017-01-20 23:59") and stored as UTC instants.
import { UserError } from '../errors.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ZONE_FIX = 'Use an IANA time zone name such as America/New_York, Europe/London or UTC.';

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
const displayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The canonical name of an IANA time zone ("america/new_york" → "America/New_York"), or undefined. */
export function checkTimeZone(timeZone: string): string | undefined {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function formatter(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, extra: Intl.DateTimeFormatOptions) {
  let f = cache.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        ...extra,
      });
    } catch {
      throw new UserError(`Unknown time zone ${JSON.stringify(timeZone)}.`, ZONE_FIX);
    }
    cache.set(timeZone, f);
  }
  return f;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  zone: string;
}

function wallParts(f: Intl.DateTimeFormat, t: number): Wall {
  const w: Wall = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, zone: '' };
  for (const p of f.formatToParts(new Date(t))) {
    if (p.type === 'timeZoneName') w.zone = p.value;
    else if (p.type in w) (w as unknown as Record<string, number>)[p.type] = Number(p.value);
  }
  w.hour %= 24; // some ICU versions print midnight as "24" even with h23
  return w;
}

/** Milliseconds since the epoch of a wall-clock time read as if it were UTC (years 0–99 included). */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, ms));
  date.setUTCFullYear(y);
  return date.getTime();
}

/** The zone's offset from UTC (ms, east positive) at instant `t`. */
function offsetAt(timeZone: string, t: number): number {
  const whole = Math.floor(t / 1000) * 1000; // Intl shows whole seconds
  const w = wallParts(formatter(partsFormatters, timeZone, {}), whole);
  return utcMs(w.year, w.month, w.day, w.hour, w.minute, w.second) - whole;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?)?$/i;

/**
 * The UTC instant of a wall-clock time in `timeZone`. Accepts `2017-01-20` (midnight at the start
 * of that day), `2017-01-20 23:59`, `2017-01-20T23:59` and `2017-01-20T23:59:30[.123]`. A string
 * ending in `Z` or an offset (`-05:00`, `+0530`, `+01`) is taken as-is and the zone is ignored.
 *
 * Daylight-saving edges follow the "compatible" rule (JavaScript's Date, Temporal's default):
 * - a time that occurs twice (clocks go back) means the earlier one, still in summer time;
 * - a time that never occurs (clocks go forward) moves forward by the gap: 02:30 becomes 03:30.
 */
export function zonedToUtc(local: string, timeZone: string): Date {
  formatter(partsFormatters, timeZone, {}); // refuse an unknown zone even when an offset is given
  const m = LOCAL_RE.exec(String(local).trim());
  const bad = () =>
    new UserError(
      `${JSON.stringify(local)} is not a valid date and time.`,
      'Write YYYY-MM-DD, YYYY-MM-DD HH:MM or YYYY-MM-DDTHH:MM:SS (24-hour clock), optionally followed by Z or an offset such as -05:00.',
    );
  if (!m) throw bad();
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate(); // day 0 of the next month
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) throw bad();
  const wall = utcMs(y, mo, d, h, mi, s, ms);

  if (m[8]) {
    if (m[8].toUpperCase() === 'Z') return new Date(wall);
    const sign = m[8][0] === '-' ? -1 : 1;
    const digits = m[8].slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2)),
      om = Number(digits.slice(2) || 0);
    if (oh > 23 || om > 59) throw bad();
    return new Date(wall - sign * (oh * 60 + om) * MINUTE);
  }

  // Offsets a day either side bracket any transition near `wall` (zones change at most once a day).
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  const t1 = wall - before;
  const t2 = wall - after;
  const ok1 = offsetAt(timeZone, t1) === before;
  const ok2 = offsetAt(timeZone, t2) === after;
  if (ok1 && ok2) return new Date(Math.min(t1, t2)); // overlap: the earlier instant
  if (ok2) return new Date(t2);
  return new Date(t1); // valid before the transition, or a gap: read with the old offset, i.e. later
}

/**
 * `date` as a wall-clock time in `timeZone` with the zone's abbreviation: `2017-01-20 23:59 EST`.
 * Seconds appear only when they are not zero (`2017-01-20 23:59:59 EST`).
 */
export function formatInZone(date: Date, timeZone: string): string {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError('formatInZone: invalid Date');
  const w = wallParts(formatter(displayFormatters, timeZone, { timeZoneName: 'short' }), t);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const secs = w.second ? `:${p2(w.second)}` : '';
  return `${String(w.year).padStart(4, '0')}-${p2(w.month)}-${p2(w.day)} ${p2(w.hour)}:${p2(w.minute)}${secs} ${w.zone}`;
}

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
};
const DURATION_RE = /^(?:\d+(?:\.\d+)?\s*[a-z]+\s*)+$/i;
const DURATION_PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gi;

/**
 * Seconds in a duration: a number of seconds (`90`, `"90"`), or numbers with units (`90s`, `2m`,
 * `1h`, `1h30m`, `1.5h`, `500ms`, `2 days`).
 */
export function parseDuration(value: string | number): number {
  const bad = () =>
    new UserError(
      `${typeof value === 'number' ? String(value) : JSON.stringify(value)} is not a duration.`,
      'Write a number of seconds, or numbers with units such as 90s, 2m, 1h or 1h30m.',
    );
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw bad();
    return value;
  }
  if (typeof value !== 'string') throw bad();
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (!DURATION_RE.test(text)) throw bad();
  let total = 0;
  for (const [, n, unit] of text.matchAll(DURATION_PART)) {
    const factor = UNIT_SECONDS[unit.toLowerCase()];
    if (factor === undefined) throw bad();
    total += Number(n) * factor;
  }
  return Math.round(total * 1000) / 1000; // 0.1h is 360, not 360.00000000000006
}
