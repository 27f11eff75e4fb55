import type { CallRow, CallStatus, FinalItem, NoteKind, NoteRow, TopicRow } from './repo';
import type { Cadence } from './schedule';
import { timeBoxes } from './schedule';

/**
 * What the cards and the digest see of a call: plain values built from rows. Ranking and the
 * final agenda live here because both the live card and the finalising use them.
 */
export interface CallView {
  callId: string;
  title: string;
  startsAt: Date;
  durationMin: number;
  cadence: Cadence;
  timeZone: string;
  status: CallStatus;
  rev: number;
  final?: FinalItem[];
  endedAt?: Date;
  /** Teams meeting join URL, when the call has one. */
  meetingUrl?: string;
  /** Signed link to the call's .ics, when calendar links are configured. */
  calendarUrl?: string;
  offRecord?: boolean;
  /** Its recap is shared with the other teams of the network. */
  network?: boolean;
}

export interface TopicView {
  number: number;
  title: string;
  votes: number;
  proposedByName: string;
  proposedAt: Date;
  carriedOver: boolean;
  /** Who proposed it (user id): their own view offers Edit and Delete. */
  proposedBy?: string;
  /** Its text was changed after it was proposed. */
  edited?: boolean;
  /** Who voted for it (user ids), when read with the votes. */
  voters?: ReadonlySet<string>;
}

export interface AgendaView {
  call: CallView;
  /** Ranked: most votes first, ties to whoever proposed first. */
  topics: TopicView[];
  /** Who said they will come (attending.ts), when read. */
  attending?: AttendingView;
  /** Actions from the previous occurrence not yet done, shown at the top of this one's agenda. */
  openActions?: { text: string; ownerName: string; due: string }[];
}

export interface AttendingView {
  going: number;
  notGoing: number;
  /** Each person's answer (user id -> going), for marking the viewer's own. */
  answers: ReadonlyMap<string, boolean>;
}

export interface NoteView {
  text: string;
  /** Its author changed it after writing it. */
  edited?: boolean;
  kind: NoteKind;
  topic: number;
  authorName: string;
  at: Date;
  /** Actions from the running note: who does it, by when, and whether it is done. */
  ownerName?: string;
  due?: string;
  done?: boolean;
}

export interface RecapView {
  call: CallView;
  discussed: { number: number; title: string; notes: NoteView[] }[];
  general: NoteView[];
  decisions: NoteView[];
  actions: NoteView[];
  notReached: { number: number; title: string }[];
  next?: { callId: string; startsAt: Date };
}

export const DEFAULT_TOP_N = 5;
export const MAX_TOP_N = 20;

export function callView(row: CallRow): CallView {
  return {
    callId: row.callId,
    title: row.title,
    startsAt: new Date(row.startsAt),
    durationMin: row.durationMin,
    cadence: row.cadence,
    timeZone: row.timeZone,
    status: row.status,
    rev: row.rev,
    final: row.finalJson ? (JSON.parse(row.finalJson) as FinalItem[]) : undefined,
    endedAt: row.endedAt ? new Date(row.endedAt) : undefined,
    ...(row.meetingUrl ? { meetingUrl: row.meetingUrl } : {}),
    ...(row.offRecord ? { offRecord: true } : {}),
    ...(row.network ? { network: true } : {}),
  };
}

export function rankTopics(topics: readonly TopicRow[], counts: ReadonlyMap<number, number>, voters?: ReadonlyMap<number, ReadonlySet<string>>): TopicView[] {
  return topics
    .map((t) => ({
      voters: voters?.get(t.number) ?? new Set<string>(),
      number: t.number,
      title: t.title,
      votes: counts.get(t.number) ?? 0,
      proposedByName: t.proposedByName,
      proposedAt: new Date(t.proposedAt),
      carriedOver: Boolean(t.carriedOver),
      proposedBy: t.proposedBy,
      edited: typeof t.editedAt === 'number',
    }))
    .sort((a, b) => b.votes - a.votes || a.proposedAt.getTime() - b.proposedAt.getTime() || a.number - b.number);
}

/** The top N ranked topics, each with its share of the call's minutes. */
export function finalAgenda(ranked: readonly TopicView[], topN: number, durationMin: number): FinalItem[] {
  const chosen = ranked.slice(0, Math.max(0, topN));
  const boxes = timeBoxes(durationMin, chosen.length);
  return chosen.map((t, i) => ({ number: t.number, title: t.title, votes: t.votes, proposedByName: t.proposedByName, minutes: boxes[i] ?? 0 }));
}

export function noteView(row: NoteRow): NoteView {
  return {
    text: row.text,
    kind: row.kind,
    topic: row.topic,
    authorName: row.authorName,
    at: new Date(row.at),
    ...(row.ownerName ? { ownerName: row.ownerName } : {}),
    ...(row.due ? { due: row.due } : {}),
    ...(row.done !== undefined ? { done: Boolean(row.done) } : {}),
    ...(typeof row.editedAt === 'number' ? { edited: true } : {}),
  };
}

/**
 * Which topics were discussed: those a note was attached to (`note 2 ...`). If nobody attached
 * notes to topics, the final agenda's topics count as discussed. Everything else was not reached.
 */
export function discussedTopics(topics: readonly TopicRow[], notes: readonly NoteRow[], final: readonly FinalItem[] | undefined): Set<number> {
  const withNotes = new Set(notes.filter((n) => n.topic > 0).map((n) => n.topic));
  const known = new Set(topics.map((t) => t.number));
  const noted = new Set([...withNotes].filter((n) => known.has(n)));
  if (noted.size > 0) return noted;
  return new Set((final ?? []).map((f) => f.number));
}

export function recapView(call: CallRow, topics: readonly TopicRow[], notes: readonly NoteRow[], next?: CallRow): RecapView {
  const discussed = call.discussedJson ? new Set(JSON.parse(call.discussedJson) as number[]) : discussedTopics(topics, notes, callView(call).final);
  const views = notes.map(noteView).sort((a, b) => a.at.getTime() - b.at.getTime());
  const ordered = [...topics].sort((a, b) => a.number - b.number);
  return {
    call: callView(call),
    discussed: ordered.filter((t) => discussed.has(t.number)).map((t) => ({ number: t.number, title: t.title, notes: views.filter((n) => n.topic === t.number) })),
    general: views.filter((n) => n.topic === 0 || !discussed.has(n.topic)),
    decisions: views.filter((n) => n.kind === 'decision'),
    actions: views.filter((n) => n.kind === 'action'),
    notReached: ordered.filter((t) => !discussed.has(t.number)).map((t) => ({ number: t.number, title: t.title })),
    next: next ? { callId: next.callId, startsAt: new Date(next.startsAt) } : undefined,
  };
}
