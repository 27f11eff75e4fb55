import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Conversation, ConversationKey, Person, Space } from '../../people/model';
import { key } from '../../store/keys';
import { insertIfAbsent, listPartition, statusOf } from '../../store/tables';
import type { RunningNotes } from './notes';
import type { CallAgenda, StoredNote } from './port';
import { callStrings as s } from './strings';

/**
 * Live questions during the call: `@Coach ask` (or the box on the reminder) adds a question to
 * the call's queue (a note of kind 'question'); people upvote (one row per person per question
 * in callquestionvotes, PK tenant|conversation|callId, RK note|person: insert-if-absent, so a
 * count is exact under concurrency; the button carries the intent, so a retry never undoes it);
 * the host (an organizer) marks a question answered.
 *
 * `ask` itself is Connect's command: it hands the question here while the call is in progress
 * (CallQuestions in routes.ts). A question left open when the call ends (not marked answered)
 * becomes an open question for the network: `handOff` runs after every end (the command, the
 * recap card, the close job) and claims each question first (callquestionvotes, RK
 * handoff|<note>, insert-if-absent), so a retried end or two instances never ask twice;
 * `NetworkQuestions` is the port Connect implements.
 */
export const QUESTION_VOTES_TABLE = 'callquestionvotes';

export interface NetworkQuestions {
  /** Asks the network in the call's conversation (`reference`: where to post, JSON). */
  publish(where: Conversation, question: { text: string; askedBy: Person; callTitle: string; reference: string }): Promise<void>;
}

export interface QuestionView {
  noteKey: string;
  text: string;
  askedBy: string;
  votes: number;
  answered: boolean;
  /** Whether the viewer upvoted it (answers to one person). */
  mine?: boolean;
}

export class LiveQuestions {
  constructor(
    private readonly agenda: CallAgenda,
    private readonly notes: RunningNotes,
    private readonly votes: TableClient,
    private readonly clock: Clock,
  ) {}

  private pk(where: ConversationKey, callId: string): string {
    return key(where.tenantId, where.conversationId, callId);
  }

  /** `ask`: a question on the current call of the conversation. */
  async ask(where: Conversation, who: Person, text: string): Promise<{ callId: string }> {
    const call = await this.agenda.currentCall(where);
    if (!call) throw new UserError(s.noCall);
    await this.notes.add(where, who, call.callId, { topic: 0, text, kind: 'question' });
    return { callId: call.callId };
  }

  async upvote(where: ConversationKey, who: Person, callId: string, noteKey: string, up: boolean): Promise<void> {
    const question = await this.requireQuestion(where, callId, noteKey);
    if (question.answered) throw new UserError(s.questionAnswered);
    const rowKey = key(noteKey, who.userId);
    if (up) {
      await insertIfAbsent(this.votes, { partitionKey: this.pk(where, callId), rowKey, noteKey, userId: who.userId, at: this.clock.now().getTime() });
      return;
    }
    await this.votes.deleteEntity(this.pk(where, callId), rowKey).catch((err: unknown) => {
      if (statusOf(err) !== 404) throw err;
    });
  }

  /** The call ended: each question nobody marked answered goes to the network, once. Returns how many went. */
  async handOff(where: Conversation, callId: string, network: NetworkQuestions): Promise<number> {
    const call = await this.agenda.call(where, callId);
    if (!call) return 0;
    const open = (await this.agenda.notes(where, callId)).filter((n) => n.kind === 'question' && !n.answered);
    let sent = 0;
    for (const q of open) {
      if (!(await insertIfAbsent(this.votes, { partitionKey: this.pk(where, callId), rowKey: `handoff|${q.noteKey}`, at: this.clock.now().getTime() }))) continue;
      await network.publish(where, { text: q.text, askedBy: { userId: q.authorId, userName: q.authorName }, callTitle: call.title, reference: call.reference });
      sent++;
    }
    return sent;
  }

  /** The host marks a question answered (organizers only); pressing again changes nothing. */
  async markAnswered(where: ConversationKey & Space, who: Person, callId: string, noteKey: string): Promise<void> {
    if (!(await this.agenda.isOrganizer(where, who.userId))) throw new UserError(s.onlyHostAnswers);
    await this.requireQuestion(where, callId, noteKey);
    await this.agenda.changeNote(where, callId, noteKey, (current) => (current && !current.answered ? { ...current, answered: true } : undefined));
  }

  /** The queue: open questions by votes (then oldest first), answered ones after. */
  async queue(where: ConversationKey, callId: string, notes: readonly StoredNote[], viewerId?: string): Promise<QuestionView[]> {
    const questions = notes.filter((n) => n.kind === 'question');
    if (questions.length === 0) return [];
    const rows = await listPartition<{ noteKey: string; userId: string }>(this.votes, this.pk(where, callId));
    const counts = new Map<string, number>();
    const mine = new Set<string>();
    for (const r of rows) {
      if (!r.userId) continue; // a hand-off claim, not a vote
      counts.set(r.noteKey, (counts.get(r.noteKey) ?? 0) + 1);
      if (r.userId === viewerId) mine.add(r.noteKey);
    }
    return questions
      .map((q) => ({ noteKey: q.noteKey, text: q.text, askedBy: q.authorName, votes: counts.get(q.noteKey) ?? 0, answered: Boolean(q.answered), ...(viewerId ? { mine: mine.has(q.noteKey) } : {}), at: q.at }))
      .sort((a, b) => Number(a.answered) - Number(b.answered) || b.votes - a.votes || a.at - b.at)
      .map(({ at: _at, ...q }) => q);
  }

  private async requireQuestion(where: ConversationKey, callId: string, noteKey: string): Promise<StoredNote> {
    const call = await this.agenda.call(where, callId);
    if (!call) throw new UserError(s.callNotFound);
    if (call.status === 'ended') throw new UserError(s.callEnded);
    const q = await this.agenda.note(where, callId, noteKey);
    if (!q || q.kind !== 'question') throw new UserError(s.questionGone);
    return q;
  }
}
