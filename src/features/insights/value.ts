import { UserError } from '../../errors';
import { insightStrings as s } from './strings';

/**
 * The value a story states, read from its text: `value: 120 hours a month saved`,
 * `value: $40k travel cost avoided`, `value: CSAT +6`, `value: 30 fewer escalations a month
 * (measured)`. Pure functions.
 *
 * - kind: what it is, in the person's words, normalised ("hours saved", "travel cost avoided",
 *   "csat", "fewer escalations");
 * - amount and unit: hours (days and weeks are converted at 8 and 40 hours), a currency code
 *   (USD, EUR, GBP), "points" for a score change, "%" or "count";
 * - per: week, month, quarter or year when it recurs; none for a one-off;
 * - basis: estimated unless the text says measured.
 */
export type Per = 'week' | 'month' | 'quarter' | 'year';
export type Basis = 'estimated' | 'measured';

export interface StoryValue {
  kind: string;
  amount: number;
  unit: string;
  per?: Per;
  basis: Basis;
  /** As the person wrote it (trimmed), for the card. */
  text: string;
}

export const MAX_VALUE_TEXT = 120;
const MAX_AMOUNT = 1e12;

const CURRENCY: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP', usd: 'USD', eur: 'EUR', gbp: 'GBP', dollars: 'USD', euros: 'EUR', pounds: 'GBP' };
const SCALE: Record<string, number> = { k: 1e3, thousand: 1e3, m: 1e6, mn: 1e6, million: 1e6, bn: 1e9, b: 1e9, billion: 1e9 };
const HOURS: Record<string, number> = { minute: 1 / 60, minutes: 1 / 60, mins: 1 / 60, min: 1 / 60, hour: 1, hours: 1, hrs: 1, hr: 1, h: 1, day: 8, days: 8, week: 40, weeks: 40 };
const PER_WORDS: [RegExp, Per][] = [
  [/\b(?:a|per|each|every|\/)\s*week\b|\bweekly\b|\/\s*wk\b/i, 'week'],
  [/\b(?:a|per|each|every|\/)\s*month\b|\bmonthly\b|\/\s*mo\b/i, 'month'],
  [/\b(?:a|per|each|every|\/)\s*quarter\b|\bquarterly\b/i, 'quarter'],
  [/\b(?:a|per|each|every|\/)\s*year\b|\byearly\b|\bannually\b|\bannual\b|\bper annum\b|\/\s*yr\b/i, 'year'],
];

/** Per-period amounts on one footing: how many of `to` in one `from`. */
const PER_IN_YEAR: Record<Per, number> = { week: 52, month: 12, quarter: 4, year: 1 };
export function convertPer(amount: number, from: Per, to: Per): number {
  return (amount * PER_IN_YEAR[from]) / PER_IN_YEAR[to];
}

const words = (t: string): string =>
  t
    .toLowerCase()
    .replace(/[^\p{L}\p{N}%\s-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The `value: ...` part of a story's text, if it has one (up to a line end, `;`, `#tag` or `customer:`). */
export function valueTextIn(text: string): string | undefined {
  const m = /(?:^|\s)value:[ \t]*([^\n;#]*?)[ \t]*(?=$|\n|;|#|\bcustomer:|\s+by\s+@)/im.exec(text);
  return m ? (m[1] ?? '').trim() : undefined;
}

/** Reads a stated value; a value it cannot read is a UserError that says how to write one. */
export function parseValue(raw: string): StoryValue {
  const text = raw.replace(/\s+/g, ' ').trim();
  if (!text) throw new UserError(s.valueMissing);
  if (text.length > MAX_VALUE_TEXT) throw new UserError(s.valueTooLong(MAX_VALUE_TEXT));
  let rest = ` ${text} `;
  let basis: Basis = 'estimated';
  if (/\bmeasured\b/i.test(rest)) basis = 'measured';
  rest = rest.replace(/\(?\b(?:measured|estimated|estimate|est\.?|approx\.?|approximately|about|around|roughly)\b\)?|~/gi, ' ');

  let per: Per | undefined;
  for (const [re, p] of PER_WORDS) {
    if (re.test(rest)) {
      per = p;
      rest = rest.replace(re, ' ');
      break;
    }
  }

  // The number: an optional currency sign, digits with , or . and an optional scale (k, m, million).
  const num = /([-+−]?)\s*([$€£])?\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(k|m|mn|bn|b|thousand|million|billion)?\b\s*(%|usd|eur|gbp|dollars|euros|pounds)?/i.exec(rest);
  if (!num || !num[3]) throw new UserError(s.valueUnreadable(text.slice(0, 60)));
  const sign = num[1] === '-' || num[1] === '−' ? -1 : 1;
  let amount = Number(num[3].replace(/,/g, '')) * (SCALE[(num[4] ?? '').toLowerCase()] ?? 1) * sign;
  if (!Number.isFinite(amount) || Math.abs(amount) > MAX_AMOUNT) throw new UserError(s.valueUnreadable(text.slice(0, 60)));
  const before = words(rest.slice(0, num.index));
  let after = words(rest.slice(num.index + num[0].length));
  const currency = num[2] ? CURRENCY[num[2]] : num[5] && num[5] !== '%' ? CURRENCY[num[5].toLowerCase()] : undefined;

  let unit: string;
  let kind: string;
  if (currency) {
    unit = currency;
    kind = [before, after].filter(Boolean).join(' ') || 'money';
  } else if (num[5] === '%') {
    unit = '%';
    kind = [before, after].filter(Boolean).join(' ');
  } else {
    const firstAfter = after.split(' ')[0] ?? '';
    const hours = HOURS[firstAfter];
    if (hours !== undefined) {
      amount *= hours;
      unit = 'hours';
      after = after.split(' ').slice(1).join(' ');
      kind = `hours ${[before, after].filter(Boolean).join(' ')}`.trim();
      if (kind === 'hours') kind = 'hours saved';
    } else if (before && (num[1] === '+' || num[1] === '-' || num[1] === '−' || !after)) {
      // "CSAT +6", "NPS 12": a score and its change.
      unit = 'points';
      kind = [before, after].filter(Boolean).join(' ');
    } else {
      unit = 'count';
      kind = [before, after].filter(Boolean).join(' ');
    }
  }
  kind = kind.replace(/^(?:of|in|on)\s+/, '').slice(0, 60).trim();
  if (!kind) throw new UserError(s.valueNoKind(text.slice(0, 60)));
  if (amount === 0) throw new UserError(s.valueUnreadable(text.slice(0, 60)));
  return { kind, amount: Math.round(amount * 100) / 100, unit, ...(per ? { per } : {}), basis, text };
}

/** "120 hours a month", "USD 40,000", "+6 points": an amount as the card shows it. */
export function formatAmount(amount: number, unit: string, per?: Per): string {
  const n = Math.abs(amount) >= 100 ? Math.round(amount).toLocaleString('en-US') : String(Math.round(amount * 10) / 10);
  const body = unit === 'USD' ? `$${n}` : unit === 'EUR' ? `€${n}` : unit === 'GBP' ? `£${n}` : unit === '%' ? `${n}%` : unit === 'count' ? n : unit === 'points' ? `${amount > 0 ? '+' : ''}${n} points` : `${n} ${unit}`;
  return per ? `${body} a ${per}` : body;
}

/** The value a story's text states, read; undefined when it states none; a UserError when it cannot be read. */
export function statedValue(storyText: string): StoryValue | undefined {
  const raw = valueTextIn(storyText);
  return raw === undefined ? undefined : parseValue(raw);
}
