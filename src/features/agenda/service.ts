import type { Conversation, ConversationKey, Person } from '../../people/model';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Store } from '../../store/tables';
import { normaliseForComparison } from '../../teams/text';
import { ContributionsRepo, CONTRIBUTIONS_TABLE, type ContributionKind } from '../../people/contributions';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../people/organizers';
import { AgendaRepo, type CallRow, type DueKind, type DueRow, type NoteKind, type TopicRow } from './repo';
import { localToUtc, MAX_DURATION, MIN_DURATION, weekdayOfMonth, type Cadence } from './schedule';
import { callRow } from './occurrences';
import { CallClosing } from './closing';
import { agendaStrings as s } from './strings';
import { FreshRead } from './freshRead';
import { callView, finalAgenda, MAX_TOP_N, rankTopics, type AgendaView, type RecapView } from './views';

/**
 * Call agendas: the use cases, in plain values (no Teams types). Refusals are UserErrors,
 * thrown before anything is written.
 *
 * Read by the digest (keep these signatures stable):
 * - `nextCall(tenantId, conversationId, now)`: the next call that has not ended, with its top 3
 *   topics by votes (the final agenda's once finalised); undefined if there is none.
 * - `recapsBetween(tenantId, conversationId, from, to)`: calls ended in [from, to), with their
 *   decisions and actions as plain text.
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
}

export const MAX_TITLE = 120;
export const MAX_TOPIC = 300;
export const MAX_TOPICS = 50;
/** How many days back the scheduled jobs look for due calls they have not handled yet. */
export const DUE_LOOKBACK_DAYS = 15;

export class AgendaService {
  readonly repo: AgendaRepo;
  private readonly organizers: OrganizersRepo;
  private readonly contributions: ContributionsRepo;
  private readonly autoFinaliseHours: number;
  private readonly views = new FreshRead<AgendaView>();
  private readonly closing: CallClosing;

  constructor(
    store: Store,
    private readonly clock: Clock,
    options: { autoFinaliseHours?: number } = {},
  ) {
    this.repo = new AgendaRepo(store);
    this.organizers = new OrganizersRepo(store.table(ORGANIZERS_TABLE));
    this.contributions = new ContributionsRepo(store.table(CONTRIBUTIONS_TABLE));
    this.autoFinaliseHours = options.autoFinaliseHours ?? 24;
    this.closing = new CallClosing(this, clock, this.autoFinaliseHours);
  }

  async recordContribution(where: Conversation, who: Person, kind: ContributionKind, at: Date): Promise<void> {
    await this.contributions.recordContribution({ tenantId: where.tenantId, spaceId: where.spaceId }, who, kind, at);
  }

  // --- creating calls and organizers

