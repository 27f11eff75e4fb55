import { DateTime } from 'luxon';
import { isValidTimeZone } from '../../teams/turn';

/**
 * When a channel's digest is due: a weekly slot (ISO weekday, hour, minute) in the
 * subscriber's time zone. Pure functions over luxon, so DST and week numbering are tested
 * without a clock.
 */
export interface WeeklySlot {
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  day: number;
  hour: number;
  minute: number;
  timeZone: string;
}

export const DEFAULT_SLOT: Omit<WeeklySlot, 'timeZone'> = { day: 1, hour: 9, minute: 0 };

/** A missed digest is still sent when the bot comes back within this long after the slot. */
export const CATCH_UP_MS = 24 * 3600_000;

export const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

const DAY_ALIASES: Record<string, number> = {
  mon: 1, monday: 1, tue: 2, tues: 2, tuesday: 2, wed: 3, wednesday: 3, thu: 4, thur: 4, thurs: 4, thursday: 4,
  fri: 5, friday: 5, sat: 6, saturday: 6, sun: 7, sunday: 7,
};

export type SlotProblem = { kind: 'day'; value: string } | { kind: 'time'; value: string } | { kind: 'timeZone'; value: string } | { kind: 'extra'; value: string };

export function parseDay(word: string): number | undefined {
  return DAY_ALIASES[word.toLowerCase()];
}

/** `16:00`, `9:30`, `9`, `4pm`, `4:30pm`. */
export function parseTime(word: string): { hour: number; minute: number } | undefined {
  const m = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$/i.exec(word.trim());
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  const suffix = m[3]?.toLowerCase();
  if (suffix) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (suffix === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}

/** IANA name, matched case-insensitively (`europe/london` is Europe/London); `UTC` as is. */
export function normaliseTimeZone(word: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(word)) return undefined;
  if (!isValidTimeZone(word)) return undefined;
  // Intl gives the canonical spelling (europe/london -> Europe/London).
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: word }).resolvedOptions().timeZone;
  return DateTime.now().setZone(canonical).isValid ? canonical : undefined;
}

/**
 * `digest on [day] [time] [time zone]`, each part optional, in that order or any order.
 * Missing parts keep Monday 09:00 and the person's own time zone.
 */
export function parseSlot(args: string, fallbackTimeZone: string): { slot: WeeklySlot } | { problem: SlotProblem } {
  const slot: WeeklySlot = { ...DEFAULT_SLOT, timeZone: fallbackTimeZone };
  const words = args.trim().split(/\s+/).filter((w) => w.length > 0);
  let sawDay = false;
  let sawTime = false;
  let sawZone = false;
  for (const word of words.slice(0, 8)) {
    if (!sawDay && parseDay(word) !== undefined) {
      slot.day = parseDay(word) ?? slot.day;
      sawDay = true;
      continue;
    }
    if (!sawTime && /^\d/.test(word)) {
      const t = parseTime(word);
      if (!t) return { problem: { kind: 'time', value: word } };
      slot.hour = t.hour;
      slot.minute = t.minute;
      sawTime = true;
      continue;
    }
    if (!sawZone && (word.includes('/') || /^utc$|^gmt$/i.test(word))) {
      const tz = normaliseTimeZone(word.toUpperCase() === 'GMT' ? 'UTC' : word.toUpperCase() === 'UTC' ? 'UTC' : word);
      if (!tz) return { problem: { kind: 'timeZone', value: word } };
      slot.timeZone = tz;
      sawZone = true;
      continue;
    }
    if (!sawDay && /^[a-z]+$/i.test(word)) return { problem: { kind: 'day', value: word } };
    if (!sawZone && /^[a-z_]+$/i.test(word)) return { problem: { kind: 'timeZone', value: word } };
    return { problem: { kind: 'extra', value: word } };
  }
  if (words.length > 8) return { problem: { kind: 'extra', value: words[8] ?? '' } };
  return { slot };
}

