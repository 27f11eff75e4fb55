import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Conversation, ConversationKey, Person, Space } from '../../people/model';
import type { ConversationRef } from '../../teams/door';
import type { Store } from '../../store/tables';
import { normaliseForComparison } from '../../teams/text';
import { ContributionsRepo, CONTRIBUTIONS_TABLE, type ContributionKind } from '../../people/contributions';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../people/organizers';
import { Attending } from './attending';
import { meetingLinkKey } from './meetingLink';
import { AGENDA_TABLES, AgendaRepo, type CallRow, type DueKind, type DueRow, type NoteKind, type TopicRow } from './repo';
import { localToUtc, MAX_DURATION, MIN_DURATION, weekdayOfMonth, type Cadence } from './schedule';
import { callRow } from './occurrences';
import { CallClosing } from './closing';
import { agendaStrings as s } from './strings';
import { CallReader, requireOpen } from './calls';
import { AgendaDigestReads } from './digestReads';
import { Finalising, type FinaliseOptions } from './finalising';
import { Organizing } from './organizing';
import { TopicEdits } from './topicEdits';
import { CallSharing, type CallVisibility, type NetworkRecap } from './network';
import type { AgendaView, RecapView } from './views';

/**
 * Call agendas: the use cases, in plain values (no Teams types). Refusals are UserErrors,
 * thrown before anything is written.
 *
 * Read by the digest (keep these signatures stable):
 * - `nextCall(tenantId, conversationId, now)`: the next call that has not ended, with its top 3
 *   topics by votes (the final agenda's once finalised); undefined if there is none.
 * - `recapsBetween(tenantId, conversationId, from, to)`: calls ended in [from, to), with their
 *   decisions and actions as plain text.
 * - `lastEndedCall(tenantId, conversationId, before)`: the last call that ended before then,
 *   with its actions still open (owner, due date).
 * - `activityBetween(tenantId, conversationId, from, to)`: topics proposed and votes cast in
 *   [from, to) (a key-range read of the activity log; withdrawn votes are not counted).
 * - cards.ts `openAgendaAction(callId, title?)`: an Action.Execute (verb `agenda.open`) a digest
 *   card can carry; pressing it in the same conversation returns the live agenda card.
 * Build one with `new AgendaService(store, clock)`.
 */

export interface NewCall {
  title: string;
  date: string;
  time: string;
  durationMin: number;
  cadence: Cadence;
  timeZone: string;
  /** A checked Teams meeting join URL (meetingLink.ts), carried to every occurrence. */
  meetingUrl?: string;
  /** `call ... off the record`: notes keep only decisions and actions, without names. */
  offRecord?: boolean;
}

export const MAX_TITLE = 120;
export const MAX_TOPIC = 300;
export const MAX_TOPICS = 50;
/** How many days back the scheduled jobs look for due calls they have not handled yet. */
export const DUE_LOOKBACK_DAYS = 15;

export class AgendaService {
  readonly repo: AgendaRepo;
  /** "I'll be there / Can't make it" (attending.ts). */
  readonly attending: Attending;
  private readonly contributions: ContributionsRepo;
  private readonly autoFinaliseHours: number;
  private readonly reader: CallReader;
  private readonly organizing: Organizing;
  private readonly topicEdits: TopicEdits;
  private readonly finalising: Finalising;
  private readonly closing: CallClosing;
  private readonly digestReads: AgendaDigestReads;
  private readonly sharing: CallSharing;

