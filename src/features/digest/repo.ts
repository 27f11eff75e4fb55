import type { TableClient } from '@azure/data-tables';
import type { ConversationRef } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import { key, odataString } from '../../store/keys';
import { getEntityOrUndefined, insertIfAbsent, listPartition } from '../../store/tables';
import { mutateEntity } from '../../store/etag';
import type { WeekFigures } from './curate';
import { bucketOfSlot, type WeeklySlot } from './schedule';

/**
 * The digest's tables.
 * - subscriptions: PartitionKey tenant, RowKey conversation. The truth about a channel's digest.
 * - slots: the schedule index. PartitionKey = UTC hour-of-week bucket (`h-1-09`), RowKey
 *   tenant|conversation. The scheduler reads the ~29 buckets around now instead of every
 *   subscription; each row carries the subscription's version, so a stale row is recognised.
 * - featured: PartitionKey tenant|conversation, RowKey story id: stories a digest of this
 *   channel has shown (never shown again).
 */
export const DIGEST_TABLES = { subscriptions: 'digestsubs', slots: 'digestslots', featured: 'digestfeatured' } as const;

export interface Subscription extends WeeklySlot {
  tenantId: string;
  conversationId: string;
  conversationType: string;
  spaceId: string;
  teamId?: string;
  reference: ConversationRef;
  active: boolean;
  inactiveReason?: string;
  themes: string[];
  /** Slots before this are not owed (a new subscriber does not get last week's digest). */
  since: Date;
  version: number;
  subscribedBy: string;
  updatedAt: Date;
  lastResurfacedId?: string;
  lastFigures?: WeekFigures & { runKey: string };
  lastRunKey?: string;
}

interface SubRow {
  tenantId: string;
  conversationId: string;
  conversationType: string;
  spaceId: string;
  teamId: string;
  reference: string;
  active: boolean;
  inactiveReason: string;
  day: number;
  hour: number;
  minute: number;
  timeZone: string;
  themes: string;
  since: number;
  version: number;
  subscribedBy: string;
  updatedAt: number;
  lastResurfacedId: string;
  lastFigures: string;
  lastRunKey: string;
  bucket: string;
}

export interface SlotRow {
  tenantId: string;
  conversationId: string;
  day: number;
  hour: number;
  minute: number;
  timeZone: string;
  since: number;
  version: number;
  /** The run last enqueued for this subscription: lets the scheduler skip it without a read. */
  lastRunKey: string;
}

function toSubscription(r: SubRow): Subscription {
  return {
    tenantId: r.tenantId,
    conversationId: r.conversationId,
    conversationType: r.conversationType,
    spaceId: r.spaceId,
    teamId: r.teamId || undefined,
    reference: parseReference(r.reference) ?? { channelId: 'msteams', serviceUrl: '', conversation: { id: r.conversationId } },
    active: r.active === true,
    inactiveReason: r.inactiveReason || undefined,
    day: r.day,
    hour: r.hour,
    minute: r.minute,
    timeZone: r.timeZone,
    themes: r.themes ? (JSON.parse(r.themes) as string[]) : [],
    since: new Date(r.since),
    version: r.version,
    subscribedBy: r.subscribedBy,
    updatedAt: new Date(r.updatedAt),
    lastResurfacedId: r.lastResurfacedId || undefined,
    lastFigures: r.lastFigures ? (JSON.parse(r.lastFigures) as Subscription['lastFigures']) : undefined,
    lastRunKey: r.lastRunKey || undefined,
  };
}

export type SubscriptionInput = Pick<Subscription, 'tenantId' | 'conversationId' | 'conversationType' | 'spaceId' | 'teamId' | 'reference' | 'day' | 'hour' | 'minute' | 'timeZone' | 'subscribedBy'> & {
  themes?: string[];
};

export class DigestRepo {
  constructor(
    private readonly subs: TableClient,
    private readonly slots: TableClient,
    private readonly featured: TableClient,
  ) {}

  async get(tenantId: string, conversationId: string): Promise<Subscription | undefined> {
    const row = await getEntityOrUndefined<SubRow>(this.subs, key(tenantId), key(conversationId));
    return row ? toSubscription(row) : undefined;
  }

  /** Creates or re-activates the subscription with this slot (and keeps its history). */
  async subscribe(input: SubscriptionInput, now: Date): Promise<Subscription> {
    return this.write(input.tenantId, input.conversationId, now, (current) => ({
      tenantId: input.tenantId,
      conversationId: input.conversationId,
      conversationType: input.conversationType,
      spaceId: input.spaceId,
      teamId: input.teamId ?? '',
      reference: JSON.stringify(input.reference),
      active: true,
      inactiveReason: '',
      day: input.day,
      hour: input.hour,
      minute: input.minute,
      timeZone: input.timeZone,
      themes: JSON.stringify(input.themes ?? (current?.themes ? (JSON.parse(current.themes) as string[]) : [])),
      since: current?.active ? current.since : now.getTime(),
      version: (current?.version ?? 0) + 1,
      subscribedBy: input.subscribedBy,
      updatedAt: now.getTime(),
      lastResurfacedId: current?.lastResurfacedId ?? '',
      lastFigures: current?.lastFigures ?? '',
      lastRunKey: current?.lastRunKey ?? '',
      bucket: current?.bucket ?? '',
    }));
  }

  /** Changes slot and/or theme filter of an active subscription; undefined when there is none. */
  async changeSettings(tenantId: string, conversationId: string, change: Partial<WeeklySlot> & { themes?: string[] }, now: Date): Promise<Subscription | undefined> {
    const existing = await this.get(tenantId, conversationId);
    if (!existing?.active) return undefined;
    return this.write(tenantId, conversationId, now, (current) =>
      current?.active
        ? {
            ...current,
            day: change.day ?? current.day,
            hour: change.hour ?? current.hour,
            minute: change.minute ?? current.minute,
            timeZone: change.timeZone ?? current.timeZone,
            themes: change.themes ? JSON.stringify(change.themes) : current.themes,
            version: current.version + 1,
            updatedAt: now.getTime(),
          }
        : undefined,
    );
  }

