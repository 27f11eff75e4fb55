import { UserError } from '../../errors';
import type { ConversationKey } from '../../people/model';
import { FreshRead } from './freshRead';
import type { Attending } from './attending';
import type { AgendaRepo, CallRow } from './repo';
import { agendaStrings as s } from './strings';
import { callView, rankTopics, type AgendaView } from './views';

/** Finding calls and reading an agenda: what every other part of the feature reads through. */
export class CallReader {
  private readonly views = new FreshRead<AgendaView>();

  constructor(
    private readonly repo: AgendaRepo,
    /** The signed .ics link of a call, when calendar links are configured (calendar.ts). */
    private readonly calendarLink?: (where: ConversationKey, call: CallRow) => string | undefined,
    private readonly attending?: Attending,
  ) {}

  /** The call people are working on: the earliest one that has not ended. */
  async currentCall(where: ConversationKey): Promise<CallRow | undefined> {
    const calls = await this.repo.listCalls(where, "status ne 'ended'");
    return calls.sort((a, b) => a.startsAt - b.startsAt)[0];
  }

  private async openActionsBefore(where: ConversationKey, callId: string): Promise<{ text: string; ownerName: string; due: string }[]> {
    const previous = previousOccurrenceId(callId);
    if (!previous) return [];
    const notes = await this.repo.listNotes(where, previous);
    return notes
      .filter((n) => n.kind === 'action' && !n.done && n.ownerName && n.due)
      .sort((a, b) => (a.due ?? '').localeCompare(b.due ?? ''))
      .map((n) => ({ text: n.text, ownerName: n.ownerName ?? '', due: n.due ?? '' }));
  }

  /** The call with its topics ranked by votes, read after every write the caller made. */
  async agendaView(where: ConversationKey, callId: string): Promise<AgendaView> {
    return this.views.get(`${where.tenantId}|${where.conversationId}|${callId}`, async () => {
      const [call, topics, votes, attending, openActions] = await Promise.all([
        this.repo.getCall(where, callId),
        this.repo.listTopics(where, callId),
        this.repo.readVotes(where, callId),
        this.attending?.view(where, callId),
        this.openActionsBefore(where, callId),
      ]);
      if (!call) throw new UserError(s.callNotFound);
      const calendarUrl = this.calendarLink?.(where, call);
      return { call: { ...callView(call), ...(calendarUrl ? { calendarUrl } : {}) }, topics: rankTopics(topics, votes.counts, votes.voters), ...(attending ? { attending } : {}), ...(openActions.length ? { openActions } : {}) };
    });
  }
}

/**
 * Actions noted in the previous occurrence of the series (ids are <series>-<n>) that are not
 * done: one partition read, only for the second occurrence on.
 */
export function previousOccurrenceId(callId: string): string | undefined {
  const m = /^(.+)-(\d+)$/.exec(callId);
  const n = m ? Number(m[2]) : 0;
  return m && n > 1 ? `${m[1]}-${n - 1}` : undefined;
}

/** A call still takes topics, votes and finalising only while open, and only from an up-to-date card. */
export function requireOpen(call: CallRow, rev: number | undefined): void {
  if (call.status === 'ended') throw new UserError(s.callEnded);
  if (call.status === 'finalised') throw new UserError(s.agendaClosed);
  if (rev !== undefined && rev !== call.rev) throw new UserError(s.staleCard);
}
