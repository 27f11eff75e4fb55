import type { ConversationKey } from '../../people/model';
import type { CallRow, DueRow, TopicRow } from './repo';
import { autoFinaliseAt, nextFutureOccurrence, type Cadence } from './schedule';
import { rankTopics } from './views';

/**
 * Occurrences of a call series as rows: a new call, the next one from the cadence (with the
 * topics not reached, carried over with their votes reset), and the due-index rows of each.
 * Pure functions: the service stores what they return.
 */

/** A call nobody closed with `call done` is closed this long after its end (recap posted, next one created). */
export const AUTO_CLOSE_AFTER_HOURS = 12;
/** The short "starting soon" reminder goes out this long before the start. */
export const REMIND_BEFORE_MS = 15 * 60_000;

export interface NewOccurrence {
  seriesId: string;
  occurrence: number;
  title: string;
  startsAt: Date;
  durationMin: number;
  cadence: Cadence;
  timeZone: string;
  monthlyNth: number;
  spaceId: string;
  createdBy: { userId: string; userName: string };
  reference: string;
  meetingUrl?: string;
  offRecord?: boolean;
}

export function callRow(c: NewOccurrence, now: Date, autoFinaliseHours: number): CallRow {
  return {
    callId: `${c.seriesId}-${c.occurrence}`,
    seriesId: c.seriesId,
    occurrence: c.occurrence,
    title: c.title,
    startsAt: c.startsAt.getTime(),
    durationMin: c.durationMin,
    cadence: c.cadence,
    timeZone: c.timeZone,
    monthlyNth: c.monthlyNth,
    spaceId: c.spaceId,
    status: 'open',
    rev: 1,
    nextTopic: 1,
    createdBy: c.createdBy.userId,
    createdByName: c.createdBy.userName,
    createdAt: now.getTime(),
    dueAt: autoFinaliseAt(c.startsAt, now, autoFinaliseHours).getTime(),
    closeAt: c.startsAt.getTime() + c.durationMin * 60_000 + AUTO_CLOSE_AFTER_HOURS * 3_600_000,
    reference: c.reference,
    ...(c.meetingUrl ? { meetingUrl: c.meetingUrl } : {}),
    ...(c.offRecord ? { offRecord: true } : {}),
  };
}

export function dueRowsOf(where: ConversationKey, row: CallRow): DueRow[] {
  const base = { tenantId: where.tenantId, conversationId: where.conversationId, callId: row.callId };
  return [
    { ...base, kind: 'finalise', dueAt: row.dueAt },
    { ...base, kind: 'close', dueAt: row.closeAt },
    { ...base, kind: 'remind', dueAt: row.startsAt - REMIND_BEFORE_MS },
    { ...base, kind: 'start', dueAt: row.startsAt },
  ];
}

/**
 * The occurrence after `current` (none for one-off calls), holding the topics not discussed,
 * in their ranking order, renumbered from 1, marked carried over. Its id is derived from the
 * series, so creating it twice (two closers, a retried job) finds the first one.
 */
export function followingOccurrence(
  current: CallRow,
  topics: readonly TopicRow[],
  counts: ReadonlyMap<number, number>,
  discussed: ReadonlySet<number>,
  now: Date,
  autoFinaliseHours: number,
): { row: CallRow; carried: TopicRow[] } | undefined {
  const startsAt = nextFutureOccurrence(new Date(current.startsAt), current.cadence, current.timeZone, current.monthlyNth, now);
  if (!startsAt) return undefined;
  const byNumber = new Map(topics.map((t) => [t.number, t]));
  const carried = rankTopics(topics, counts)
    .filter((t) => !discussed.has(t.number))
    .map((t, i): TopicRow => {
      const old = byNumber.get(t.number)!;
      return { number: i + 1, title: old.title, normalised: old.normalised, proposedBy: old.proposedBy, proposedByName: old.proposedByName, proposedAt: old.proposedAt, carriedOver: true };
    });
  const row = callRow(
    { ...current, occurrence: current.occurrence + 1, startsAt, createdBy: { userId: current.createdBy, userName: current.createdByName } },
    now,
    autoFinaliseHours,
  );
  return { row: { ...row, nextTopic: carried.length + 1 }, carried };
}
