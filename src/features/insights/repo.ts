import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { mutateEntity } from '../../store/etag';
import { key } from '../../store/keys';
import { insertIfAbsent, listPartition } from '../../store/tables';

/**
 * The counters insights keeps as things happen: one row per space and UTC day, so a figure for
 * any period is a read of that period's days (a row-key range), never of the history behind it.
 *
 * Table `insightdays`. PartitionKey: tenant|space. RowKey: `d|YYYY-MM-DD`.
 * Table `insightmembers`: who has ever taken part (their tag), to tell new people from returning
 * ones. PartitionKey: tenant|space. RowKey: the person's tag.
 *
 * People appear in counters only as a tag (a hash of tenant and user id, 12 hex digits): enough to
 * count distinct people, and removable by `forget me`. A day row holds at most MAX_PEOPLE_PER_DAY
 * tags (64 KiB string limit); past that, people are still counted in the totals, not as distinct.
 */
export const INSIGHT_DAYS_TABLE = 'insightdays';
export const INSIGHT_MEMBERS_TABLE = 'insightmembers';
export const MAX_PEOPLE_PER_DAY = 4000;

export type CountName = 'stories' | 'topics' | 'votes' | 'notes' | 'endorsements' | 'questions' | 'answers' | 'attendances';
export const COUNT_NAMES: readonly CountName[] = ['stories', 'topics', 'votes', 'notes', 'endorsements', 'questions', 'answers', 'attendances'];

/** One day of a space, as read back. */
export interface Day {
  day: string;
  counts: Record<CountName, number>;
  /** Tags of people who took part that day. */
  people: string[];
  /** Tags of people whose first contribution ever was that day. */
  firsts: string[];
  /** Stories per theme. */
  themes: Record<string, number>;
  /** Questions per theme (connect). */
  questionThemes: Record<string, number>;
  /** Stated value per `kind|unit|per`. */
  values: Record<string, number>;
  /** Per call that had activity that day: its title, who voted, who wrote notes, who was present (and of those, at their first call here). */
  calls: Record<string, { title: string; voters: string[]; noters: string[]; present?: string[]; firstTimers?: string[] }>;
  /** Minutes from question to its first answer, for answers given that day. */
  answerMinutes: number[];
}

/** One change to a day, applied inside the eTag loop (so it can be applied again on a retry). */
export type DayChange = (day: Day) => void;

interface DayRow {
  day: string;
  stories?: number;
  topics?: number;
  votes?: number;
  notes?: number;
  endorsements?: number;
  questions?: number;
  answers?: number;
  attendances?: number;
  people?: string;
  firsts?: string;
  themes?: string;
  questionThemes?: string;
  values?: string;
  calls?: string;
  answerMinutes?: string;
}

export function personTag(tenantId: string, userId: string): string {
  return createHash('sha256').update(`${tenantId}|${userId}`).digest('hex').slice(0, 12);
}

export const dayKey = (day: string): string => `d|${day}`;

