import type { Contribution } from '../../teams/events';
import { COUNT_NAMES, type CountName, type Day } from './repo';
import { addDays, daysBetween, type DayRange, type Period } from './period';

/**
 * Health figures from day rows: pure functions, so every rule here is unit-tested without
 * storage. What a contribution adds to its day is here too (`applyContribution`).
 */
export interface Change {
  now: number;
  previous: number;
}

export interface CallTurnout {
  callId: string;
  title: string;
  voted: number;
  noted: number;
  /** People the call feature saw present (meeting join, check-in). */
  present: number;
  /** Of those present, people at their first call in this space. */
  firstTime: number;
  /** People who voted, wrote a note or were present. */
  tookPart: number;
  lastDay: string;
}

export interface TrendBucket {
  from: string;
  people: number;
  stories: number;
}

export interface HealthView {
  period: Period;
  contributors: { active: number; new: number; returning: number; goneQuiet: number; previousActive: number };
  counts: Record<CountName, Change>;
  turnout: CallTurnout[];
  themes: (Change & { theme: string })[];
  questionThemes: (Change & { theme: string })[];
  /** Median minutes from a question to its first answer, when any was answered. */
  medianFirstAnswerMinutes?: number;
  trend: TrendBucket[];
  /** Day rows read to build this view. */
  rowsRead: number;
}

const COUNT_OF: Record<Contribution['kind'], CountName> = {
  story: 'stories',
  topic: 'topics',
  vote: 'votes',
  note: 'notes',
  endorse: 'endorsements',
  question: 'questions',
  answer: 'answers',
  attended: 'attendances',
};

const addOnce = (list: string[], item: string): void => {
  if (!list.includes(item)) list.push(item);
};

/** What one contribution adds to its day row. `first`: the person's first contribution ever here. */
export function applyContribution(d: Day, c: Contribution, tag: string, first: boolean): void {
  d.counts[COUNT_OF[c.kind]] += 1;
  addOnce(d.people, tag);
  if (first) addOnce(d.firsts, tag);
  const themes = c.kind === 'question' ? d.questionThemes : c.kind === 'story' ? d.themes : undefined;
  if (themes) for (const t of new Set(c.themes ?? [])) themes[t] = (themes[t] ?? 0) + 1;
  if (c.kind === 'story' && c.value) {
    const k = valueKey(c.value);
    d.values[k] = (d.values[k] ?? 0) + c.value.amount;
  }
  if (c.call && (c.kind === 'vote' || c.kind === 'note' || c.kind === 'topic' || c.kind === 'attended')) {
    const call = (d.calls[c.call.callId] ??= { title: '', voters: [], noters: [] });
    if (c.call.title && !call.title) call.title = c.call.title.slice(0, 120);
    if (c.kind === 'vote') addOnce(call.voters, tag);
    if (c.kind === 'note') addOnce(call.noters, tag);
    if (c.kind === 'attended') {
      addOnce((call.present ??= []), tag);
      if (c.firstTime) addOnce((call.firstTimers ??= []), tag);
    }
  }
  if (c.kind === 'answer' && c.firstAnswerTo) {
    d.answerMinutes.push(Math.max(0, Math.round((c.at.getTime() - c.firstAnswerTo.askedAt.getTime()) / 60_000)));
  }
}

/** A contribution taken back (a deleted topic): one fewer on the day it was counted; the person stays active that day. */
export function applyWithdrawal(d: Day, kind: 'topic' | 'vote'): void {
  const name = COUNT_OF[kind];
  d.counts[name] = Math.max(0, d.counts[name] - 1);
}

export function valueKey(v: { kind: string; unit: string; per?: string }): string {
  return [v.kind, v.unit, v.per ?? ''].join('|');
}

const inRange = (r: DayRange) => (d: Day): boolean => d.day >= r.from && d.day < r.to;

function union(days: Day[], pick: (d: Day) => string[]): Set<string> {
  const out = new Set<string>();
  for (const d of days) for (const t of pick(d)) out.add(t);
  return out;
}

