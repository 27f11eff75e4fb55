import type { TableClient } from '@azure/data-tables';
import { key } from '../../store/keys';
import { listPartition } from '../../store/tables';
import { mutateEntity } from '../../store/etag';

/**
 * Who contributed to a space (a team, or a chat) and when they first did: the "new voices" of
 * the digest and the participation figures. Features call `recordContribution` when a person
 * proposes a topic, votes, writes a note, tells or endorses a story.
 *
 * PartitionKey: tenant|space. RowKey: user id. One row per person, updated with its eTag.
 */
export const CONTRIBUTIONS_TABLE = 'contributions';

export type ContributionKind = 'topic' | 'vote' | 'note' | 'story' | 'endorse';

export interface Contributor {
  userId: string;
  userName: string;
  firstAt: Date;
  lastAt: Date;
  count: number;
}

interface Row {
  userId: string;
  userName: string;
  firstAt: number;
  lastAt: number;
  count: number;
  firstKind: string;
}

export class ContributionsRepo {
  constructor(private readonly table: TableClient) {}

  async recordContribution(
    where: { tenantId: string; spaceId: string },
    who: { userId: string; userName: string },
    kind: ContributionKind,
    at: Date,
  ): Promise<{ first: boolean }> {
    let first = false;
    await mutateEntity<Row>(this.table, key(where.tenantId, where.spaceId), key(who.userId), (current) => {
      first = !current;
      return {
        userId: who.userId,
        userName: who.userName,
        firstAt: Math.min(current?.firstAt ?? at.getTime(), at.getTime()),
        lastAt: Math.max(current?.lastAt ?? 0, at.getTime()),
        count: (current?.count ?? 0) + 1,
        firstKind: current?.firstKind ?? kind,
      };
    });
    return { first };
  }

  /** Everyone who ever contributed in the space (one partition read; spaces have hundreds, not millions, of people). */
  async list(where: { tenantId: string; spaceId: string }): Promise<Contributor[]> {
    const rows = await listPartition<Row>(this.table, key(where.tenantId, where.spaceId));
    return rows.map((r) => ({ userId: r.userId, userName: r.userName, firstAt: new Date(r.firstAt), lastAt: new Date(r.lastAt), count: r.count }));
  }

  /** People whose first contribution falls in [from, to). */
  async newVoices(where: { tenantId: string; spaceId: string }, from: Date, to: Date): Promise<Contributor[]> {
    return (await this.list(where)).filter((c) => c.firstAt >= from && c.firstAt < to);
  }

  /** People active in [from, to) (their last contribution is in or after the window start). */
  async activeSince(where: { tenantId: string; spaceId: string }, from: Date): Promise<Contributor[]> {
    return (await this.list(where)).filter((c) => c.lastAt >= from);
  }
}