  constructor(
    store: Store,
    private readonly clock: Clock,
    options: { autoFinaliseHours?: number; calendarLink?: (where: ConversationKey, call: CallRow) => string | undefined } = {},
  ) {
    // The parts, each with what it needs passed in (none of them holds the service).
    const repo = (this.repo = new AgendaRepo(store));
    this.contributions = new ContributionsRepo(store.table(CONTRIBUTIONS_TABLE));
    this.autoFinaliseHours = options.autoFinaliseHours ?? 24;
    this.attending = new Attending(store.table(AGENDA_TABLES.rsvp), clock);
    const reader = (this.reader = new CallReader(repo, options.calendarLink, this.attending));
    const organizing = (this.organizing = new Organizing(new OrganizersRepo(store.table(ORGANIZERS_TABLE)), clock));
    const finalising = (this.finalising = new Finalising({ repo, reader, organizing, clock }));
    this.topicEdits = new TopicEdits(repo, organizing, () => clock.now(), MAX_TOPIC);
    this.closing = new CallClosing({
      repo,
      reader,
      organizing,
      finalising,
      clock,
      autoFinaliseHours: this.autoFinaliseHours,
      recordContribution: (where, who, kind, at) => this.recordContribution(where, who, kind, at),
    });
    this.digestReads = new AgendaDigestReads(repo, reader);
    this.sharing = new CallSharing(repo, store.table(AGENDA_TABLES.network), organizing, clock);
  }

  /** Shares an ended call's recap with the other teams of the tenant, or takes it back (network.ts). */
  shareRecap(where: Conversation, who: Person, callId: string, visibility: CallVisibility): ReturnType<CallSharing['setVisibility']> {
    return this.sharing.setVisibility(where, who, callId, visibility);
  }

  /** Other teams' recaps shared with the network, of calls that ended in [from, to). */
  networkRecapsBetween(tenantId: string, spaceId: string, from: Date, to: Date): Promise<NetworkRecap[]> {
    return this.sharing.recapsBetween(tenantId, spaceId, from, to);
  }

  async recordContribution(where: Conversation, who: Person, kind: ContributionKind, at: Date): Promise<void> {
    await this.contributions.recordContribution({ tenantId: where.tenantId, spaceId: where.spaceId }, who, kind, at);
  }

  // --- creating calls and organizers

  async createCall(where: Conversation, who: Person, input: NewCall, reference: ConversationRef): Promise<CallRow> {
    const title = input.title.replace(/\s+/g, ' ').trim();
    if (!title) throw new UserError(s.titleMissing);
    if (title.length > MAX_TITLE) throw new UserError(s.titleTooLong(MAX_TITLE));
    if (!Number.isInteger(input.durationMin) || input.durationMin < MIN_DURATION || input.durationMin > MAX_DURATION) {
      throw new UserError(s.badDuration(MIN_DURATION, MAX_DURATION));
    }
    const now = this.clock.now();
    const when = localToUtc(input.date, input.time, input.timeZone, now);
    if (!when.ok) {
      const messages = { date: s.badDate, time: s.badTime, timeZone: s.badTimeZone(input.timeZone.slice(0, 60)), past: s.pastDate, duration: s.badDuration(MIN_DURATION, MAX_DURATION) };
      throw new UserError(messages[when.problem]);
    }
    await this.organizing.claimOrRequire(where, who);
    const seriesId = randomBytes(4).toString('hex');
    const row = callRow(
      {
        seriesId,
        occurrence: 1,
        title,
        startsAt: when.at,
        durationMin: input.durationMin,
        cadence: input.cadence,
        timeZone: input.timeZone,
        monthlyNth: weekdayOfMonth(when.at, input.timeZone),
        spaceId: where.spaceId,
        createdBy: who,
        reference: JSON.stringify(reference),
        meetingUrl: input.meetingUrl,
        offRecord: input.offRecord,
      },
      now,
      this.autoFinaliseHours,
    );
    await this.repo.insertCall(where, row);
    await this.repo.scheduleDue(where, row);
    // Meeting events name the meeting by its join URL: remember which conversation uses it.
    const linkKey = row.meetingUrl ? meetingLinkKey(row.meetingUrl) : undefined;
    if (linkKey) await this.repo.indexMeetingLink(where, linkKey, row.seriesId);
    return row;
  }

  // --- topics and votes

