import { UserError } from '../../errors';
import { insightStrings as s } from './strings';
import { convertPer, type Per, type StoryValue } from './value';

/**
 * Goals of a network: `goals add "Cut support escalations 15% by Q3" baseline 120/month`.
 * Pure functions: reading the command, and measuring progress from the values stories state.
 *
 * A goal's target is read from its title ("15%" of the baseline, down for cut/reduce/fewer...,
 * up otherwise). Its measure is the title's meaningful words ("support", "escalations"): a
 * story value counts toward the goal when its kind shares one of them ("30 fewer escalations a
 * month"). Values in % count as a share; counts are converted to the baseline's period.
 */
export interface Goal {
  goalId: string;
  title: string;
  baseline: number;
  per?: Per;
  targetPercent?: number;
  direction: 'down' | 'up';
  measure: string[];
  addedBy: string;
  addedAt: Date;
}

export type NewGoal = Omit<Goal, 'goalId' | 'addedBy' | 'addedAt'>;

export const MAX_GOAL_TITLE = 140;
export const MAX_GOALS = 20;

const STOP = new Set(['the', 'and', 'for', 'with', 'our', 'by', 'from', 'into', 'than', 'per', 'a', 'an', 'of', 'to', 'in', 'on', 'at', 'cut', 'reduce', 'lower', 'decrease', 'drop', 'increase', 'grow', 'raise', 'boost', 'improve', 'more', 'fewer', 'less', 'half', 'double', 'end', 'year', 'month', 'quarter', 'week']);
const DOWN = /\b(?:cut|reduce|lower|decrease|drop|fewer|less|halve)\b/i;
const PERS: Record<string, Per> = { week: 'week', wk: 'week', month: 'month', mo: 'month', quarter: 'quarter', year: 'year', yr: 'year' };

export function measureWords(text: string): string[] {
  const words = text
    .toLowerCase()
    .replace(/[^\p{L}\s]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 2 && !STOP.has(w) && !/^q[1-4]$/.test(w));
  return [...new Set(words.map((w) => (w.endsWith('s') && w.length > 4 ? w.slice(0, -1) : w)))];
}

/** `add "<title>" baseline <n>[/<period>]`, the part after `goals`. */
export function parseGoal(args: string): NewGoal {
  const rest = args.trim();
  const quoted = /^["“”']([^"“”']{1,400})["“”']\s*([\s\S]*)$/.exec(rest);
  const title = (quoted ? (quoted[1] ?? '') : rest.split(/\bbaseline\b/i)[0] ?? '').replace(/\s+/g, ' ').trim();
  const tail = quoted ? (quoted[2] ?? '') : rest.slice(title.length);
  if (!title) throw new UserError(s.goalUsageHint);
  if (title.length > MAX_GOAL_TITLE) throw new UserError(s.goalTooLong(MAX_GOAL_TITLE));
  const b = /\bbaseline\s+([0-9][0-9,]*(?:\.\d+)?)\s*(?:(?:\/|per|a|an|each)\s*(week|wk|month|mo|quarter|year|yr)s?)?\b/i.exec(tail);
  if (!b) throw new UserError(s.goalNoBaseline);
  const baseline = Number((b[1] ?? '').replace(/,/g, ''));
  if (!Number.isFinite(baseline) || baseline <= 0 || baseline > 1e12) throw new UserError(s.goalNoBaseline);
  const pct = /(\d+(?:\.\d+)?)\s*%/.exec(title);
  const targetPercent = pct ? Number(pct[1]) : undefined;
  if (targetPercent !== undefined && (targetPercent <= 0 || targetPercent > 1000)) throw new UserError(s.goalBadPercent);
  const measure = measureWords(title);
  if (!measure.length) throw new UserError(s.goalNoMeasure);
  const per = b[2] ? PERS[b[2].toLowerCase()] : undefined;
  return { title, baseline, ...(per ? { per } : {}), ...(targetPercent !== undefined ? { targetPercent } : {}), direction: DOWN.test(title) ? 'down' : 'up', measure };
}

export interface GoalProgress {
  goal: Goal;
  /** The change the goal asks for, in the baseline's unit and period (baseline × percent). */
  target?: number;
  /** What stories report toward it, in the same unit and period (or in % when they state %). */
  reported: number;
  reportedPercent: number;
  /** Share of the target reached, 0..∞ (1 = reached); undefined without a target. */
  share?: number;
  stories: number;
}

/** Does this value speak about the goal's measure? */
export function valueMatches(goal: Pick<Goal, 'measure'>, value: Pick<StoryValue, 'kind'>): boolean {
  const kindWords = new Set(measureWords(value.kind));
  return goal.measure.some((w) => kindWords.has(w));
}

export function progressOf(goal: Goal, values: readonly Pick<StoryValue, 'kind' | 'amount' | 'unit' | 'per'>[]): GoalProgress {
  let reported = 0;
  let reportedPercent = 0;
  let stories = 0;
  for (const v of values) {
    if (!valueMatches(goal, v)) continue;
    if (v.unit === '%') {
      reportedPercent += Math.abs(v.amount);
      stories++;
    } else if (v.unit === 'count' || v.unit === 'hours') {
      reported += goal.per && v.per ? convertPer(Math.abs(v.amount), v.per, goal.per) : Math.abs(v.amount);
      stories++;
    }
  }
  const target = goal.targetPercent !== undefined ? (goal.baseline * goal.targetPercent) / 100 : undefined;
  const share = target ? (reported + (goal.baseline * reportedPercent) / 100) / target : undefined;
  return { goal, ...(target !== undefined ? { target } : {}), reported, reportedPercent, ...(share !== undefined ? { share } : {}), stories };
}
