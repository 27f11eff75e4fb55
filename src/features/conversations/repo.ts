import type { TableClient } from '@azure/data-tables';
import { key, odataString } from '../../store/keys';
import { getEntityOrUndefined } from '../../store/tables';
import { mutateEntity } from '../../store/etag';
import type { ConversationRef, ConversationType } from '../../teams/door';
import { parseReference } from '../../teams/reference';

/**
 * Every conversation the bot is in, with the reference needed to post there later.
 * PartitionKey: tenant. RowKey: conversation id (encoded).
 */
export const CONVERSATIONS_TABLE = 'conversations';

export interface ConversationRecord {
  tenantId: string;
  conversationId: string;
  conversationType: ConversationType;
  teamId?: string;
  reference: ConversationRef;
  status: 'active' | 'removed';
  welcomed: boolean;
  updatedAt: Date;
  removedReason?: string;
}

interface Row {
  tenantId: string;
  conversationId: string;
  conversationType: string;
  teamId?: string;
  reference: string;
  status: string;
  welcomed: boolean;
  updatedAt: number;
  removedReason?: string;
}

const toRecord = (r: Row): ConversationRecord => ({
  tenantId: r.tenantId,
  conversationId: r.conversationId,
  conversationType: r.conversationType as ConversationType,
  teamId: r.teamId || undefined,
  reference: parseReference(r.reference) ?? { channelId: 'msteams', serviceUrl: '', conversation: { id: r.conversationId } },
  status: r.status === 'removed' ? 'removed' : 'active',
  welcomed: r.welcomed === true,
  updatedAt: new Date(r.updatedAt),
  removedReason: r.removedReason || undefined,
});

export class ConversationRepo {
  constructor(private readonly table: TableClient) {}

  async get(tenantId: string, conversationId: string): Promise<ConversationRecord | undefined> {
    const row = await getEntityOrUndefined<Row>(this.table, key(tenantId), key(conversationId));
    return row ? toRecord(row) : undefined;
  }

  /**
   * Records the conversation as active (re-activating it after a removal). Returns true when
   * the caller should post the welcome card: the first time since install.
   */
  async recordActive(
    c: Pick<ConversationRecord, 'tenantId' | 'conversationId' | 'conversationType' | 'teamId' | 'reference'>,
    now: Date,
    claimWelcome: boolean,
  ): Promise<boolean> {
    let welcome = false;
    await mutateEntity<Row>(this.table, key(c.tenantId), key(c.conversationId), (current) => {
      const reactivated = current?.status === 'removed';
      const welcomed = reactivated ? false : current?.welcomed === true;
      welcome = claimWelcome && !welcomed;
      const reference = JSON.stringify(c.reference);
      if (current && !reactivated && current.reference === reference && (welcomed || !claimWelcome)) return undefined;
      return {
        tenantId: c.tenantId,
        conversationId: c.conversationId,
        conversationType: c.conversationType,
        teamId: c.teamId ?? '',
        reference,
        status: 'active',
        welcomed: welcomed || welcome,
        updatedAt: now.getTime(),
        removedReason: '',
      };
    });
    return welcome;
  }

  async markRemoved(tenantId: string, conversationId: string, reason: string, now: Date): Promise<void> {
    await mutateEntity<Row>(this.table, key(tenantId), key(conversationId), (current) =>
      current ? { ...current, status: 'removed', welcomed: false, removedReason: reason, updatedAt: now.getTime() } : undefined,
    );
  }

  /** Marks every conversation of a team removed (the bot was removed from the team). */
  async markTeamRemoved(tenantId: string, teamId: string, reason: string, now: Date): Promise<string[]> {
    const ids: string[] = [];
    const filter = `PartitionKey eq ${odataString(key(tenantId))} and teamId eq ${odataString(teamId)}`;
    for await (const row of this.table.listEntities<Row>({ queryOptions: { filter } })) ids.push(row.conversationId);
    // The team's own id is also the General channel's conversation id.
    if (!ids.includes(teamId)) ids.push(teamId);
    for (const id of ids) await this.markRemoved(tenantId, id, reason, now);
    return ids;
  }

  async listActive(tenantId: string): Promise<ConversationRecord[]> {
    const out: ConversationRecord[] = [];
    const filter = `PartitionKey eq ${odataString(key(tenantId))} and status eq 'active'`;
    for await (const row of this.table.listEntities<Row>({ queryOptions: { filter } })) out.push(toRecord(row));
    return out;
  }
}
