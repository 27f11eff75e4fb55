import { DateTime, IANAZone } from 'luxon';

/**
 * Call times: parsing what people type, repeating by cadence, and splitting a call into time
 * boxes. Pure functions of their arguments (no clock, no storage), so they are unit-tested.
 * Times are entered in the creator's time zone and kept in UTC; repeats are computed in the
 * creator's zone, so a 16:00 call stays at 16:00 local across daylight-saving changes.
 */
export type Cadence = 'once' | 'weekly' | 'biweekly' | 'monthly';

export const CADENCES: readonly Cadence[] = ['once', 'weekly', 'biweekly', 'monthly'];

export const MIN_DURATION = 5;
export const MAX_DURATION = 8 * 60;
export const DEFAULT_DURATION = 60;

export function isTimeZone(tz: string): boolean {
  return IANAZone.isValidZone(tz);
}

export type ParseProblem = 'date' | 'time' | 'timeZone' | 'past' | 'duration';

/** A local date (yyyy-mm-dd) and time (hh:mm) in a zone, as a UTC instant; or what is wrong. */
export function localToUtc(date: string, time: string, timeZone: string, now: Date): { ok: true; at: Date } | { ok: false; problem: ParseProblem } {
  if (!isTimeZone(timeZone)) return { ok: false, problem: 'timeZone' };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return { ok: false, problem: 'date' };
  const t = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(time);
  if (!t) return { ok: false, problem: 'time' };
  if (Number(t[1]) > 23 || Number(t[2]) > 59) return { ok: false, problem: 'time' };
  const dt = DateTime.fromISO(`${date}T${t[1]!.padStart(2, '0')}:${t[2]}`, { zone: timeZone });
  if (!dt.isValid) return { ok: false, problem: 'date' };
  // A local time that does not exist (skipped by a DST change) is moved forward by luxon; keep it.
  const at = dt.toUTC().toJSDate();
  if (at.getTime() <= now.getTime()) return { ok: false, problem: 'past' };
  return { ok: true, at };
}

/** "60", "60m", "90min", "1h", "1h30", "1h30m" to minutes; undefined if it is not a duration. */
export function parseDuration(token: string): number | undefined {
  const m = /^(?:(\d{1,2})h)?(?:(\d{1,3})(?:m|min|mins|minutes)?)?$/i.exec(token.trim());
  if (!m || (!m[1] && !m[2])) return undefined;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

export function cadenceFrom(word: string): Cadence | undefined {
  const w = word.toLowerCase().replace(/[\s_-]+/g, '');
  if (w === 'once' || w === 'oneoff' || w === 'single') return 'once';
  if (w === 'weekly') return 'weekly';
  if (w === 'biweekly' || w === 'fortnightly' || w === 'everytwoweeks' || w === 'every2weeks') return 'biweekly';
  if (w === 'monthly') return 'monthly';
  return undefined;
}

/** Which weekday-of-month a date is: 1..4, or 5 meaning "the last such weekday". */
export function weekdayOfMonth(at: Date, timeZone: string): number {
  const d = DateTime.fromJSDate(at, { zone: timeZone });
  return Math.min(5, Math.ceil(d.day / 7));
}

/**
 * The occurrence after `previous`. For monthly calls, `nth` is the anchor's weekday-of-month
 * (1..4, or 5 for "last"): the 2nd Thursday stays the 2nd Thursday.
 */
export function nextOccurrence(previous: Date, cadence: Cadence, timeZone: string, nth: number): Date | undefined {
  const d = DateTime.fromJSDate(previous, { zone: timeZone });
  if (cadence === 'once') return undefined;
  if (cadence === 'weekly') return d.plus({ weeks: 1 }).toUTC().toJSDate();
  if (cadence === 'biweekly') return d.plus({ weeks: 2 }).toUTC().toJSDate();
  const monthStart = d.startOf('month').plus({ months: 1 });
  const weekday = d.weekday;
  const firstOffset = (weekday - monthStart.weekday + 7) % 7;
  let day = 1 + firstOffset + (Math.min(nth, 5) - 1) * 7;
  if (nth >= 5 || day > monthStart.daysInMonth!) {
    const lastDay = monthStart.endOf('month');
    day = lastDay.day - ((lastDay.weekday - weekday + 7) % 7);
  }
  return monthStart.set({ day, hour: d.hour, minute: d.minute, second: 0, millisecond: 0 }).toUTC().toJSDate();
}

/** The first occurrence after `previous` that starts after `now` (a call closed late skips missed dates). */
export function nextFutureOccurrence(previous: Date, cadence: Cadence, timeZone: string, nth: number, now: Date): Date | undefined {
  let at = nextOccurrence(previous, cadence, timeZone, nth);
  for (let guard = 0; at && at.getTime() <= now.getTime() && guard < 1000; guard++) at = nextOccurrence(at, cadence, timeZone, nth);
  return at;
}

/**
 * When an agenda is finalised automatically: `hours` before the start; if that moment has
 * passed already when the call is created, halfway between creation and start, so people
 * still get time to propose and vote.
 */
export function autoFinaliseAt(startsAt: Date, createdAt: Date, hours: number): Date {
  const due = startsAt.getTime() - hours * 3_600_000;
  if (due > createdAt.getTime()) return new Date(due);
  return new Date(createdAt.getTime() + Math.max(0, (startsAt.getTime() - createdAt.getTime()) / 2));
}

/** Splits a call's minutes over n topics: whole minutes, the remainder to the top-ranked ones. */
export function timeBoxes(durationMin: number, n: number): number[] {
  if (n <= 0) return [];
  const base = Math.floor(durationMin / n);
  const extra = durationMin - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

/** yyyy-mm-dd of an instant in a zone. */
export function localDate(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate() ?? '';
}

/** A readable local date and time for plain-text answers ("Thu 10 Dec 2026, 16:00 (Europe/Amsterdam)"). */
export function readableLocal(at: Date, timeZone: string): string {
  return `${DateTime.fromJSDate(at, { zone: timeZone }).toFormat('ccc d LLL yyyy, HH:mm')} (${timeZone})`;
}

/** ISO 8601 without milliseconds, as Teams' {{DATE()}} and {{TIME()}} card functions want it. */
export function cardInstant(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
