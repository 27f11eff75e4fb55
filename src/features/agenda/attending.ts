import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../../clock';
import type { ConversationKey, Person } from '../../people/model';
import { key } from '../../store/keys';
import { listPartition } from '../../store/tables';
import type { AttendingView } from './views';

/**
 * "I'll be there / Can't make it": one row per person per occurrence
 * (agendarsvp, PK tenant|conversation|callId, RK the person), holding what they said last.
 * The buttons carry the answer (set-state), so pressing twice, or a re-delivered press, leaves
 * the same answer; the counts are counted from the rows, so they are exact under concurrency.
 */
interface RsvpRow {
  userId: string;
  userName: string;
  going: boolean;
  at: number;
}

export class Attending {
  constructor(
    private readonly table: TableClient,
    private readonly clock: Clock,
  ) {}

  private pk(where: ConversationKey, callId: string): string {
    return key(where.tenantId, where.conversationId, callId);
  }

  async answer(where: ConversationKey, callId: string, who: Person, going: boolean): Promise<void> {
    const row: RsvpRow = { userId: who.userId, userName: who.userName.slice(0, 200), going, at: this.clock.now().getTime() };
    await this.table.upsertEntity({ partitionKey: this.pk(where, callId), rowKey: key(who.userId), ...row }, 'Replace');
  }

  async view(where: ConversationKey, callId: string): Promise<AttendingView> {
    const rows = await listPartition<RsvpRow>(this.table, this.pk(where, callId));
    const answers = new Map(rows.map((r) => [r.userId, Boolean(r.going)]));
    let going = 0;
    for (const g of answers.values()) if (g) going++;
    return { going, notGoing: answers.size - going, answers };
  }
}
