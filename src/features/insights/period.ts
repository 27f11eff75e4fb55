/**
 * The periods people ask figures for, as ranges of UTC days. Pure functions.
 *
 * `7d`, `30d`, `90d`: the last N days including today, compared with the N days before.
 * `quarter`: this calendar quarter so far, compared with the same number of days from the start
 * of the previous quarter (like for like: 20 days into Q4 against the first 20 days of Q3).
 */
export type PeriodName = '7d' | '30d' | '90d' | 'quarter';

export const PERIOD_NAMES: readonly PeriodName[] = ['7d', '30d', '90d', 'quarter'];
export const DEFAULT_PERIOD: PeriodName = '30d';

export interface DayRange {
  /** First day, YYYY-MM-DD (UTC). */
  from: string;
  /** Day after the last one, YYYY-MM-DD: the range is [from, to). */
  to: string;
  days: number;
}

export interface Period {
  name: PeriodName;
  current: DayRange;
  previous: DayRange;
  /** A label for the quarter ("Q4 2026"), for `quarter`. */
  label?: string;
}

const DAY_MS = 24 * 3600_000;

/** `2026-12-01` for a time (UTC). */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));
}

/** Days from `from` (inclusive) to `to` (exclusive). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function quarterStart(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const q0 = Math.floor((m - 1) / 3) * 3 + 1;
  return `${y}-${String(q0).padStart(2, '0')}-01`;
}

export function quarterLabel(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return `Q${Math.floor((m - 1) / 3) + 1} ${y}`;
}

/** Undefined for anything that is not a period name (the caller answers with the list). */
export function parsePeriodName(raw: string): PeriodName | undefined {
  const t = raw.trim().toLowerCase();
  if (!t) return DEFAULT_PERIOD;
  const aliases: Record<string, PeriodName> = { week: '7d', month: '30d', q: 'quarter', '7': '7d', '30': '30d', '90': '90d' };
  const name = (PERIOD_NAMES as readonly string[]).includes(t) ? (t as PeriodName) : aliases[t];
  return name;
}

export function periodOf(name: PeriodName, now: Date): Period {
  const today = dayOf(now);
  const end = addDays(today, 1);
  if (name === 'quarter') {
    const from = quarterStart(today);
    const days = daysBetween(from, end);
    const prevFrom = quarterStart(addDays(from, -1));
    // A previous quarter can be a day or two shorter (Q1): never let it reach into this one.
    const prevTo = addDays(prevFrom, days) > from ? from : addDays(prevFrom, days);
    return { name, current: { from, to: end, days }, previous: { from: prevFrom, to: prevTo, days: daysBetween(prevFrom, prevTo) }, label: quarterLabel(today) };
  }
  const days = Number(name.slice(0, -1));
  const from = addDays(end, -days);
  return { name, current: { from, to: end, days }, previous: { from: addDays(from, -days), to: from, days } };
}

/** Every day of a range, oldest first. */
export function daysOf(range: DayRange): string[] {
  return Array.from({ length: range.days }, (_, i) => addDays(range.from, i));
}