  /** Adds a topic to the next open call (or to `callId` when proposed on its card). */
  async proposeTopic(where: Conversation, who: Person, text: string, target?: { callId: string; rev?: number }): Promise<{ call: CallRow; topic: TopicRow }> {
    const title = text.replace(/\s+/g, ' ').trim();
    if (!title) throw new UserError(s.topicEmpty);
    if (title.length > MAX_TOPIC) throw new UserError(s.topicTooLong(MAX_TOPIC));
    const call = target ? await this.repo.getCall(where, target.callId) : (await this.repo.listCalls(where, "status eq 'open'")).sort((a, b) => a.startsAt - b.startsAt)[0];
    if (!call) throw new UserError(target ? s.callNotFound : s.noOpenCall);
    requireOpen(call, target?.rev);
    const normalised = normaliseForComparison(title);
    const topics = await this.repo.listTopics(where, call.callId);
    const duplicate = topics.find((t) => t.normalised === normalised);
    if (duplicate) throw new UserError(s.topicDuplicate(duplicate.number));
    if (topics.length >= MAX_TOPICS) throw new UserError(s.tooManyTopics(MAX_TOPICS));
    let refusal: UserError | undefined;
    const { after } = await this.repo.mutateCall(where, call.callId, (current) => {
      refusal = undefined;
      if (!current) return undefined;
      try {
        requireOpen(current, target?.rev);
      } catch (err) {
        refusal = err as UserError;
        return undefined;
      }
      return { ...current, nextTopic: current.nextTopic + 1 };
    });
    if (!after) throw refusal ?? new UserError(s.callNotFound);
    const now = this.clock.now();
    const topic: TopicRow = { number: after.nextTopic - 1, title, normalised, proposedBy: who.userId, proposedByName: who.userName, proposedAt: now.getTime(), carriedOver: false };
    await this.repo.insertTopic(where, call.callId, topic);
    await Promise.all([
      this.repo.logActivity(where, now, 'topic', `${call.callId}|${topic.number}`),
      this.recordContribution(where, who, 'topic', now),
    ]);
    return { call: after, topic };
  }

  /**
   * A topic's vote button, as set-state: `vote` true counts this person's vote, false takes it
   * back. Pressing twice, or retrying after a failure, leaves what the person meant; `changed`
   * says whether this press changed anything; `withdrawn`, when a vote was taken back, when it was cast.
   */
  async setVote(where: Conversation, who: Person, callId: string, topicNumber: number, rev: number, vote: boolean): Promise<{ changed: boolean; withdrawn?: Date }> {
    const [call, topic] = await Promise.all([this.repo.getCall(where, callId), this.repo.getTopic(where, callId, topicNumber)]);
    if (!call) throw new UserError(s.callNotFound);
    requireOpen(call, rev);
    if (!topic) throw new UserError(s.noSuchTopic);
    const detail = `${callId}|${topicNumber}|${who.userId}`;
    if (vote) {
      const now = this.clock.now();
      if (!(await this.repo.insertVote(where, callId, { topic: topicNumber, voterId: who.userId, votedAt: now.getTime() }))) return { changed: false };
      await Promise.all([this.repo.logActivity(where, now, 'vote', detail), this.recordContribution(where, who, 'vote', now)]);
      return { changed: true };
    }
    const existing = await this.repo.getVote(where, callId, topicNumber, who.userId);
    if (!existing || !(await this.repo.deleteVote(where, callId, topicNumber, who.userId, existing.etag))) return { changed: false };
    await this.repo.unlogActivity(where, new Date(existing.votedAt), 'vote', detail);
    return { changed: true, withdrawn: new Date(existing.votedAt) };
  }

  /** The proposer (or an organizer) changes a topic's text while the agenda is open (topicEdits.ts). `callId` from a card; else the current call. */
  async editTopic(where: Conversation, who: Person, n: number, text: string, target?: { callId: string; rev?: number }): Promise<{ call: CallRow; topic: TopicRow; changed: boolean }> {
    const call = target ? await this.repo.getCall(where, target.callId) : await this.reader.currentCall(where);
    return this.topicEdits.edit(where, who, call, n, text, target?.rev);
  }