  async createCall(where: Conversation, who: Person, input: NewCall, reference: object): Promise<CallRow> {
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
    const space = { tenantId: where.tenantId, spaceId: where.spaceId };
    const existing = await this.organizers.list(space);
    if (existing.length > 0 && !existing.some((o) => o.userId === who.userId)) throw new UserError(s.onlyOrganizersCreate);
    if (existing.length === 0) await this.organizers.add(space, who, who.userId, now);
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
      },
      now,
      this.autoFinaliseHours,
    );
    await this.repo.insertCall(where, row);
    await this.repo.scheduleDue(where, row);
    return row;
  }

  async isOrganizer(where: Conversation, userId: string): Promise<boolean> {
    return this.organizers.isOrganizer({ tenantId: where.tenantId, spaceId: where.spaceId }, userId);
  }

  async listOrganizers(where: Conversation): Promise<string[]> {
    return (await this.organizers.list({ tenantId: where.tenantId, spaceId: where.spaceId })).map((o) => o.userName);
  }

  async addOrganizers(where: Conversation, who: Person, people: readonly Person[]): Promise<{ added: string[]; already: string[] }> {
    if (people.length === 0) throw new UserError(s.organizersAddWhom);
    await this.requireOrganizer(where, who);
    const added: string[] = [];
    const already: string[] = [];
    for (const p of people) {
      const ok = await this.organizers.add({ tenantId: where.tenantId, spaceId: where.spaceId }, p, who.userId, this.clock.now());
      (ok ? added : already).push(p.userName);
    }
    return { added, already };
  }

  async requireOrganizer(where: Conversation, who: Person): Promise<void> {
    if (!(await this.isOrganizer(where, who.userId))) throw new UserError(s.onlyOrganizers);
  }

  // --- finding calls

  /** The call people are working on: the earliest one that has not ended. */
  async currentCall(where: ConversationKey): Promise<CallRow | undefined> {
    const calls = await this.repo.listCalls(where, "status ne 'ended'");
    return calls.sort((a, b) => a.startsAt - b.startsAt)[0];
  }

  /** The call with its topics ranked by votes, read after every write the caller made. */
  async agendaView(where: ConversationKey, callId: string): Promise<AgendaView> {
    return this.views.get(`${where.tenantId}|${where.conversationId}|${callId}`, async () => {
      const [call, topics, votes] = await Promise.all([this.repo.getCall(where, callId), this.repo.listTopics(where, callId), this.repo.readVotes(where, callId)]);
      if (!call) throw new UserError(s.callNotFound);
      return { call: callView(call), topics: rankTopics(topics, votes.counts, votes.voters) };
    });
  }

  // --- topics and votes

  /** Adds a topic to the next open call (or to `callId` when proposed on its card). */
  async proposeTopic(where: Conversation, who: Person, text: string, target?: { callId: string; rev?: number }): Promise<{ call: CallRow; topic: TopicRow }> {
    const title = text.replace(/\s+/g, ' ').trim();
    if (!title) throw new UserError(s.topicEmpty);
    if (title.length > MAX_TOPIC) throw new UserError(s.topicTooLong(MAX_TOPIC));
    const call = target ? await this.repo.getCall(where, target.callId) : (await this.repo.listCalls(where, "status eq 'open'")).sort((a, b) => a.startsAt - b.startsAt)[0];
    if (!call) throw new UserError(target ? s.callNotFound : s.noOpenCall);
    this.requireOpen(call, target?.rev);
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
        this.requireOpen(current, target?.rev);
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
   * says whether this press changed anything.
   */
  async setVote(where: Conversation, who: Person, callId: string, topicNumber: number, rev: number, vote: boolean): Promise<{ changed: boolean }> {
    const [call, topic] = await Promise.all([this.repo.getCall(where, callId), this.repo.getTopic(where, callId, topicNumber)]);
    if (!call) throw new UserError(s.callNotFound);
    this.requireOpen(call, rev);
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
    return { changed: true };
  }

  private requireOpen(call: CallRow, rev: number | undefined): void {
    if (call.status === 'ended') throw new UserError(s.callEnded);
    if (call.status === 'finalised') throw new UserError(s.agendaClosed);
    if (rev !== undefined && rev !== call.rev) throw new UserError(s.staleCard);
  }

  // --- finalising

  /**
   * Fixes the agenda: the top N topics by votes (ties to whoever proposed first), each with a
   * time box. `by` undefined means the scheduled job. Returns undefined when it was final already
   * (the job's case; a person gets a refusal instead).
   */
  async finalise(where: Conversation, by: Person | undefined, callId: string, topN: number, rev?: number): Promise<CallRow | undefined> {
    if (!Number.isInteger(topN) || topN < 1 || topN > MAX_TOP_N) throw new UserError(s.badTopN(MAX_TOP_N));
    if (by) await this.requireOrganizer(where, by);
    const view = await this.agendaView(where, callId);
    const final = finalAgenda(view.topics, topN, view.call.durationMin);
    let refusal: UserError | undefined;
    const { after } = await this.repo.mutateCall(where, callId, (current) => {
      refusal = undefined;
      if (!current) return undefined;
      try {
        this.requireOpen(current, rev);
      } catch (err) {
        refusal = err as UserError;
        return undefined;
      }
      return { ...current, status: 'finalised', rev: current.rev + 1, finalJson: JSON.stringify(final), finalisedAt: this.clock.now().getTime(), finalisedBy: by?.userId ?? 'auto' };
    });
    if (!after) {
      if (by) throw refusal ?? new UserError(s.callNotFound);
      return undefined;
    }
    await this.repo.unscheduleDue(where, after, ['finalise']);
    return after;
  }

  async dueCalls(kind: DueKind, now: Date): Promise<DueRow[]> {
    return this.repo.listDue(kind, now, DUE_LOOKBACK_DAYS);
  }

  // --- notes and the end of a call (closing.ts)

  async addNote(where: Conversation, who: Person, raw: string): Promise<{ kind: NoteKind; topic: number; callId: string }> {
    return this.closing.addNote(where, who, raw);
  }

  /** `call done`, or the job closing a call nobody closed (`who` undefined, `callId` given). */
  async endCall(where: Conversation, who: Person | undefined, callId?: string): Promise<RecapView> {
    return this.closing.endCall(where, who, callId);
  }

  async recap(where: ConversationKey, date: string | undefined, timeZone: string): Promise<RecapView> {
    return this.closing.recap(where, date, timeZone);
  }

  // --- read by the digest

  async nextCall(
    tenantId: string,
    conversationId: string,
    now: Date,
  ): Promise<{ callId: string; title: string; startsAt: Date; status: string; topTopics: { number: number; title: string; votes: number }[] } | undefined> {
    const where = { tenantId, conversationId };
    const calls = (await this.repo.listCalls(where, "status ne 'ended'"))
      .filter((c) => c.startsAt + c.durationMin * 60_000 > now.getTime())
      .sort((a, b) => a.startsAt - b.startsAt);
    const call = calls[0];
    if (!call) return undefined;
    const view = callView(call);
    const top = view.final ?? (await this.agendaView(where, call.callId)).topics;
    return {
      callId: call.callId,
      title: call.title,
      startsAt: view.startsAt,
      status: call.status,
      topTopics: top.slice(0, 3).map((t) => ({ number: t.number, title: t.title, votes: t.votes })),
    };
  }

  async recapsBetween(
    tenantId: string,
    conversationId: string,
    from: Date,
    to: Date,
  ): Promise<{ callId: string; title: string; startsAt: Date; endedAt: Date; decisions: string[]; actions: string[] }[]> {
    const where = { tenantId, conversationId };
    // A conversation holds a handful of calls a year; numeric filters are left to code because
    // Azure Tables compares Int64 and Double properties as unequal types.
    const calls = (await this.repo.listCalls(where, "status eq 'ended'")).filter((c) => (c.endedAt ?? 0) >= from.getTime() && (c.endedAt ?? 0) < to.getTime());
    const out = [];
    for (const call of calls.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))) {
      const notes = await this.repo.listNotes(where, call.callId);
      out.push({
        callId: call.callId,
        title: call.title,
        startsAt: new Date(call.startsAt),
        endedAt: new Date(call.endedAt ?? 0),
        decisions: notes.filter((n) => n.kind === 'decision').map((n) => n.text),
        actions: notes.filter((n) => n.kind === 'action').map((n) => n.text),
      });
    }
    return out;
  }

  async activityBetween(tenantId: string, conversationId: string, from: Date, to: Date): Promise<{ topics: number; votes: number }> {
    return this.repo.countActivity({ tenantId, conversationId }, from, to);
  }
}

export function agendaServiceFor(store: Store, clock: Clock, options: { autoFinaliseHours?: number } = {}): AgendaService {
  return new AgendaService(store, clock, options);
}
