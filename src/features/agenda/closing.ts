import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Conversation, ConversationKey, Person } from '../../people/model';
import { followingOccurrence } from './occurrences';
import { parseNote } from './parse';
import type { AgendaRepo, CallRow, NoteKind } from './repo';
import { localDate } from './schedule';
import type { CallReader } from './calls';
import type { Finalising } from './finalising';
import type { Organizing } from './organizing';
import { agendaStrings as s } from './strings';
import { callView, DEFAULT_TOP_N, discussedTopics, recapView, type RecapView } from './views';

export const MAX_NOTE = 2000;

/**
 * The second half of a call's life: the running note, closing the call (recap, carry-over to
 * the next occurrence) and finding recaps later. Its dependencies are passed in.
 */
export interface ClosingDeps {
  repo: AgendaRepo;
  reader: CallReader;
  organizing: Organizing;
  finalising: Finalising;
  clock: Clock;
  autoFinaliseHours: number;
  recordContribution(where: Conversation, who: Person, kind: 'note', at: Date): Promise<void>;
}

export class CallClosing {
  private readonly repo: AgendaRepo;
  private readonly clock: Clock;
  private readonly autoFinaliseHours: number;

  constructor(private readonly deps: ClosingDeps) {
    this.repo = deps.repo;
    this.clock = deps.clock;
    this.autoFinaliseHours = deps.autoFinaliseHours;
  }

  async addNote(where: Conversation, who: Person, raw: string): Promise<{ kind: NoteKind; topic: number; callId: string; offRecord: boolean }> {
    const { text, topic, kind } = parseNote(raw);
    if (!text) throw new UserError(s.noteEmpty);
    if (text.length > MAX_NOTE) throw new UserError(s.noteTooLong(MAX_NOTE));
    const call = await this.deps.reader.currentCall(where);
    if (!call) throw new UserError(s.noCallForNote);
    if (topic > 0 && !(await this.repo.getTopic(where, call.callId, topic))) throw new UserError(s.noteTopicMissing(topic));
    const now = this.clock.now();
    if (call.offRecord) {
      // Off the record: only decisions and actions are kept, and nobody's name (nor id) with them.
      if (kind === 'note') throw new UserError(s.offRecordOnlyDecisions);
      await this.repo.insertNote(where, call.callId, randomUUID(), { text, kind, topic, authorId: '', authorName: '', at: now.getTime() });
      return { kind, topic, callId: call.callId, offRecord: true };
    }
    await this.repo.insertNote(where, call.callId, randomUUID(), { text, kind, topic, authorId: who.userId, authorName: who.userName, at: now.getTime() });
    await this.deps.recordContribution(where, who, 'note', now);
    return { kind, topic, callId: call.callId, offRecord: false };
  }

  /**
   * `call done`: ends the current call (finalising it first if nobody did), creates the next
   * occurrence from the cadence with the topics not reached (marked carried over, votes reset),
   * and returns the recap. Two organizers closing at once: the eTag lets one win. `who`
   * undefined and a `callId`: the scheduled job closing a call nobody closed.
   */
  async endCall(where: Conversation, who: Person | undefined, callId?: string): Promise<RecapView> {
    if (who) await this.deps.organizing.requireOrganizer(where, who);
    const current = callId ? await this.repo.getCall(where, callId) : await this.deps.reader.currentCall(where);
    if (!current) throw new UserError(s.noCallToEnd);
    if (current.status === 'ended') throw new UserError(s.callEnded);
    if (current.status === 'open') await this.deps.finalising.finalise(where, undefined, current.callId, DEFAULT_TOP_N);
    const [call, topics, notes, counts] = await Promise.all([
      this.repo.getCall(where, current.callId),
      this.repo.listTopics(where, current.callId),
      this.repo.listNotes(where, current.callId),
      this.repo.countVotes(where, current.callId),
    ]);
    if (!call || call.status === 'ended') throw new UserError(s.callEnded);
    // The next occurrence first (its id is derived from the series, so it exists once; carrying
    // topics over is repeatable), then the end: a crash in between leaves the call open, and
    // closing it again completes the work.
    const now = this.clock.now();
    const discussed = discussedTopics(topics, notes, callView(call).final);
    const following = followingOccurrence(call, topics, counts, discussed, now, this.autoFinaliseHours);
    let next: CallRow | undefined;
    if (following) {
      next = (await this.repo.insertCall(where, following.row)) ? following.row : ((await this.repo.getCall(where, following.row.callId)) ?? following.row);
      await Promise.all(following.carried.map((t) => this.repo.putTopic(where, following.row.callId, t)));
      await this.repo.scheduleDue(where, next);
    }
    const { after } = await this.repo.mutateCall(where, call.callId, (row) => {
      if (!row || row.status === 'ended') return undefined;
      return { ...row, status: 'ended', rev: row.rev + 1, endedAt: now.getTime(), discussedJson: JSON.stringify([...discussed]), nextCallId: next?.callId };
    });
    if (!after) throw new UserError(s.callEnded);
    await this.repo.unscheduleDue(where, after, ['finalise', 'close', 'remind', 'start']);
    return recapView(after, topics, notes, next);
  }

  /** The last recap, or the one of a call on `date` (yyyy-mm-dd, in the call's or the asker's zone). */
  async recap(where: ConversationKey, date: string | undefined, timeZone: string): Promise<RecapView> {
    const ended = (await this.repo.listCalls(where, "status eq 'ended'")).sort((a, b) => b.startsAt - a.startsAt);
    if (ended.length === 0) throw new UserError(s.noRecaps);
    const dayOf = (c: CallRow, tz: string): string => localDate(new Date(c.startsAt), tz);
    const call = date ? ended.find((c) => dayOf(c, c.timeZone) === date || dayOf(c, timeZone) === date) : ended[0];
    if (!call) throw new UserError(s.noRecapOn(date ?? '', ended.slice(0, 10).map((c) => dayOf(c, c.timeZone))));
    const [topics, notes, next] = await Promise.all([
      this.repo.listTopics(where, call.callId),
      this.repo.listNotes(where, call.callId),
      call.nextCallId ? this.repo.getCall(where, call.nextCallId) : Promise.resolve(undefined),
    ]);
    return recapView(call, topics, notes, next);
  }
}