/** The latest occurrence of the slot at or before `now`. */
export function latestSlotAt(slot: WeeklySlot, now: Date): DateTime {
  const local = DateTime.fromJSDate(now, { zone: slot.timeZone });
  let candidate = local.set({ weekday: slot.day as 1, hour: slot.hour, minute: slot.minute, second: 0, millisecond: 0 });
  if (candidate.toMillis() > now.getTime()) candidate = candidate.minus({ weeks: 1 }).set({ hour: slot.hour, minute: slot.minute });
  return candidate;
}

export function nextSlotAt(slot: WeeklySlot, now: Date): DateTime {
  const latest = latestSlotAt(slot, now);
  return latest.plus({ weeks: 1 }).set({ hour: slot.hour, minute: slot.minute });
}

/** The run key of a slot occurrence: the ISO week in the subscriber's time zone, e.g. 2026-W48. */
export function runKeyOf(slotAt: DateTime): string {
  return `${slotAt.weekYear}-W${String(slotAt.weekNumber).padStart(2, '0')}`;
}

/** The run key of the week before. */
export function previousRunKey(slotAt: DateTime): string {
  return runKeyOf(slotAt.minus({ weeks: 1 }));
}

/**
 * Is a digest due at `now`? The latest slot must have passed, no more than 24 h ago, and not
 * before the subscription started (a new subscriber is not sent last Monday's digest).
 */
export function dueSlot(slot: WeeklySlot, now: Date, since: Date): { slotAt: DateTime; runKey: string } | undefined {
  const slotAt = latestSlotAt(slot, now);
  const at = slotAt.toMillis();
  if (at < since.getTime()) return undefined;
  if (now.getTime() - at > CATCH_UP_MS) return undefined;
  return { slotAt, runKey: runKeyOf(slotAt) };
}

/**
 * The schedule index groups subscriptions by the UTC hour of the week their slot falls in
 * (`h-<weekday>-<hour>`, 168 buckets). A slot's UTC hour moves by up to an hour or two with
 * daylight saving time, so the scheduler reads a margin of buckets on both sides and checks
 * each row exactly.
 */
export const BUCKET_MARGIN_HOURS = 2;

export function bucketOfInstant(at: Date): string {
  const utc = DateTime.fromJSDate(at, { zone: 'utc' });
  return `h-${utc.weekday}-${String(utc.hour).padStart(2, '0')}`;
}

/** The bucket a subscription is indexed under: the UTC hour of its next occurrence. */
export function bucketOfSlot(slot: WeeklySlot, now: Date): string {
  return bucketOfInstant(nextSlotAt(slot, now).toJSDate());
}

/** Buckets to read at `now`: the catch-up day behind, plus the DST margin on both sides. */
export function bucketsToScan(now: Date): string[] {
  const out = new Set<string>();
  const from = now.getTime() - CATCH_UP_MS - BUCKET_MARGIN_HOURS * 3600_000;
  const to = now.getTime() + BUCKET_MARGIN_HOURS * 3600_000;
  for (let t = from; t <= to + 1; t += 3600_000) out.add(bucketOfInstant(new Date(t)));
  return [...out];
}

export function isValidSlot(slot: WeeklySlot): boolean {
  return (
    Number.isInteger(slot.day) && slot.day >= 1 && slot.day <= 7 &&
    Number.isInteger(slot.hour) && slot.hour >= 0 && slot.hour <= 23 &&
    Number.isInteger(slot.minute) && slot.minute >= 0 && slot.minute <= 59 &&
    isValidTimeZone(slot.timeZone)
  );
}

export function describeSlot(slot: WeeklySlot): string {
  const day = DAY_NAMES[slot.day - 1] ?? 'monday';
  return `${day[0]?.toUpperCase()}${day.slice(1)} ${String(slot.hour).padStart(2, '0')}:${String(slot.minute).padStart(2, '0')} (${slot.timeZone})`;
}
