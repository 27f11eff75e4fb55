import type { TableClient } from '@azure/data-tables';
import type { Store } from '../../store/tables';
import { getEntityOrUndefined, insertIfAbsent, listPartition, statusOf } from '../../store/tables';
import { key, timeKey } from '../../store/keys';
import { mutateEntity } from '../../store/etag';
import type { Cadence } from './schedule';
import { dueRowsOf } from './occurrences';

/**
 * The agenda feature's tables. Every partition starts with tenant and conversation:
 * - agendacalls    PK tenant|conversation             RK call|<callId>       one row per occurrence, eTag-guarded
 * - agendatopics   PK tenant|conversation|callId      RK 0001 (topic number)
 * - agendavotes    PK tenant|conversation|callId      RK 0001|<voter>        one row per vote: exact under concurrency
 * - agendanotes    PK tenant|conversation|callId      RK <time>|<id>         the running note, oldest first
 * - agendacards    PK tenant|conversation             RK <callId>|<activity> posted agenda cards we may update
 * - agendaactivity PK tenant|conversation             RK <time>|kind|...     topics and votes by time, for the digest
 * - callnetwork    PK tenant                          RK ended|<time>|<conv>|<callId>  recaps shared with the network (network.ts)
 * - agendadue      PK due|yyyy-mm-dd (UTC day)        RK <time>|<kind>|...   calls to finalise or close automatically;
 *   the one table keyed by day rather than tenant, because the job must find due calls across
 *   tenants without reading every call; a day bucket holds only that day's due calls.
 */
export const AGENDA_TABLES = {
  calls: 'agendacalls',
  topics: 'agendatopics',
  votes: 'agendavotes',
  notes: 'agendanotes',
  cards: 'agendacards',
  activity: 'agendaactivity',
  due: 'agendadue',
  rsvp: 'agendarsvp',
  links: 'agendalinks',
  network: 'callnetwork',
} as const;

export type CallStatus = 'open' | 'finalised' | 'ended';

import type { ConversationKey } from '../../people/model';

export interface FinalItem {
  number: number;
  title: string;
  votes: number;
  proposedByName: string;
  minutes: number;
}

export interface CallRow {
  callId: string;
  seriesId: string;
  occurrence: number;
  title: string;
  startsAt: number;
  durationMin: number;
  cadence: Cadence;
  timeZone: string;
  /** Weekday of the month of the series' first date (1..4, 5 = last), for monthly repeats. */
  monthlyNth: number;
  spaceId: string;
  status: CallStatus;
  /** Changes when what a card's buttons mean changes (finalised, ended): older cards are stale. */
  rev: number;
  nextTopic: number;
  createdBy: string;
  createdByName: string;
  createdAt: number;
  dueAt: number;
  /** When an unclosed call is closed automatically (its end plus a grace period). */
  closeAt: number;
  /** Conversation reference (JSON) for proactive posts. */
  reference: string;
  finalJson?: string;
  finalisedAt?: number;
  finalisedBy?: string;
  endedAt?: number;
  discussedJson?: string;
  nextCallId?: string;
  /** The Teams meeting join URL (checked when set), inherited by the following occurrences. */
  meetingUrl?: string;
  /** Off the record: notes keep only decisions and actions, with no names; inherited by the following occurrences. */
  offRecord?: boolean;
  /** Its recap is shared with the other teams of the tenant (network.ts): an organizer's choice for this call only, not inherited. */
  network?: boolean;
  sharedBy?: string;
  sharedAt?: number;
}

export interface TopicRow {
  number: number;
  title: string;
  normalised: string;
  proposedBy: string;
  proposedByName: string;
  proposedAt: number;
  carriedOver: boolean;
  /** Set when the proposer (or an organizer) changed the title: the agenda shows "(edited)". */
  editedAt?: number;
}

export interface VoteRow {
  topic: number;
  voterId: string;
  votedAt: number;
}

export type NoteKind = 'note' | 'decision' | 'action' | 'question';

export interface NoteRow {
  text: string;
  kind: NoteKind;
  topic: number;
  authorId: string;
  authorName: string;
  at: number;
  /** Set on notes from the running-note card (src/features/call): actions' owner and due date. */
  ownerId?: string;
  ownerName?: string;
  /** The owner's Teams id (29:...), for a mention in the due-date reminder. */
  ownerTeamsId?: string;
  /** yyyy-mm-dd. */
  due?: string;
  /** Actions: open until the owner marks them done. */
  done?: boolean;
  editedAt?: number;
  /** Questions: the host marked it answered. */
  answered?: boolean;
}

/** A note with its row key (its id for editing) and eTag. */
export type StoredNote = NoteRow & { noteKey: string; etag: string };

