import { UserError } from '../../errors';
import type { Conversation, Person } from '../../people/model';
import { normaliseForComparison } from '../../teams/text';
import { requireOpen } from './calls';
import type { Organizing } from './organizing';
import type { AgendaRepo, CallRow, TopicRow } from './repo';
import { agendaStrings as s } from './strings';

/**
 * Editing and deleting a topic, by the person who proposed it or an organizer, while the agenda
 * is open (once it is final, the agenda people prepared for stays as it was announced).
 * - edit: the new title under the topic row's eTag; the topic keeps its number and its votes,
 *   and shows "(edited)". The same text again changes nothing (set-state: a retry is harmless).
 * - delete: the topic row under its eTag, then its votes (numbers are never reused, so a vote
 *   left behind by a failure counts for nothing and is removed by the next attempt).
 */
export class TopicEdits {
  constructor(
    private readonly repo: AgendaRepo,
    private readonly organizing: Organizing,
    private readonly now: () => Date,
    private readonly maxLength: number,
  ) {}

  async edit(where: Conversation, who: Person, call: CallRow | undefined, n: number, text: string, rev?: number): Promise<{ call: CallRow; topic: TopicRow; changed: boolean }> {
    const title = text.replace(/\s+/g, ' ').trim();
    if (!title) throw new UserError(s.topicEditHow);
    if (title.length > this.maxLength) throw new UserError(s.topicTooLong(this.maxLength));
    const open = this.requireEditable(call, rev);
    const normalised = normaliseForComparison(title);
    const [topics, organizer] = await Promise.all([this.repo.listTopics(where, open.callId), this.organizing.isOrganizer(where, who.userId)]);
    const twin = topics.find((t) => t.number !== n && t.normalised === normalised);
    if (twin) throw new UserError(s.topicDuplicate(twin.number));
    let refusal: UserError | undefined;
    let changed = false;
    const { before, after } = await this.repo.mutateTopic(where, open.callId, n, (current) => {
      refusal = undefined;
      changed = false;
      if (!current) return void (refusal = new UserError(s.topicNotFound(n)));
      if (current.proposedBy !== who.userId && !organizer) return void (refusal = new UserError(s.topicNotYours(n)));
      if (current.title === title) return undefined;
      changed = true;
      return { ...current, title, normalised, editedAt: this.now().getTime() };
    });
    if (refusal) throw refusal;
    const topic = after ?? before;
    if (!topic) throw new UserError(s.topicNotFound(n));
    return { call: open, topic, changed };
  }

  async remove(where: Conversation, who: Person, call: CallRow | undefined, n: number, rev?: number): Promise<{ call: CallRow; votes: number; topic: TopicRow }> {
    const open = this.requireEditable(call, rev);
    const organizer = await this.organizing.isOrganizer(where, who.userId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = (await this.repo.getTopic(where, open.callId, n)) as (TopicRow & { etag?: string }) | undefined;
      if (!current?.etag) throw new UserError(s.topicNotFound(n));
      if (current.proposedBy !== who.userId && !organizer) throw new UserError(s.topicNotYours(n));
      if (await this.repo.deleteTopic(where, open.callId, n, current.etag)) {
        // The digest's activity log no longer counts the proposal (nor, below, its votes).
        const [votes] = await Promise.all([this.repo.deleteVotesFor(where, open.callId, n), this.repo.unlogActivity(where, new Date(current.proposedAt), 'topic', `${open.callId}|${n}`)]);
        return { call: open, votes, topic: current };
      }
      // Changed (edited) or deleted under us: read again and decide again.
    }
    throw new UserError(s.topicNotFound(n));
  }

  private requireEditable(call: CallRow | undefined, rev: number | undefined): CallRow {
    if (!call) throw new UserError(s.noCall);
    if (call.status === 'finalised') throw new UserError(s.topicsFinal);
    requireOpen(call, rev);
    return call;
  }
}
