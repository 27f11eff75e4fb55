import { z } from 'zod';
import { UserError } from '../../errors';
import { cadenceFrom, isTimeZone, parseDuration, DEFAULT_DURATION, MIN_DURATION, MAX_DURATION, CADENCES, type Cadence } from './schedule';
import type { NewCall } from './service';
import type { NoteKind } from './repo';
import { checkMeetingLink, looksLikeLink } from './meetingLink';
import { agendaCallStrings as cs, agendaStrings as s } from './strings';

/**
 * Reading what people send: the one-line `call "Title" 2026-12-10 16:00 monthly 60m Europe/Amsterdam`
 * shortcut, and the data of the agenda cards' buttons (zod: a forged or old card gets a plain
 * answer, never a crash).
 */
const QUOTES: Record<string, string> = { '"': '"', '\u201c': '\u201d', '\u201d': '\u201d', "'": "'", '\u2018': '\u2019', '\u00ab': '\u00bb' };

export function parseCallShortcut(args: string, defaultTimeZone: string): NewCall {
  // "off the record" anywhere after the title: notes keep only decisions and actions, without names.
  const offRecordAt = /(^|\s)off[\s-]+the[\s-]+record(?=$|\s)/i;
  let rest = args.trim();
  let offRecord = false;
  const quoted = QUOTES[rest[0] ?? ''] ? rest.indexOf(QUOTES[rest[0] ?? '']!, 1) : -1;
  const m = offRecordAt.exec(quoted > 0 ? rest.slice(quoted + 1) : rest);
  if (m) {
    offRecord = true;
    const start = (quoted > 0 ? quoted + 1 : 0) + m.index;
    rest = `${rest.slice(0, start)} ${rest.slice(start + m[0].length)}`.trim();
  }
  let title = '';
  const open = rest[0] ?? '';
  const close = QUOTES[open];
  if (close) {
    const end = rest.indexOf(close, 1);
    if (end < 0) throw new UserError(s.titleMissing);
    title = rest.slice(1, end);
    rest = rest.slice(end + 1);
  }
  rest = rest.replace(/every\s+(two|2)\s+weeks/gi, 'biweekly');
  const tokens = rest.split(/\s+/).filter(Boolean);
  if (!close) {
    // No quotes: the title is everything before the date.
    const at = tokens.findIndex((t) => /^\d{4}-\d{1,2}-\d{1,2}$/.test(t));
    title = tokens.splice(0, at < 0 ? tokens.length : at).join(' ');
  }
  if (!title.trim()) throw new UserError(s.titleMissing);
  let date: string | undefined;
  let time: string | undefined;
  let cadence: Cadence | undefined;
  let durationMin: number | undefined;
  let timeZone: string | undefined;
  let meetingUrl: string | undefined;
  for (const token of tokens) {
    if (looksLikeLink(token) && !meetingUrl) meetingUrl = meetingLinkOrRefuse(token);
    else if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(token) && !date) {
      const [y, m, d] = token.split('-');
      date = `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
    } else if (/^\d{1,2}:\d{2}$/.test(token) && !time) time = token;
    else if (cadenceFrom(token) && !cadence) cadence = cadenceFrom(token);
    else if (/^\d+\s*(h|m|min|mins|minutes)|^\d+h\d+$/i.test(token) && durationMin === undefined) {
      durationMin = parseDuration(token);
      if (durationMin === undefined) throw new UserError(s.badDuration(MIN_DURATION, MAX_DURATION));
    } else if (DATE_LIKE.test(token)) {
      // 20/12/2026 or 12.20.2026: clearly a date, in an order we do not guess.
      throw new UserError(s.dateOrder(token.slice(0, 20), isoSuggestion(token)));
    } else if ((token.includes('/') || /^(utc|gmt)$/i.test(token)) && !timeZone) {
      if (!isTimeZone(token)) throw new UserError(s.badTimeZone(token.slice(0, 60)));
      timeZone = token;
    } else if (/^[\d./-]+$/.test(token) && !date) throw new UserError(s.badDate);
    else if ((/\d.*:|:.*\d/.test(token) || /^\d{1,2}(am|pm)$/i.test(token)) && !time) throw new UserError(s.timeNotRead(token.slice(0, 20)));
    else throw new UserError(!date ? s.badDate : s.unknownWord(token.slice(0, 40)));
  }
  if (!date || !time) throw new UserError(s.dateMissing);
  return { title, date, time, durationMin: durationMin ?? DEFAULT_DURATION, cadence: cadence ?? 'once', timeZone: timeZone ?? defaultTimeZone, ...(meetingUrl ? { meetingUrl } : {}), ...(offRecord ? { offRecord } : {}) };
}

/** A checked Teams meeting link, or a refusal saying what a meeting link must look like. */
export function meetingLinkOrRefuse(raw: string): string {
  const checked = checkMeetingLink(raw);
  if (!checked.ok) throw new UserError(cs.badMeetingLink);
  return checked.url;
}

const DATE_LIKE = /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/;

/** The year-month-day form of a date written day/month/year or month/day/year, when only one reading is possible. */
function isoSuggestion(token: string): string | undefined {
  const [a, b, c] = token.split(/[./-]/).map(Number) as [number, number, number];
  if (c < 1000) return undefined;
  const iso = (d: number, m: number) => `${c}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  if (a > 12 && b >= 1 && b <= 12 && a <= 31) return iso(a, b);
  if (b > 12 && a >= 1 && a <= 12 && b <= 31) return iso(b, a);
  return undefined;
}

const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const cardData = {
  open: z.object({ callId: id }),
  recapMore: z.object({ callId: id, from: int(0, 100_000) }),
  recapVisibility: z.object({ callId: id, visibility: z.enum(['team', 'network']) }),
  endConfirm: z.object({ callId: id }),
  // `vote` carries the intent (true: count my vote, false: take it back); older cards send none.
  vote: z.object({ callId: id, rev: int(1, 1_000_000), topic: int(1, 10_000), vote: z.boolean().optional() }),
  propose: z.object({ callId: id, rev: int(1, 1_000_000), topic: z.string().max(5000).optional(), anyway: z.boolean().optional() }),
  // Editing one's own topic: `n` is the topic (the card's propose box is the input named `topic`); the new text is the input `edit<n>`.
  topicEdit: z.object({ callId: id, rev: int(1, 1_000_000), n: int(1, 10_000) }).catchall(z.unknown()),
  topicDelete: z.object({ callId: id, rev: int(1, 1_000_000), n: int(1, 10_000) }),
  finalise: z.object({ callId: id, rev: int(1, 1_000_000), topN: z.union([z.literal(''), z.coerce.number()]).optional() }),
  create: z.object({
    title: z.string().max(1000).default(''),
    date: z.string().max(40).default(''),
    time: z.string().max(40).default(''),
    duration: z.union([z.literal(''), z.coerce.number()]).optional(),
    cadence: z.enum(CADENCES as [Cadence, ...Cadence[]]).default('once'),
    timeZone: z.string().max(80).optional(),
    link: z.string().max(4096).optional(),
    offRecord: z.enum(['true', 'false']).optional(),
  }),
  // "I'll be there" (true) / "Can't make it" (false): set-state, so a retry changes nothing.
  rsvp: z.object({ callId: id, going: z.boolean() }),
};

/** The form's fields; times are in the time zone of whoever presses Create (the creator). */
export function newCallFromForm(data: z.infer<typeof cardData.create>, timeZone: string): NewCall {
  return {
    title: data.title,
    date: data.date.trim(),
    time: data.time.trim(),
    durationMin: data.duration === '' || data.duration === undefined ? DEFAULT_DURATION : data.duration,
    cadence: data.cadence,
    timeZone,
    ...(data.link?.trim() ? { meetingUrl: meetingLinkOrRefuse(data.link) } : {}),
    ...(data.offRecord === 'true' ? { offRecord: true } : {}),
  };
}

/** `note [n] [decision:|action:] text` -> its parts (topic 0: a general note). */
export function parseNote(raw: string): { text: string; topic: number; kind: NoteKind } {
  let text = raw.trim();
  let topic = 0;
  const numbered = /^(\d{1,3})(?:\s+|$)([\s\S]*)$/.exec(text);
  if (numbered) {
    topic = Number(numbered[1]);
    text = (numbered[2] ?? '').trim();
  }
  let kind: NoteKind = 'note';
  const marked = /^(decision|action)\s*:\s*([\s\S]*)$/i.exec(text);
  if (marked) {
    kind = marked[1]!.toLowerCase() as NoteKind;
    text = (marked[2] ?? '').trim();
  }
  return { text, topic, kind };
}
