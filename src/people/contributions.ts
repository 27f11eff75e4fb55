import type { TableClient } from '@azure/data-tables';
import type { Person, Space } from './model';
import { key } from '../store/keys';
import { insertIfAbsent, listPartition } from '../store/tables';

/**
 * Who contributed to a space (a team, or a chat) and when they first did: the "new voices" of
 * the digest and the participation figures. Features call `recordContribution` when a person
 * proposes a topic, votes, writes a note, tells or endorses a story.
 *
 * PartitionKey: tenant|space. RowKey: user id. One row per person: inserted once (firstAt),
 * then merged (lastAt).
 */
export const CONTRIBUTIONS_TABLE = 'contributions';

export type ContributionKind = 'topic' | 'vote' | 'note' | 'story' | 'endorse';

export interface Contributor {
  userId: string;
  userName: string;
  firstAt: Date;
  lastAt: Date;
}

interface Row {
  userId: string;
  userName: string;
  firstAt: number;
  lastAt: number;
  firstKind: string;
}

/**
 * lastAt only needs hour precision (the figures are weekly), so a process that wrote a person's
 * row recently skips the write: most contributions then cost no storage call at all, and the
 * others one insert (first time) or one merge, never a read.
 */
const REFRESH_MS = 60 * 60 * 1000;
const MAX_REMEMBERED = 50_000;
const recentlyWritten = new Map<string, number>();

export class ContributionsRepo {
  constructor(private readonly table: TableClient) {}

  async recordContribution(
    where: Space,
    who: Person,
    kind: ContributionKind,
    at: Date,
  ): Promise<{ first: boolean }> {
    const partitionKey = key(where.tenantId, where.spaceId);
    const rowKey = key(who.userId);
    const memo = `${this.table.tableName}|${partitionKey}|${rowKey}`;
    const last = recentlyWritten.get(memo);
    if (last !== undefined && at.getTime() >= last && at.getTime() - last < REFRESH_MS) return { first: false };

    const first = await insertIfAbsent<Row>(this.table, {
      partitionKey,
      rowKey,
      userId: who.userId,
      userName: who.userName,
      firstAt: at.getTime(),
      lastAt: at.getTime(),
      firstKind: kind,
    });
    if (!first) {
      // Merge leaves firstAt and firstKind as the first contribution wrote them.
      await this.table.upsertEntity({ partitionKey, rowKey, userName: who.userName, lastAt: at.getTime() }, 'Merge');
    }
    if (recentlyWritten.size >= MAX_REMEMBERED) recentlyWritten.clear();
    recentlyWritten.set(memo, at.getTime());
    return { first };
  }

  /** Everyone who ever contributed in the space (one partition read; spaces have hundreds, not millions, of people). */
  async list(where: Space): Promise<Contributor[]> {
    const rows = await listPartition<Row>(this.table, key(where.tenantId, where.spaceId));
    return rows.map((r) => ({ userId: r.userId, userName: r.userName, firstAt: new Date(r.firstAt), lastAt: new Date(r.lastAt) }));
  }

  /** People whose first contribution falls in [from, to). */
  async newVoices(where: Space, from: Date, to: Date): Promise<Contributor[]> {
    return (await this.list(where)).filter((c) => c.firstAt >= from && c.firstAt < to);
  }

  /** People active in [from, to) (their last contribution is in or after the window start). */
  async activeSince(where: Space, from: Date): Promise<Contributor[]> {
    return (await this.list(where)).filter((c) => c.lastAt >= from);
  }
}