  /** The proposer (or an organizer) deletes a topic, and its votes, while the agenda is open. */
  async deleteTopic(where: Conversation, who: Person, n: number, target?: { callId: string; rev?: number }): Promise<{ call: CallRow; votes: number; topic: TopicRow }> {
    const call = target ? await this.repo.getCall(where, target.callId) : await this.reader.currentCall(where);
    return this.topicEdits.remove(where, who, call, n, target?.rev);
  }

  // --- reading, organizers and finalising (calls.ts, organizing.ts, finalising.ts)

  currentCall(where: ConversationKey): Promise<CallRow | undefined> {
    return this.reader.currentCall(where);
  }

  agendaView(where: ConversationKey, callId: string): Promise<AgendaView> {
    return this.reader.agendaView(where, callId);
  }

  isOrganizer(space: Space, userId: string): Promise<boolean> {
    return this.organizing.isOrganizer(space, userId);
  }

  listOrganizers(space: Space): Promise<string[]> {
    return this.organizing.listOrganizers(space);
  }

  addOrganizers(space: Space, who: Person, people: readonly Person[]): Promise<{ added: string[]; already: string[] }> {
    return this.organizing.addOrganizers(space, who, people);
  }

  finalise(where: Conversation, by: Person | undefined, callId: string, topN: number, rev?: number, options: FinaliseOptions = {}): Promise<CallRow | undefined> {
    return this.finalising.finalise(where, by, callId, topN, rev, options);
  }

  async dueCalls(kind: DueKind, now: Date): Promise<DueRow[]> {
    return this.repo.listDue(kind, now, DUE_LOOKBACK_DAYS);
  }

  // --- notes and the end of a call (closing.ts)

  async addNote(where: Conversation, who: Person, raw: string): Promise<{ kind: NoteKind; topic: number; callId: string; offRecord: boolean }> {
    return this.closing.addNote(where, who, raw);
  }

  /**
   * After a call ended, however it ended (the command, the recap card, the close job): the call
   * feature hands the questions left open to the network. Its own failures are its own (logged
   * there): the call has ended either way.
   */
  afterEnd?: (where: Conversation, ended: { callId: string; title: string }) => Promise<void>;

  /** `call done`, or the job closing a call nobody closed (`who` undefined, `callId` given). */
  async endCall(where: Conversation, who: Person | undefined, callId?: string): Promise<RecapView> {
    const recap = await this.closing.endCall(where, who, callId);
    await this.afterEnd?.(where, { callId: recap.call.callId, title: recap.call.title }).catch(() => undefined);
    return recap;
  }

  async recap(where: ConversationKey, date: string | undefined, timeZone: string): Promise<RecapView> {
    return this.closing.recap(where, date, timeZone);
  }


  // --- read by the digest (digestReads.ts)

  nextCall(tenantId: string, conversationId: string, now: Date): ReturnType<AgendaDigestReads['nextCall']> {
    return this.digestReads.nextCall(tenantId, conversationId, now);
  }

  recapsBetween(tenantId: string, conversationId: string, from: Date, to: Date): ReturnType<AgendaDigestReads['recapsBetween']> {
    return this.digestReads.recapsBetween(tenantId, conversationId, from, to);
  }

  lastEndedCall(tenantId: string, conversationId: string, before: Date): ReturnType<AgendaDigestReads['lastEndedCall']> {
    return this.digestReads.lastEndedCall(tenantId, conversationId, before);
  }

  activityBetween(tenantId: string, conversationId: string, from: Date, to: Date): Promise<{ topics: number; votes: number }> {
    return this.digestReads.activityBetween(tenantId, conversationId, from, to);
  }
}

export function agendaServiceFor(store: Store, clock: Clock, options: { autoFinaliseHours?: number } = {}): AgendaService {
  return new AgendaService(store, clock, options);
}
