import type { TableClient } from '@azure/data-tables';
import { getEntityOrUndefined } from '../store/tables';
import { key } from '../store/keys';
import { untracked } from '../store/writes';
import type { Notice } from './door';

/**
 * Feedback that stays: the last notice a card action showed one person ("Your vote is counted",
 * "Only organizers can..."), kept per conversation, card subject and person. When Teams
 * refreshes that person's own view of the card (refresh.userIds, trigger 'automatic', after the
 * shared message is updated), the notice is rendered again, so the shared update never erases
 * it. Their next action on the same card replaces or clears it; after `ttlMs` it is dropped.
 * Stored in a table, so every instance behind the bot's endpoint sees the same notice.
 */
export const CARD_NOTICES_TABLE = 'cardNotices';
export const NOTICE_TTL_MS = 30 * 60 * 1000;

interface NoticeRow {
  text: string;
  tone: string;
  at: number;
}

export interface NoticeWhere {
  tenantId: string;
  conversationId: string;
  userId: string;
}

export class NoticeMemory {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => number,
    private readonly ttlMs = NOTICE_TTL_MS,
  ) {}

  private keys(where: NoticeWhere, subject: string): { partitionKey: string; rowKey: string } {
    return { partitionKey: key(where.tenantId, where.conversationId), rowKey: key(subject, where.userId) };
  }

  async recall(where: NoticeWhere, subject: string): Promise<Notice | undefined> {
    const k = this.keys(where, subject);
    const row = await getEntityOrUndefined<NoticeRow>(this.table, k.partitionKey, k.rowKey);
    if (!row || this.now() - row.at > this.ttlMs) return undefined;
    return { text: row.text.slice(0, 600), tone: row.tone === 'good' ? 'good' : 'attention' };
  }

  /** Remembers the notice shown, or forgets the last one (`undefined`): the person acted again. */
  async remember(where: NoticeWhere, subject: string, notice: Notice | undefined): Promise<void> {
    const k = this.keys(where, subject);
    // Presentation state, not the person's data: not counted as the turn's writes.
    await untracked(async () => {
      if (notice) await this.table.upsertEntity<NoticeRow>({ ...k, text: notice.text.slice(0, 600), tone: notice.tone, at: this.now() }, 'Replace');
      else await this.table.deleteEntity(k.partitionKey, k.rowKey).catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      });
    });
  }
}
