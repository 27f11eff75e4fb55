import { agendaCallStrings } from './strings';
import type { CallReader } from './calls';
import type { AgendaRepo } from './repo';
import { callView } from './views';

/** What the digest reads from the agenda (signatures stable: see service.ts). */
export class AgendaDigestReads {
  constructor(
    private readonly repo: AgendaRepo,
    private readonly reader: CallReader,
  ) {}


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
    const top = view.final ?? (await this.reader.agendaView(where, call.callId)).topics;
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
        // Actions from the running note carry their owner and due date (and whether done).
        actions: notes.filter((n) => n.kind === 'action').map((n) => (n.ownerName && n.due ? `${n.text} (${agendaCallStrings.actionOwnerDue(n.ownerName, n.due, n.done === true)})` : n.text)),
      });
    }
    return out;
  }

  /**
   * The last call that ended before `before`, with its actions still open (owner and due date,
   * soonest due first): the digest shows them until they are done, as the next agenda does.
   */
  async lastEndedCall(
    tenantId: string,
    conversationId: string,
    before: Date,
  ): Promise<{ callId: string; title: string; endedAt: Date; openActions: { text: string; ownerName: string; due: string }[] } | undefined> {
    const where = { tenantId, conversationId };
    const [call] = (await this.repo.listCalls(where, "status eq 'ended'")).filter((c) => (c.endedAt ?? 0) < before.getTime()).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    if (!call) return undefined;
    const openActions = (await this.repo.listNotes(where, call.callId))
      .filter((n) => n.kind === 'action' && !n.done && n.ownerName && n.due)
      .sort((a, b) => (a.due ?? '').localeCompare(b.due ?? ''))
      .map((n) => ({ text: n.text, ownerName: n.ownerName ?? '', due: n.due ?? '' }));
    return { callId: call.callId, title: call.title, endedAt: new Date(call.endedAt ?? 0), openActions };
  }

  async activityBetween(tenantId: string, conversationId: string, from: Date, to: Date): Promise<{ topics: number; votes: number }> {
    return this.repo.countActivity({ tenantId, conversationId }, from, to);
  }
}
