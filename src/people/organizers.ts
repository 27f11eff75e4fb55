import type { TableClient } from '@azure/data-tables';
import type { Person, Space } from './model';
import { key } from '../store/keys';
import { getEntityOrUndefined, insertIfAbsent, listPartition } from '../store/tables';

/**
 * The organizers of a space (a team, or a chat): the people who may finalise agendas, end
 * calls, send a digest now, and delete any story. The creator of a call becomes one; the
 * agenda feature's `organizers add @Name` adds more.
 *
 * PartitionKey: tenant|space. RowKey: user id.
 */
export const ORGANIZERS_TABLE = 'organizers';

export interface Organizer {
  userId: string;
  userName: string;
  addedBy: string;
  addedAt: Date;
}

interface Row {
  userId: string;
  userName: string;
  addedBy: string;
  addedAt: number;
}

export class OrganizersRepo {
  constructor(private readonly table: TableClient) {}

  async isOrganizer(where: Space, userId: string): Promise<boolean> {
    return (await getEntityOrUndefined<Row>(this.table, key(where.tenantId, where.spaceId), key(userId))) !== undefined;
  }

  /** Adds the person; returns false if they were one already. */
  async add(where: Space, who: Person, addedBy: string, at: Date): Promise<boolean> {
    return insertIfAbsent(this.table, {
      partitionKey: key(where.tenantId, where.spaceId),
      rowKey: key(who.userId),
      userId: who.userId,
      userName: who.userName,
      addedBy,
      addedAt: at.getTime(),
    });
  }

  async remove(where: Space, userId: string): Promise<void> {
    await this.table.deleteEntity(key(where.tenantId, where.spaceId), key(userId)).catch(() => undefined);
  }

  async list(where: Space): Promise<Organizer[]> {
    const rows = await listPartition<Row>(this.table, key(where.tenantId, where.spaceId));
    return rows.map((r) => ({ userId: r.userId, userName: r.userName, addedBy: r.addedBy, addedAt: new Date(r.addedAt) }));
  }
}