export interface CardRow {
  callId: string;
  activityId: string;
  reference: string;
  postedAt: number;
}

/** finalise, close: the agenda's jobs; remind (15 min before) and start: the call's (call/jobs in callJobs.ts). */
export type DueKind = 'finalise' | 'close' | 'remind' | 'start';

export interface DueRow {
  kind: DueKind;
  tenantId: string;
  conversationId: string;
  callId: string;
  dueAt: number;
}

const pad = (n: number): string => String(n).padStart(4, '0');
const callsPk = (p: ConversationKey): string => key(p.tenantId, p.conversationId);
const callPk = (p: ConversationKey, callId: string): string => key(p.tenantId, p.conversationId, callId);
const callRk = (callId: string): string => key('call', callId);
const dueBucket = (at: Date): string => `due|${at.toISOString().slice(0, 10)}`;
const dueRk = (row: DueRow): string => timeKey(new Date(row.dueAt), `${row.kind}|${row.tenantId}|${row.conversationId}|${row.callId}`);

export class AgendaRepo {
  readonly calls: TableClient;
  private readonly topics: TableClient;
  private readonly votes: TableClient;
  private readonly notes: TableClient;
  private readonly cards: TableClient;
  private readonly activity: TableClient;
  private readonly due: TableClient;
  private readonly links: TableClient;

  constructor(store: Store) {
    this.calls = store.table(AGENDA_TABLES.calls);
    this.topics = store.table(AGENDA_TABLES.topics);
    this.votes = store.table(AGENDA_TABLES.votes);
    this.notes = store.table(AGENDA_TABLES.notes);
    this.cards = store.table(AGENDA_TABLES.cards);
    this.activity = store.table(AGENDA_TABLES.activity);
    this.due = store.table(AGENDA_TABLES.due);
    this.links = store.table(AGENDA_TABLES.links);
  }

  // calls

  async insertCall(p: ConversationKey, row: CallRow): Promise<boolean> {
    return insertIfAbsent(this.calls, { partitionKey: callsPk(p), rowKey: callRk(row.callId), ...row });
  }

  async getCall(p: ConversationKey, callId: string): Promise<CallRow | undefined> {
    return getEntityOrUndefined<CallRow>(this.calls, callsPk(p), callRk(callId));
  }

  /** All calls of a conversation (a handful a year), optionally filtered. */
  async listCalls(p: ConversationKey, filter?: string): Promise<CallRow[]> {
    return listPartition<CallRow>(this.calls, callsPk(p), { from: 'call|', to: 'call}', extraFilter: filter });
  }

  /** eTag-guarded change of a call; `change` returns undefined to leave it as it is. */
  async mutateCall(p: ConversationKey, callId: string, change: (current: CallRow | undefined) => CallRow | undefined): Promise<{ before?: CallRow; after?: CallRow }> {
    const result = await mutateEntity<CallRow>(this.calls, callsPk(p), callRk(callId), change);
    return { before: result.before, after: result.after as CallRow | undefined };
  }

  // topics

  async insertTopic(p: ConversationKey, callId: string, row: TopicRow): Promise<void> {
    await this.topics.createEntity({ partitionKey: callPk(p, callId), rowKey: pad(row.number), ...row });
  }

  /** Insert or overwrite (carrying topics over is repeatable). */
  async putTopic(p: ConversationKey, callId: string, row: TopicRow): Promise<void> {
    await this.topics.upsertEntity({ partitionKey: callPk(p, callId), rowKey: pad(row.number), ...row }, 'Replace');
  }

  async getTopic(p: ConversationKey, callId: string, n: number): Promise<TopicRow | undefined> {
    return getEntityOrUndefined<TopicRow>(this.topics, callPk(p, callId), pad(n));
  }

  /** A topic changed under its eTag (`change` gets the current row; undefined writes nothing). */
  async mutateTopic(p: ConversationKey, callId: string, n: number, change: (current: TopicRow | undefined) => TopicRow | undefined): Promise<{ before?: TopicRow; after?: TopicRow }> {
    const { before, after } = await mutateEntity<TopicRow>(this.topics, callPk(p, callId), pad(n), change);
    return { before, after };
  }

