import type { TableClient } from '@azure/data-tables';
import type { ConversationKey } from '../../people/model';
import { key, timeKey } from '../../store/keys';
import { listPartition, statusOf } from '../../store/tables';

/**
 * Actions by due moment (callactionsdue, PK due|yyyy-mm-dd of the reminder's UTC day, RK
 * <time>|tenant|conversation|call|note): the reminder job finds what is due across tenants by
 * reading a few day buckets, not every note. One row per action and due date; moving the date
 * writes a new row (and deletes the old), so a reminder already sent is never sent again.
 */
export const ACTIONS_DUE_TABLE = 'callactionsdue';

export interface ActionDueRow {
  tenantId: string;
  conversationId: string;
  callId: string;
  noteKey: string;
  due: string;
  remindAt: number;
}

const bucket = (at: number): string => `due|${new Date(at).toISOString().slice(0, 10)}`;
const rk = (r: ActionDueRow): string => `${timeKey(new Date(r.remindAt))}|${key(r.tenantId, r.conversationId, r.callId, r.noteKey, r.due)}`;

export class ActionsDue {
  constructor(private readonly table: TableClient) {}

  async put(row: ActionDueRow): Promise<void> {
    await this.table.upsertEntity({ partitionKey: bucket(row.remindAt), rowKey: rk(row), ...row }, 'Replace');
  }

  async remove(row: ActionDueRow): Promise<void> {
    await this.table.deleteEntity(bucket(row.remindAt), rk(row)).catch((err: unknown) => {
      if (statusOf(err) !== 404) throw err;
    });
  }

  /** Rows due at or before `now`, from the last `days` day buckets, oldest first. */
  async dueBy(now: Date, days: number): Promise<ActionDueRow[]> {
    const out: ActionDueRow[] = [];
    const until = timeKey(new Date(now.getTime() + 1));
    for (let d = days; d >= 0; d--) out.push(...(await listPartition<ActionDueRow>(this.table, bucket(now.getTime() - d * 86_400_000), { to: until })));
    return out;
  }
}

export const placeOf = (r: ActionDueRow): ConversationKey => ({ tenantId: r.tenantId, conversationId: r.conversationId });
