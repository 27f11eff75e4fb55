import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Conversation, Person } from '../../people/model';
import { encodeKeyPart, key, newestFirstKey } from '../../store/keys';
import { listPartition, statusOf } from '../../store/tables';
import type { Organizing } from './organizing';
import type { AgendaRepo, CallRow } from './repo';
import { callView } from './views';
import { agendaStrings as s } from './strings';

/**
 * A call's recap shared with the network: an organizer shares one ended call (not each note,
 * not the series: the next occurrence starts team-only), and the other teams of the host tenant
 * see, in their digest, its title, its decisions, its actions WITHOUT their owners or due dates
 * (who does what is the team's business) and the titles of its final agenda's topics. Never the
 * call's plain notes, its call questions, or who proposed or voted for what; never an
 * off-the-record call (refused).
 *
 * The index holds a pointer per shared call, one partition per tenant:
 *
 *   ended|<endedAt, newest first>|<conversation>|<callId>
 *
 * and the reader goes back to the call itself for the content, checking that it is STILL shared
 * and on the record: a pointer left behind by a failure or a race (the row is deleted before a
 * narrowing write and written after a widening one) can only show nothing, never a team-only
 * recap; and a note edited within its 48 hours shows as edited.
 */
export const CALL_NETWORK_TABLE = 'callnetwork';

export type CallVisibility = 'team' | 'network';
export const CALL_VISIBILITIES = ['team', 'network'] as const;

export interface NetworkRecap {
  title: string;
  endedAt: Date;
  decisions: string[];
  /** The actions' text only. */
  actions: string[];
  /** The final agenda's topic titles, in order. */
  topics: string[];
}

interface Pointer {
  conversationId: string;
  spaceId: string;
  callId: string;
  endedAt: number;
}

const sharedNow = (c: CallRow | undefined): c is CallRow => Boolean(c && c.network && !c.offRecord && c.status === 'ended' && c.endedAt);
const pointerKey = (c: Pick<CallRow, 'endedAt' | 'callId'>, conversationId: string): string => `ended|${newestFirstKey(new Date(c.endedAt ?? 0))}|${encodeKeyPart(conversationId)}|${c.callId}`;

/** At most this many other teams' recaps in a digest (each costs three reads of its call). */
export const MAX_NETWORK_RECAPS = 3;

export class CallSharing {
  constructor(
    private readonly repo: AgendaRepo,
    private readonly index: TableClient,
    private readonly organizing: Organizing,
    private readonly clock: Clock,
  ) {}

  /**
   * Shares an ended call's recap with the network, or takes it back (set-state: a retry
   * changes nothing more). Organizers only; an off-the-record call is never shared.
   */
  async setVisibility(where: Conversation, who: Person, callId: string, visibility: CallVisibility): Promise<{ call: CallRow; changed: boolean }> {
    if (!(await this.organizing.isOrganizer(where, who.userId))) throw new UserError(s.shareOnlyOrganizers);
    const found = await this.repo.getCall(where, callId);
    if (!found) throw new UserError(s.callNotFound);
    if (found.offRecord && visibility === 'network') throw new UserError(s.shareOffRecord);
    if (found.status !== 'ended' || !found.endedAt) throw new UserError(s.recapNotYet);
    // Narrowing: the pointer goes BEFORE the call is written.
    if (visibility === 'team') await this.withdraw(where, found);
    const { before, after } = await this.repo.mutateCall(where, callId, (c) => {
      if (!c) return undefined;
      if (Boolean(c.network) === (visibility === 'network')) return undefined;
      const { network: _network, ...rest } = c;
      return visibility === 'network' ? { ...rest, network: true, sharedBy: who.userId, sharedAt: this.clock.now().getTime() } : rest;
    });
    const call = after ?? before ?? found;
    // Then the pointer follows the call as stored now (another organizer may have pressed too).
    const now = await this.repo.getCall(where, callId);
    if (sharedNow(now)) await this.publish(where, now);
    else await this.withdraw(where, call);
    return { call: now ?? call, changed: Boolean(after) };
  }

  private async publish(where: Conversation, c: CallRow): Promise<void> {
    const pointer: Pointer = { conversationId: where.conversationId, spaceId: c.spaceId, callId: c.callId, endedAt: c.endedAt ?? 0 };
    await this.index.upsertEntity({ partitionKey: key(where.tenantId), rowKey: pointerKey(c, where.conversationId), ...pointer }, 'Replace');
  }

  private async withdraw(where: Conversation, c: CallRow): Promise<void> {
    if (!c.endedAt) return;
    await this.index.deleteEntity(key(where.tenantId), pointerKey(c, where.conversationId)).catch((e: unknown) => {
      if (statusOf(e) !== 404) throw e;
    });
  }

  /**
   * Other teams' shared recaps of calls that ended in [from, to), newest first: one key range of
   * the tenant's pointers, then each call read again (still shared, on the record) with its notes
   * and topics.
   */
  async recapsBetween(tenantId: string, spaceId: string, from: Date, to: Date): Promise<NetworkRecap[]> {
    if (to <= from) return [];
    const pointers = (await listPartition<Pointer>(this.index, key(tenantId), { from: `ended|${newestFirstKey(to)}`, to: `ended|${newestFirstKey(from)}}` }))
      .filter((p) => p.spaceId !== spaceId && p.endedAt >= from.getTime() && p.endedAt < to.getTime())
      .slice(0, MAX_NETWORK_RECAPS);
    const recaps = await Promise.all(
      pointers.map(async (p): Promise<NetworkRecap | undefined> => {
        const where = { tenantId, conversationId: p.conversationId };
        const call = await this.repo.getCall(where, p.callId);
        if (!sharedNow(call) || call.spaceId === spaceId) return undefined;
        const [notes, topics] = await Promise.all([this.repo.listNotes(where, p.callId), this.repo.listTopics(where, p.callId)]);
        const final = callView(call).final;
        return {
          title: call.title,
          endedAt: new Date(call.endedAt ?? 0),
          decisions: notes.filter((n) => n.kind === 'decision').map((n) => n.text),
          actions: notes.filter((n) => n.kind === 'action').map((n) => n.text),
          topics: final ? final.map((t) => t.title) : [...topics].sort((a, b) => a.number - b.number).map((t) => t.title),
        };
      }),
    );
    return recaps.filter((r): r is NetworkRecap => r !== undefined);
  }
}