  /** Stops the digest (unsubscribed, bot removed, conversation gone). False when it was not active. */
  async deactivate(tenantId: string, conversationId: string, reason: string, now: Date): Promise<boolean> {
    let changed = false;
    const { after } = await mutateEntity<SubRow>(this.subs, key(tenantId), key(conversationId), (current) => {
      changed = current?.active === true;
      return current?.active ? { ...current, active: false, inactiveReason: reason.slice(0, 200), version: current.version + 1, updatedAt: now.getTime() } : undefined;
    });
    if (after?.bucket) await this.slots.deleteEntity(after.bucket, key(tenantId, conversationId)).catch(() => undefined);
    return changed;
  }

  /** After a digest was delivered: what the next one needs to know. */
  async recordDelivered(tenantId: string, conversationId: string, runKey: string, figures: WeekFigures, resurfacedId: string | undefined): Promise<void> {
    // A merge of fields only delivery writes (one request, no read); settings writes keep their eTag.
    await this.subs.updateEntity(
      {
        partitionKey: key(tenantId),
        rowKey: key(conversationId),
        lastRunKey: runKey,
        lastFigures: JSON.stringify({ ...figures, runKey }),
        ...(resurfacedId ? { lastResurfacedId: resurfacedId } : {}),
      },
      'Merge',
    );
  }

  /** Rows of one schedule bucket. */
  async slotsIn(bucket: string): Promise<SlotRow[]> {
    return listPartition<SlotRow>(this.slots, bucket);
  }

  async markEnqueued(bucket: string, row: SlotRow, runKey: string): Promise<void> {
    await this.slots
      .updateEntity({ partitionKey: bucket, rowKey: key(row.tenantId, row.conversationId), lastRunKey: runKey }, 'Merge')
      .catch(() => undefined);
  }

  /** Marks many rows of one bucket at once: transactions of 100 merges (one partition each). */
  async markEnqueuedMany(bucket: string, marks: readonly { row: SlotRow; runKey: string }[]): Promise<void> {
    for (let i = 0; i < marks.length; i += 100) {
      const chunk = marks.slice(i, i + 100);
      try {
        await this.slots.submitTransaction(
          chunk.map(({ row, runKey }) => ['update', { partitionKey: bucket, rowKey: key(row.tenantId, row.conversationId), lastRunKey: runKey }, 'Merge'] as const),
        );
      } catch {
        // A row went away meanwhile (unsubscribed): mark the rest one by one.
        for (const { row, runKey } of chunk) await this.markEnqueued(bucket, row, runKey);
      }
    }
  }

  /** The index row is out of date (settings changed, unsubscribed): drop it. */
  async dropSlot(bucket: string, row: Pick<SlotRow, 'tenantId' | 'conversationId'>): Promise<void> {
    await this.slots.deleteEntity(bucket, key(row.tenantId, row.conversationId)).catch(() => undefined);
  }

  async featuredIds(tenantId: string, conversationId: string): Promise<Set<string>> {
    const rows = await listPartition<{ storyId: string }>(this.featured, key(tenantId, conversationId));
    return new Set(rows.map((r) => r.storyId));
  }

  async recordFeatured(tenantId: string, conversationId: string, storyIds: readonly string[], runKey: string, now: Date): Promise<void> {
    for (const storyId of storyIds) {
      await insertIfAbsent(this.featured, { partitionKey: key(tenantId, conversationId), rowKey: key(storyId), storyId, runKey, at: now.getTime() });
    }
  }

  /** Active subscriptions of one tenant (for `digest` administration and tests; the scheduler uses the index). */
  async listActive(tenantId: string): Promise<Subscription[]> {
    const out: Subscription[] = [];
    const filter = `PartitionKey eq ${odataString(key(tenantId))} and active eq true`;
    for await (const row of this.subs.listEntities<SubRow>({ queryOptions: { filter } })) out.push(toSubscription(row));
    return out;
  }

  /**
   * Writes the subscription with its eTag, then moves its index row to the bucket of its next
   * slot. The index is written second: a crash in between leaves an index row whose version is
   * behind, which the scheduler drops; the next write of the subscription repairs it.
   */
  private async write(tenantId: string, conversationId: string, now: Date, change: (current: SubRow | undefined) => SubRow | undefined): Promise<Subscription> {
    let oldBucket = '';
    const { after } = await mutateEntity<SubRow>(this.subs, key(tenantId), key(conversationId), (current) => {
      oldBucket = current?.bucket ?? '';
      const next = change(current);
      if (!next) return undefined;
      return { ...next, bucket: next.active ? bucketOfSlot(next, now) : '' };
    });
    if (!after) throw new Error('subscription was not written');
    const row = after as unknown as SubRow;
    if (oldBucket && oldBucket !== row.bucket) await this.slots.deleteEntity(oldBucket, key(tenantId, conversationId)).catch(() => undefined);
    if (row.active) {
      const slot: SlotRow = {
        tenantId,
        conversationId,
        day: row.day,
        hour: row.hour,
        minute: row.minute,
        timeZone: row.timeZone,
        since: row.since,
        version: row.version,
        lastRunKey: row.lastRunKey,
      };
      await this.slots.upsertEntity({ partitionKey: row.bucket, rowKey: key(tenantId, conversationId), ...slot }, 'Replace');
    }
    return toSubscription(row);
  }
}