  /** Deletes the topic if it is still the one read (its eTag); false if it changed or is gone. */
  async deleteTopic(p: ConversationKey, callId: string, n: number, etag: string): Promise<boolean> {
    try {
      await this.topics.deleteEntity(callPk(p, callId), pad(n), { etag });
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404 || status === 412) return false;
      throw err;
    }
  }

  /** Every vote cast for a topic (after the topic is deleted: numbers are never reused). */
  async deleteVotesFor(p: ConversationKey, callId: string, n: number): Promise<number> {
    const pk = callPk(p, callId);
    // Vote keys are `<topic>|<voter>`: the range from "0007|" up to "0007}" ('}' follows '|') is topic 7's.
    const rows = await listPartition<VoteRow>(this.votes, pk, { from: `${pad(n)}|`, to: `${pad(n)}}` });
    for (const row of rows) {
      await this.votes.deleteEntity(pk, row.rowKey ?? '').catch((err: unknown) => {
        if (statusOf(err) !== 404) throw err;
      });
      // The digest's activity log forgets the vote with its topic (the detail setVote logged).
      await this.unlogActivity(p, new Date(row.votedAt), 'vote', `${callId}|${n}|${row.voterId}`);
    }
    return rows.length;
  }

  async listTopics(p: ConversationKey, callId: string): Promise<TopicRow[]> {
    return listPartition<TopicRow>(this.topics, callPk(p, callId));
  }

  // votes

  /** True when the vote was added; false when this person had voted for this topic already. */
  async insertVote(p: ConversationKey, callId: string, row: VoteRow): Promise<boolean> {
    return insertIfAbsent(this.votes, { partitionKey: callPk(p, callId), rowKey: key(pad(row.topic), row.voterId), ...row });
  }

  async getVote(p: ConversationKey, callId: string, topic: number, voterId: string): Promise<(VoteRow & { etag: string }) | undefined> {
    return getEntityOrUndefined<VoteRow>(this.votes, callPk(p, callId), key(pad(topic), voterId));
  }

  /** Deletes the vote if it is still the one read (its eTag); false if someone else removed it first. */
  async deleteVote(p: ConversationKey, callId: string, topic: number, voterId: string, etag: string): Promise<boolean> {
    try {
      await this.votes.deleteEntity(callPk(p, callId), key(pad(topic), voterId), { etag });
      return true;
    } catch (err) {
      const s = statusOf(err);
      if (s === 404 || s === 412) return false;
      throw err;
    }
  }

  /** Votes per topic number, counted from the vote rows (one partition read). */
  async countVotes(p: ConversationKey, callId: string): Promise<Map<number, number>> {
    return (await this.readVotes(p, callId)).counts;
  }

  /** Votes per topic number and who cast them (one partition read). */
  async readVotes(p: ConversationKey, callId: string): Promise<{ counts: Map<number, number>; voters: Map<number, Set<string>> }> {
    const counts = new Map<number, number>();
    const voters = new Map<number, Set<string>>();
    for await (const page of this.votes
      .listEntities<VoteRow>({ queryOptions: { filter: `PartitionKey eq '${callPk(p, callId).replace(/'/g, "''")}'`, select: ['topic', 'voterId'] } })
      .byPage({ maxPageSize: 1000 })) {
      for (const v of page) {
        counts.set(v.topic, (counts.get(v.topic) ?? 0) + 1);
        let set = voters.get(v.topic);
        if (!set) voters.set(v.topic, (set = new Set()));
        set.add(v.voterId);
      }
    }
    return { counts, voters };
  }

  // notes

  async insertNote(p: ConversationKey, callId: string, id: string, row: NoteRow): Promise<void> {
    await this.notes.createEntity({ partitionKey: callPk(p, callId), rowKey: timeKey(new Date(row.at), id), ...row });
  }

  async listNotes(p: ConversationKey, callId: string): Promise<NoteRow[]> {
    return listPartition<NoteRow>(this.notes, callPk(p, callId));
  }

  /** The notes with their keys, for the running-note card and editing. */
  async listStoredNotes(p: ConversationKey, callId: string): Promise<StoredNote[]> {
    const rows = await listPartition<NoteRow & { rowKey?: string; etag: string }>(this.notes, callPk(p, callId));
    return rows.map((r) => ({ ...r, noteKey: r.rowKey ?? '' }));
  }

  /** Inserts a note under a key the caller chose (timeKey(at, id)); returns the key. */
  async insertNoteKeyed(p: ConversationKey, callId: string, id: string, row: NoteRow): Promise<string> {
    const rowKey = timeKey(new Date(row.at), id);
    await this.notes.createEntity({ partitionKey: callPk(p, callId), rowKey, ...row });
    return rowKey;
  }

  async getNote(p: ConversationKey, callId: string, noteKey: string): Promise<StoredNote | undefined> {
    const row = await getEntityOrUndefined<NoteRow>(this.notes, callPk(p, callId), noteKey);
    return row ? { ...row, noteKey } : undefined;
  }

  /** eTag-guarded change of one note; `change` returns undefined to leave it. */
  async mutateNote(p: ConversationKey, callId: string, noteKey: string, change: (current: NoteRow | undefined) => NoteRow | undefined): Promise<{ before?: NoteRow; after?: NoteRow }> {
    const result = await mutateEntity<NoteRow>(this.notes, callPk(p, callId), noteKey, change);
    return { before: result.before, after: result.after as NoteRow | undefined };
  }

  /** Deletes the note if it is still the one read; false if it changed or is gone. */
  async deleteNote(p: ConversationKey, callId: string, noteKey: string, etag: string): Promise<boolean> {
    try {
      await this.notes.deleteEntity(callPk(p, callId), noteKey, { etag });
      return true;
    } catch (err) {
      const st = statusOf(err);
      if (st === 404 || st === 412) return false;
      throw err;
    }
  }

  // posted cards

  async registerCard(p: ConversationKey, row: CardRow): Promise<void> {
    await this.cards.upsertEntity({ partitionKey: callsPk(p), rowKey: key(row.callId, row.activityId), ...row });
  }

  async getCard(p: ConversationKey, callId: string, activityId: string): Promise<CardRow | undefined> {
    return getEntityOrUndefined<CardRow>(this.cards, callsPk(p), key(callId, activityId));
  }

  async listCards(p: ConversationKey, callId: string): Promise<CardRow[]> {
    const prefix = `${key(callId)}|`;
    return listPartition<CardRow>(this.cards, callsPk(p), { from: prefix, to: `${key(callId)}}` });
  }

  // activity log, for the digest

  async logActivity(p: ConversationKey, at: Date, kind: 'topic' | 'vote', detail: string): Promise<void> {
    await this.activity.upsertEntity({ partitionKey: callsPk(p), rowKey: timeKey(at, `${kind}|${detail}`), kind, at: at.getTime() });
  }

  async unlogActivity(p: ConversationKey, at: Date, kind: 'topic' | 'vote', detail: string): Promise<void> {
    await this.activity.deleteEntity(callsPk(p), timeKey(at, `${kind}|${detail}`)).catch((err: unknown) => {
      if (statusOf(err) !== 404) throw err;
    });
  }

  async countActivity(p: ConversationKey, from: Date, to: Date): Promise<{ topics: number; votes: number }> {
    const rows = await listPartition<{ kind: string }>(this.activity, callsPk(p), { from: timeKey(from), to: timeKey(to) });
    return { topics: rows.filter((r) => r.kind === 'topic').length, votes: rows.filter((r) => r.kind === 'vote').length };
  }

  // meeting links: PK tenant|<link key> -> the conversation and series that use the meeting

  async indexMeetingLink(p: ConversationKey, linkKey: string, seriesId: string): Promise<void> {
    await this.links.upsertEntity({ partitionKey: key(p.tenantId, linkKey), rowKey: 'link', conversationId: p.conversationId, seriesId }, 'Replace');
  }

  async findMeetingLink(tenantId: string, linkKey: string): Promise<{ conversationId: string; seriesId: string } | undefined> {
    const row = await getEntityOrUndefined<{ conversationId: string; seriesId: string }>(this.links, key(tenantId, linkKey), 'link');
    return row ? { conversationId: row.conversationId, seriesId: row.seriesId } : undefined;
  }

  // due index

  async putDue(row: DueRow): Promise<void> {
    await this.due.upsertEntity({ partitionKey: dueBucket(new Date(row.dueAt)), rowKey: dueRk(row), ...row });
  }

  async deleteDue(row: DueRow): Promise<void> {
    await this.due.deleteEntity(dueBucket(new Date(row.dueAt)), dueRk(row)).catch((err: unknown) => {
      if (statusOf(err) !== 404) throw err;
    });
  }

  async scheduleDue(where: ConversationKey, row: CallRow): Promise<void> {
    await Promise.all(dueRowsOf(where, row).map((d) => this.putDue(d)));
  }

  async unscheduleDue(where: ConversationKey, row: CallRow, kinds: readonly DueKind[]): Promise<void> {
    await Promise.all(dueRowsOf(where, row).filter((d) => kinds.includes(d.kind)).map((d) => this.deleteDue(d)));
  }

  /** Rows of `kind` due at or before `now`, from the day buckets of the last `days` days (oldest first). */
  async listDue(kind: DueKind, now: Date, days: number): Promise<DueRow[]> {
    const out: DueRow[] = [];
    const until = timeKey(new Date(now.getTime() + 1));
    for (let d = days; d >= 0; d--) {
      const bucket = dueBucket(new Date(now.getTime() - d * 86_400_000));
      out.push(...(await listPartition<DueRow>(this.due, bucket, { to: until, extraFilter: `kind eq '${kind}'` })));
    }
    return out;
  }
}