function sumMaps(days: Day[], pick: (d: Day) => Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of days) for (const [k, v] of Object.entries(pick(d))) out.set(k, (out.get(k) ?? 0) + v);
  return out;
}

function topChanges(now: Map<string, number>, prev: Map<string, number>, limit: number): (Change & { theme: string })[] {
  return [...now.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([theme, n]) => ({ theme, now: n, previous: prev.get(theme) ?? 0 }));
}

export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round(((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2);
}

/** Buckets for the trend: days for a week, else weeks (the last bucket may be shorter). */
function buckets(range: DayRange): DayRange[] {
  const size = range.days <= 14 ? 1 : 7;
  const out: DayRange[] = [];
  for (let from = range.from; from < range.to; from = addDays(from, size)) {
    const to = addDays(from, size) < range.to ? addDays(from, size) : range.to;
    out.push({ from, to, days: daysBetween(from, to) });
  }
  return out;
}

export function healthView(period: Period, days: Day[], rowsRead: number): HealthView {
  const cur = days.filter(inRange(period.current));
  const prev = days.filter(inRange(period.previous));
  const active = union(cur, (d) => d.people);
  const previousActive = union(prev, (d) => d.people);
  const newcomers = union(cur, (d) => d.firsts);
  const counts = Object.fromEntries(
    COUNT_NAMES.map((n) => [n, { now: cur.reduce((a, d) => a + d.counts[n], 0), previous: prev.reduce((a, d) => a + d.counts[n], 0) }]),
  ) as Record<CountName, Change>;

  const calls = new Map<string, { title: string; voters: Set<string>; noters: Set<string>; present: Set<string>; firstTimers: Set<string>; lastDay: string }>();
  for (const d of cur) {
    for (const [callId, c] of Object.entries(d.calls)) {
      const agg = calls.get(callId) ?? { title: c.title, voters: new Set<string>(), noters: new Set<string>(), present: new Set<string>(), firstTimers: new Set<string>(), lastDay: d.day };
      if (!agg.title && c.title) agg.title = c.title;
      c.voters.forEach((t) => agg.voters.add(t));
      c.noters.forEach((t) => agg.noters.add(t));
      (c.present ?? []).forEach((t) => agg.present.add(t));
      (c.firstTimers ?? []).forEach((t) => agg.firstTimers.add(t));
      if (d.day > agg.lastDay) agg.lastDay = d.day;
      calls.set(callId, agg);
    }
  }
  const turnout = [...calls.entries()]
    .map(([callId, c]) => ({
      callId,
      title: c.title,
      voted: c.voters.size,
      noted: c.noters.size,
      present: c.present.size,
      firstTime: c.firstTimers.size,
      tookPart: new Set([...c.voters, ...c.noters, ...c.present]).size,
      lastDay: c.lastDay,
    }))
    .sort((a, b) => b.lastDay.localeCompare(a.lastDay))
    .slice(0, 5);

  const trend = buckets(period.current).map((b) => {
    const inB = cur.filter(inRange(b));
    return { from: b.from, people: union(inB, (d) => d.people).size, stories: inB.reduce((a, d) => a + d.counts.stories, 0) };
  });

  return {
    period,
    contributors: {
      active: active.size,
      new: [...newcomers].filter((t) => active.has(t)).length,
      returning: [...active].filter((t) => !newcomers.has(t)).length,
      goneQuiet: [...previousActive].filter((t) => !active.has(t)).length,
      previousActive: previousActive.size,
    },
    counts,
    turnout,
    themes: topChanges(sumMaps(cur, (d) => d.themes), sumMaps(prev, (d) => d.themes), 5),
    questionThemes: topChanges(sumMaps(cur, (d) => d.questionThemes), sumMaps(prev, (d) => d.questionThemes), 5),
    medianFirstAnswerMinutes: median(cur.flatMap((d) => d.answerMinutes)),
    trend,
    rowsRead,
  };
}