function json<T>(raw: string | undefined, fallback: T): T {
  if (!raw) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

export function emptyDay(day: string): Day {
  return {
    day,
    counts: { stories: 0, topics: 0, votes: 0, notes: 0, endorsements: 0, questions: 0, answers: 0, attendances: 0 },
    people: [],
    firsts: [],
    themes: {},
    questionThemes: {},
    values: {},
    calls: {},
    answerMinutes: [],
  };
}

function fromRow(row: DayRow): Day {
  const d = emptyDay(row.day);
  for (const n of COUNT_NAMES) d.counts[n] = Number(row[n] ?? 0);
  d.people = json(row.people, []);
  d.firsts = json(row.firsts, []);
  d.themes = json(row.themes, {});
  d.questionThemes = json(row.questionThemes, {});
  d.values = json(row.values, {});
  d.calls = json(row.calls, {});
  d.answerMinutes = json(row.answerMinutes, []);
  return d;
}

function toRow(d: Day): DayRow {
  return {
    day: d.day,
    ...d.counts,
    people: JSON.stringify(d.people.slice(0, MAX_PEOPLE_PER_DAY)),
    firsts: JSON.stringify(d.firsts.slice(0, MAX_PEOPLE_PER_DAY)),
    themes: JSON.stringify(d.themes),
    questionThemes: JSON.stringify(d.questionThemes),
    values: JSON.stringify(d.values),
    calls: JSON.stringify(d.calls),
    answerMinutes: JSON.stringify(d.answerMinutes.slice(-2000)),
  };
}

/**
 * Group commit: many people voting in the same minute all change one day row. Changes for a
 * row wait in a queue while a write is in flight and are then written together in one eTag
 * write, so a burst of N costs a few writes instead of N writes racing for the same eTag.
 * Other processes are kept safe by the eTag itself.
 */
export class InsightsRepo {
  private readonly queues = new Map<string, { changes: DayChange[]; waiters: { resolve(): void; reject(e: unknown): void }[] }>();
  private readonly writing = new Set<string>();
  private readonly knownMembers = new Set<string>();
  /** Rows read from storage by this repo (the benchmark reports it per stats turn). */
  rowsRead = 0;

  constructor(
    private readonly days: TableClient,
    private readonly members: TableClient,
  ) {}

  change(where: { tenantId: string; spaceId: string }, day: string, change: DayChange): Promise<void> {
    const pk = key(where.tenantId, where.spaceId);
    const id = `${pk}\n${day}`;
    return new Promise<void>((resolve, reject) => {
      let q = this.queues.get(id);
      if (!q) {
        q = { changes: [], waiters: [] };
        this.queues.set(id, q);
      }
      q.changes.push(change);
      q.waiters.push({ resolve, reject });
      if (!this.writing.has(id)) void this.drain(id, pk, day);
    });
  }

  private async drain(id: string, pk: string, day: string): Promise<void> {
    this.writing.add(id);
    try {
      for (let q = this.queues.get(id); q; q = this.queues.get(id)) {
        this.queues.delete(id);
        const batch = q;
        try {
          await mutateEntity<DayRow>(this.days, pk, dayKey(day), (current) => {
            const d = current ? fromRow(current) : emptyDay(day);
            for (const c of batch.changes) c(d);
            return toRow(d);
          });
          for (const w of batch.waiters) w.resolve();
        } catch (err) {
          for (const w of batch.waiters) w.reject(err);
        }
      }
    } finally {
      this.writing.delete(id);
    }
  }

  /** True the first time a person (tag) takes part in the space. */
  async firstTime(where: { tenantId: string; spaceId: string }, tag: string, day: string): Promise<boolean> {
    const memo = `${where.tenantId}|${where.spaceId}|${tag}`;
    if (this.knownMembers.has(memo)) return false;
    const first = await insertIfAbsent(this.members, { partitionKey: key(where.tenantId, where.spaceId), rowKey: tag, firstDay: day });
    if (this.knownMembers.size > 50_000) this.knownMembers.clear();
    this.knownMembers.add(memo);
    return first;
  }

  /** The days of [from, to) that had any activity: one row-key range, at most one row per day. */
  async daysBetween(where: { tenantId: string; spaceId: string }, from: string, to: string): Promise<Day[]> {
    const rows = await listPartition<DayRow>(this.days, key(where.tenantId, where.spaceId), { from: dayKey(from), to: dayKey(to) });
    this.rowsRead += rows.length;
    return rows.map(fromRow);
  }

  /** Every day row of a space (forget me, retention): a walk of the space's own partition. */
  async allDays(where: { tenantId: string; spaceId: string }): Promise<Day[]> {
    return (await listPartition<DayRow>(this.days, key(where.tenantId, where.spaceId))).map(fromRow);
  }

  async removeMember(where: { tenantId: string; spaceId: string }, tag: string): Promise<void> {
    await this.members.deleteEntity(key(where.tenantId, where.spaceId), tag).catch(() => undefined);
    this.knownMembers.delete(`${where.tenantId}|${where.spaceId}|${tag}`);
  }
}
