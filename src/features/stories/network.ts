import type { TableClient, TransactionAction } from '@azure/data-tables';
import { encodeKeyPart, key, newestFirstKey } from '../../store/keys';
import { getEntityOrUndefined, listPartition, statusOf } from '../../store/tables';
import { allTags, ANONYMOUS_TELLER, visibilityOf, type Story } from './model';
import { fromRow, toRow, type Row } from './repo';

/**
 * The network index: the stories of a tenant that every team of it may see (visibility
 * `network` or `outside`), one partition per tenant, so another team's library and digest read
 * them by key (a row-key range), never by scanning every team's stories.
 *
 *   s|<storyId>|<space>         a copy of the story (newest first, like the space's own rows)
 *   t|<tag>|<storyId>|<space>   a copy per tag: a tag search reads only that tag's rows
 *
 * A copy is what another team may see, and nothing more: an anonymous story's copy holds no
 * teller and no customer (only its stand-in), so no reader elsewhere can show them by mistake.
 *
 * It is kept beside the story's own partition (a transaction cannot span two partitions), in
 * the order that can only hide, never leak: rows a change takes away are deleted BEFORE the
 * story is written, rows it adds are written AFTER (stories/service.ts). A failure between the
 * two leaves a network story missing from other teams until its next change, never a team
 * story shown elsewhere.
 */
export const STORY_NETWORK_TABLE = 'storynetwork';

export const sharesWithNetwork = (s: Story): boolean => visibilityOf(s) !== 'team';

const partitionOf = (tenantId: string): string => key(tenantId);
const storyKey = (s: Pick<Story, 'storyId' | 'spaceId'>): string => `s|${s.storyId}|${encodeKeyPart(s.spaceId)}`;
const tagKey = (tag: string, s: Pick<Story, 'storyId' | 'spaceId'>): string => `t|${encodeKeyPart(tag)}|${s.storyId}|${encodeKeyPart(s.spaceId)}`;

/** What other teams may see of a story: an anonymous one without its teller, saver and customer. */
export function networkCopy(s: Story): Story {
  if (!s.anonymous) return s;
  const nobody = { userId: '', userName: ANONYMOUS_TELLER };
  const { customer: _customer, consent: _consent, ...rest } = s;
  return { ...rest, teller: nobody, capturedBy: nobody, endorsers: [...s.endorsers] };
}

function rowsOf(s: Story): Map<string, Row> {
  const row = { ...toRow(networkCopy(s)), spaceId: s.spaceId };
  // The consent's requester reference and contact are the origin team's business.
  delete row.consent;
  const out = new Map<string, Row>([[storyKey(s), row]]);
  for (const tag of allTags(s)) out.set(tagKey(tag, s), row);
  return out;
}

function storiesOf(tenantId: string, rows: readonly Row[]): Story[] {
  return rows.filter((r) => !r.deleted && r.spaceId).map((r) => fromRow({ tenantId, spaceId: r.spaceId ?? '' }, r));
}

export class NetworkIndex {
  constructor(private readonly table: TableClient) {}

  /** Deletes the rows `before` has that `after` will not (all of them when `after` is team-only or gone). Before the story is written. */
  async withdraw(before: Story, after: Story | undefined): Promise<void> {
    if (!sharesWithNetwork(before)) return;
    const keep = after && sharesWithNetwork(after) ? rowsOf(after) : new Map<string, Row>();
    const gone = [...rowsOf(before).keys()].filter((k) => !keep.has(k));
    if (gone.length === 0) return;
    const pk = partitionOf(before.tenantId);
    try {
      await this.submit(gone.map((rowKey): TransactionAction => ['delete', { partitionKey: pk, rowKey }]));
    } catch {
      // A row already gone (an earlier withdrawal whose story write failed) fails the whole
      // transaction: delete one by one, a missing row (404) being what we want.
      await Promise.all(gone.map((rowKey) => this.table.deleteEntity(pk, rowKey).catch((e: unknown) => { if (statusOf(e) !== 404) throw e; })));
    }
  }

  /**
   * Deletes every row of the story the index may hold: the copy's own tags (read from its
   * `s|` row, which a concurrent change may have written with other tags) and those of the
   * versions the caller knows.
   */
  async withdrawAll(story: Story, known: readonly Story[]): Promise<void> {
    const pk = partitionOf(story.tenantId);
    const copy = await getEntityOrUndefined<Row>(this.table, pk, storyKey(story));
    const versions = [story, ...known, ...(copy ? [fromRow({ tenantId: story.tenantId, spaceId: story.spaceId }, copy)] : [])];
    const rows = new Set(versions.flatMap((v) => [...rowsOf({ ...v, visibility: 'network' }).keys()]));
    await Promise.all([...rows].map((rowKey) => this.table.deleteEntity(pk, rowKey).catch((e: unknown) => {
      if (statusOf(e) !== 404) throw e;
    })));
  }

  /** Writes the rows of a network-visible story (its current copy). After the story is written. */
  async publish(after: Story): Promise<void> {
    if (!sharesWithNetwork(after)) return;
    const pk = partitionOf(after.tenantId);
    await this.submit([...rowsOf(after)].map(([rowKey, row]): TransactionAction => ['upsert', { partitionKey: pk, rowKey, ...row }, 'Replace']));
  }

  /** Network stories of the tenant, newest first, at most `limit`. */
  async newest(tenantId: string, limit: number): Promise<Story[]> {
    return storiesOf(tenantId, await listPartition<Row>(this.table, partitionOf(tenantId), { from: 's|', to: 's}' }, limit));
  }

  /** Network stories created in [from, to), newest first: a row-key range. */
  async between(tenantId: string, from: Date, to: Date): Promise<Story[]> {
    if (to <= from) return [];
    return storiesOf(tenantId, await listPartition<Row>(this.table, partitionOf(tenantId), { from: `s|${newestFirstKey(to)}.`, to: `s|${newestFirstKey(from)}.` }));
  }

  /** Network stories with the tag, newest first. */
  async withTag(tenantId: string, tag: string, limit: number): Promise<Story[]> {
    const prefix = `t|${encodeKeyPart(tag)}|`;
    return storiesOf(tenantId, await listPartition<Row>(this.table, partitionOf(tenantId), { from: prefix, to: `${prefix.slice(0, -1)}}` }, limit));
  }

  /** Transactions of at most 100 operations (a story has at most 13 rows: one call in practice). */
  private async submit(actions: TransactionAction[]): Promise<void> {
    for (let i = 0; i < actions.length; i += 100) await this.table.submitTransaction(actions.slice(i, i + 100));
  }
}
