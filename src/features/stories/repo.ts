import { retryOnConflict } from '../../store/etag';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { encodeKeyPart, key, newestFirstKey } from '../../store/keys';
import { getEntityOrUndefined, listPartition } from '../../store/tables';
import { z } from 'zod';
import { allTags, ANONYMOUS_TELLER, VISIBILITIES, visibilityOf, type Consent, type Space, type Story, type Visibility } from './model';

/**
 * Stories and their indexes, all in one partition per space (PartitionKey tenant|space), so a
 * story and every index row that points at it are written in one atomic transaction:
 *
 *   s|<storyId>                 the story (storyId starts with inverted time: newest first)
 *   t|<tag>|<storyId>           a copy per tag: a tag query reads only that tag's rows
 *   e|<inverted count>|<id>     a copy per endorsed story: "most endorsed" reads the first rows
 *   h|<hash of normalised text> the latest story with that text and when (30-day duplicates)
 *   m|<source message id>       the story saved from that message
 *   a|<conversation>|<activity> the story a Teams activity captured: the capture's own
 *                               de-duplication (a re-delivery's transaction fails on this row)
 *
 * A deleted story's row becomes a tombstone (in the same transaction that deletes its copies and
 * pointers), so deleting is guarded by the eTag like every other change: a concurrent
 * endorsement cannot leave a copy behind.
 *
 * Copies carry the whole story (text is at most 4,000 characters), so lists never need a
 * second read; every change rewrites the story and its copies in the same transaction, the
 * story row guarded by its eTag.
 */
export const STORIES_TABLE = 'stories';

export interface Row {
  storyId: string;
  conversationId: string;
  text: string;
  tellerId: string;
  tellerName: string;
  capturedById: string;
  capturedByName: string;
  customer?: string;
  themes: string;
  tags: string;
  endorsers: string;
  endorsements: number;
  createdAt: number;
  sourceMessageId?: string;
  sourceLink?: string;
  terms: string;
  /** A deleted story leaves a tombstone, so the delete could be guarded by the row's eTag. */
  deleted?: boolean;
  visibility?: string;
  anonymousStandIn?: string;
  /** JSON of the Consent (times as ms). */
  consent?: string;
  retellings?: number;
  /** JSON of Story.retoldFrom. */
  retoldFrom?: string;
  editedAt?: number;
  tagsByHand?: boolean;
  approvalWithdrawnAt?: number;
  /** Network index rows only: the story's own space. */
  spaceId?: string;
}

interface PointerRow {
  storyId: string;
  at: number;
}


export interface StoredStory {
  story: Story;
  etag: string;
}

/** `redelivered`: this same activity captured a story before (Teams delivered it again). */
export type CreateResult = { created: true } | { created: false; existing: Story } | { created: false; redelivered: true };

const MAX_ENDORSED = 999_999;

export const storyRowKey = (storyId: string): string => `s|${storyId}`;
const tagRowKey = (tag: string, storyId: string): string => `t|${encodeKeyPart(tag)}|${storyId}`;
const endorsedRowKey = (count: number, storyId: string): string => `e|${String(MAX_ENDORSED - Math.min(count, MAX_ENDORSED)).padStart(6, '0')}|${storyId}`;
const hashRowKey = (hash: string): string => `h|${hash}`;
const sourceRowKey = (messageId: string): string => `m|${encodeKeyPart(messageId)}`;
/** Activity ids are unique within a conversation (channel message ids are times), so the pointer names both. */
const activityRowKey = (conversationId: string, activityId: string): string => `a|${encodeKeyPart(conversationId)}|${encodeKeyPart(activityId)}`;

export const partitionOf = (where: Space): string => key(where.tenantId, where.spaceId);

export function newStoryId(at: Date, random: string): string {
  return `${newestFirstKey(at)}-${random}`;
}

export function toRow(s: Story): Row {
  return {
    storyId: s.storyId,
    conversationId: s.conversationId,
    text: s.text,
    tellerId: s.teller.userId,
    tellerName: s.teller.userName,
    capturedById: s.capturedBy.userId,
    capturedByName: s.capturedBy.userName,
    ...(s.customer ? { customer: s.customer } : {}),
    themes: JSON.stringify(s.themes),
    tags: JSON.stringify(s.tags),
    endorsers: JSON.stringify(s.endorsers),
    endorsements: s.endorsers.length,
    createdAt: s.createdAt.getTime(),
    ...(s.sourceMessageId ? { sourceMessageId: s.sourceMessageId } : {}),
    ...(s.sourceLink ? { sourceLink: s.sourceLink } : {}),
    terms: s.terms,
    ...(s.visibility && s.visibility !== 'team' ? { visibility: s.visibility } : {}),
    ...(s.anonymous ? { anonymousStandIn: s.anonymous.standIn } : {}),
    ...(s.consent ? { consent: JSON.stringify({ ...s.consent, askedAt: s.consent.askedAt.getTime(), answeredAt: s.consent.answeredAt?.getTime() }) } : {}),
    ...(s.retellings ? { retellings: s.retellings } : {}),
    ...(s.retoldFrom ? { retoldFrom: JSON.stringify(s.retoldFrom) } : {}),
    ...(s.editedAt ? { editedAt: s.editedAt.getTime() } : {}),
    ...(s.tagsByHand ? { tagsByHand: true } : {}),
    ...(s.approvalWithdrawnAt ? { approvalWithdrawnAt: s.approvalWithdrawnAt.getTime() } : {}),
  };
}

const consentRow = z.object({
  requestId: z.string(),
  state: z.enum(['asked', 'approved', 'declined']),
  contact: z.object({ userId: z.string(), userName: z.string() }),
  requester: z.object({ userId: z.string(), userName: z.string() }),
  use: z.string(),
  askedAt: z.number(),
  answeredAt: z.number().optional(),
  requesterRef: z.string().optional(),
});
const retoldRow = z.object({ spaceId: z.string(), storyId: z.string(), conversationId: z.string() });

/** A stored JSON field read with its schema; a row that does not parse reads as absent (never a crash). */
function parsedJson<T>(json: string | undefined, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T | undefined {
  if (!json) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function consentOf(json: string | undefined): Consent | undefined {
  const c = parsedJson(json, consentRow);
  if (!c) return undefined;
  const { askedAt, answeredAt, requesterRef, ...rest } = c;
  return { ...rest, askedAt: new Date(askedAt), ...(answeredAt !== undefined ? { answeredAt: new Date(answeredAt) } : {}), ...(requesterRef ? { requesterRef } : {}) };
}

function visibilityFrom(raw: string | undefined): Visibility {
  return (VISIBILITIES as readonly string[]).includes(raw ?? '') ? (raw as Visibility) : 'team';
}

function stringList(json: string | undefined): string[] {
  try {
    const v: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function fromRow(where: Space, r: Row): Story {
  return {
    storyId: r.storyId,
    tenantId: where.tenantId,
    spaceId: where.spaceId,
    conversationId: r.conversationId,
    text: r.text,
    teller: { userId: r.tellerId, userName: r.tellerName },
    capturedBy: { userId: r.capturedById, userName: r.capturedByName },
    ...(r.customer ? { customer: r.customer } : {}),
    themes: stringList(r.themes),
    tags: stringList(r.tags),
    endorsers: stringList(r.endorsers),
    createdAt: new Date(r.createdAt),
    ...(r.sourceMessageId ? { sourceMessageId: r.sourceMessageId } : {}),
    ...(r.sourceLink ? { sourceLink: r.sourceLink } : {}),
    terms: r.terms ?? '',
    visibility: visibilityFrom(r.visibility),
    ...(r.anonymousStandIn ? { anonymous: { standIn: r.anonymousStandIn } } : {}),
    ...(consentOf(r.consent) ? { consent: consentOf(r.consent) } : {}),
    ...(r.retellings ? { retellings: r.retellings } : {}),
    ...(parsedJson(r.retoldFrom, retoldRow) ? { retoldFrom: parsedJson(r.retoldFrom, retoldRow) } : {}),
    ...(typeof r.editedAt === 'number' ? { editedAt: new Date(r.editedAt) } : {}),
    ...(r.tagsByHand === true ? { tagsByHand: true } : {}),
    ...(typeof r.approvalWithdrawnAt === 'number' ? { approvalWithdrawnAt: new Date(r.approvalWithdrawnAt) } : {}),
  };
}

/** The index rows (copies) a story should have, by row key. */
function copiesOf(s: Story): Map<string, Row> {
  const row = toRow(s);
  const out = new Map<string, Row>();
  for (const tag of allTags(s)) out.set(tagRowKey(tag, s.storyId), row);
  if (s.endorsers.length > 0) out.set(endorsedRowKey(s.endorsers.length, s.storyId), row);
  return out;
}

function live(where: Space, rows: readonly Row[]): Story[] {
  return rows.filter((r) => !r.deleted).map((r) => fromRow(where, r));
}

export class StoriesRepo {
  constructor(private readonly table: TableClient) {}

  /**
   * Writes a new story with its copies and its duplicate pointers in one transaction. The
   * pointers are created (not overwritten), so two captures of the same text at the same
   * moment cannot both succeed; a pointer older than `duplicateWindowMs`, or to a deleted
   * story, is replaced under its eTag.
   *
   * With `activityId` (the Teams activity that asked for the capture) the transaction also
   * creates `a|<conversation>|<activityId>`: a re-delivery of that activity fails on it and is
   * told so (`redelivered`), so the turn needs no separate de-duplication row. The pointer stays
   * when the story is deleted (like the story's tombstone): a late re-delivery does not bring
   * the story back.
   */
  async create(story: Story, textHash: string, now: Date, duplicateWindowMs: number, activityId?: string): Promise<CreateResult> {
    const where = { tenantId: story.tenantId, spaceId: story.spaceId };
    const pk = partitionOf(where);
    // The common path is a single request; the pointers are read only after a conflict.
    return retryOnConflict(
      async (attempt) => {
        let hashRow: (PointerRow & { etag: string }) | undefined;
        let sourceRow: (PointerRow & { etag: string }) | undefined;
        if (attempt > 0) {
          let activityRow: PointerRow | undefined;
          [hashRow, sourceRow, activityRow] = await Promise.all([
            getEntityOrUndefined<PointerRow>(this.table, pk, hashRowKey(textHash)),
            story.sourceMessageId ? getEntityOrUndefined<PointerRow>(this.table, pk, sourceRowKey(story.sourceMessageId)) : undefined,
            activityId ? getEntityOrUndefined<PointerRow>(this.table, pk, activityRowKey(story.conversationId, activityId)) : undefined,
          ]);
          if (activityRow) return { created: false, redelivered: true };
          const bySource = sourceRow ? await this.get(where, sourceRow.storyId) : undefined;
          if (bySource) return { created: false, existing: bySource.story };
          if (hashRow && now.getTime() - hashRow.at < duplicateWindowMs) {
            const byText = await this.get(where, hashRow.storyId);
            if (byText) return { created: false, existing: byText.story };
          }
        }
        const pointer = { storyId: story.storyId, at: story.createdAt.getTime() };
        const actions: TransactionAction[] = [['create', { partitionKey: pk, rowKey: storyRowKey(story.storyId), ...toRow(story) }]];
        for (const [rowKey, row] of copiesOf(story)) actions.push(['create', { partitionKey: pk, rowKey, ...row }]);
        const hashEntity = { partitionKey: pk, rowKey: hashRowKey(textHash), ...pointer };
        actions.push(hashRow ? ['update', hashEntity, 'Replace', { etag: hashRow.etag }] : ['create', hashEntity]);
        if (story.sourceMessageId) {
          const sourceEntity = { partitionKey: pk, rowKey: sourceRowKey(story.sourceMessageId), ...pointer };
          actions.push(sourceRow ? ['update', sourceEntity, 'Replace', { etag: sourceRow.etag }] : ['create', sourceEntity]);
        }
        if (activityId) actions.push(['create', { partitionKey: pk, rowKey: activityRowKey(story.conversationId, activityId), ...pointer }]);
        await this.table.submitTransaction(actions);
        return { created: true };
      },
      { attempts: 4, what: 'story capture' },
    );
  }

  async get(where: Space, storyId: string): Promise<StoredStory | undefined> {
    const row = await getEntityOrUndefined<Row>(this.table, partitionOf(where), storyRowKey(storyId));
    return row && !row.deleted ? { story: fromRow(where, row), etag: row.etag } : undefined;
  }

  async findBySource(where: Space, messageId: string): Promise<Story | undefined> {
    const pointer = await getEntityOrUndefined<PointerRow>(this.table, partitionOf(where), sourceRowKey(messageId));
    return pointer ? (await this.get(where, pointer.storyId))?.story : undefined;
  }

  /** Replaces the story (only if unchanged since `before` was read: 412 otherwise) and brings its copies in line. */
  async update(before: StoredStory, after: Story, extra: readonly TransactionAction[] = []): Promise<void> {
    const pk = partitionOf(after);
    const actions: TransactionAction[] = [['update', { partitionKey: pk, rowKey: storyRowKey(after.storyId), ...toRow(after) }, 'Replace', { etag: before.etag }]];
    const old = copiesOf(before.story);
    const next = copiesOf(after);
    for (const rowKey of old.keys()) if (!next.has(rowKey)) actions.push(['delete', { partitionKey: pk, rowKey }]);
    for (const [rowKey, row] of next) actions.push(['upsert', { partitionKey: pk, rowKey, ...row }, 'Replace']);
    actions.push(...extra);
    await this.table.submitTransaction(actions);
  }

  /**
   * An edit of the story's text: the story and its copies as `update`, and the duplicate
   * pointer moves with the text (the old text's pointer, if still this story's, is emptied under
   * its eTag; the new text's points here), in the same transaction.
   */
  async updateText(before: StoredStory, after: Story, oldHash: string, newHash: string): Promise<void> {
    const pk = partitionOf(after);
    const extra: TransactionAction[] = [];
    if (oldHash !== newHash) {
      const [oldRow, newRow] = await Promise.all([
        getEntityOrUndefined<PointerRow>(this.table, pk, hashRowKey(oldHash)),
        getEntityOrUndefined<PointerRow>(this.table, pk, hashRowKey(newHash)),
      ]);
      // Emptied under its eTag rather than deleted (a transaction's delete takes no eTag): a
      // pointer to no story is no duplicate, and a capture replaces it under its eTag.
      if (oldRow?.storyId === after.storyId) extra.push(['update', { partitionKey: pk, rowKey: hashRowKey(oldHash), storyId: '', at: 0 }, 'Replace', { etag: oldRow.etag }]);
      const pointer = { partitionKey: pk, rowKey: hashRowKey(newHash), storyId: after.storyId, at: (after.editedAt ?? after.createdAt).getTime() };
      extra.push(newRow ? ['update', pointer, 'Replace', { etag: newRow.etag }] : ['create', pointer]);
    }
    await this.update(before, after, extra);
  }

  /** Deletes the story, its copies and the duplicate pointers that still point at it, in one transaction. */
  async remove(stored: StoredStory, textHash: string): Promise<void> {
    const s = stored.story;
    const pk = partitionOf(s);
    const [hashRow, sourceRow] = await Promise.all([
      getEntityOrUndefined<PointerRow>(this.table, pk, hashRowKey(textHash)),
      s.sourceMessageId ? getEntityOrUndefined<PointerRow>(this.table, pk, sourceRowKey(s.sourceMessageId)) : undefined,
    ]);
    const tombstone = { partitionKey: pk, rowKey: storyRowKey(s.storyId), storyId: s.storyId, createdAt: s.createdAt.getTime(), deleted: true };
    const actions: TransactionAction[] = [['update', tombstone, 'Replace', { etag: stored.etag }]];
    for (const rowKey of copiesOf(s).keys()) actions.push(['delete', { partitionKey: pk, rowKey }]);
    if (hashRow?.storyId === s.storyId) actions.push(['delete', { partitionKey: pk, rowKey: hashRowKey(textHash) }]);
    if (s.sourceMessageId && sourceRow?.storyId === s.storyId) actions.push(['delete', { partitionKey: pk, rowKey: sourceRowKey(s.sourceMessageId) }]);
    await this.table.submitTransaction(actions);
  }

  /** Newest first, at most `limit`. */
  async newest(where: Space, limit: number): Promise<Story[]> {
    const rows = await listPartition<Row>(this.table, partitionOf(where), { from: 's|', to: 's}' }, limit);
    return live(where, rows);
  }

  /** Stories created in [from, to), newest first: a row-key range, nothing older is read. */
  async between(where: Space, from: Date, to: Date): Promise<Story[]> {
    if (to <= from) return [];
    // storyId = inverted time + '-' + random; '.' sorts just after '-', so `inv(t).` bounds every id of time t.
    const rows = await listPartition<Row>(this.table, partitionOf(where), { from: `s|${newestFirstKey(to)}.`, to: `s|${newestFirstKey(from)}.` });
    return live(where, rows);
  }

  /** Stories with the tag, newest first, at most `limit`: reads only that tag's rows. */
  async withTag(where: Space, tag: string, limit: number): Promise<Story[]> {
    const prefix = `t|${encodeKeyPart(tag)}|`;
    const rows = await listPartition<Row>(this.table, partitionOf(where), { from: prefix, to: `${prefix.slice(0, -1)}}` }, limit);
    return live(where, rows);
  }

  /** Most endorsed first (ties: newest first), at most `limit`: reads only the first rows of the endorsed index. */
  async mostEndorsed(where: Space, limit: number): Promise<Story[]> {
    const rows = await listPartition<Row>(this.table, partitionOf(where), { from: 'e|', to: 'e}' }, limit);
    return live(where, rows);
  }

  /** Bulk insert for benchmarks and tests: stories with their copies and text pointers, in transactions of 100. */
  async seed(where: Space, stories: readonly { story: Story; textHash: string }[]): Promise<void> {
    const pk = partitionOf(where);
    const actions: TransactionAction[] = [];
    for (const { story, textHash } of stories) {
      actions.push(['upsert', { partitionKey: pk, rowKey: storyRowKey(story.storyId), ...toRow(story) }, 'Replace']);
      for (const [rowKey, row] of copiesOf(story)) actions.push(['upsert', { partitionKey: pk, rowKey, ...row }, 'Replace']);
      actions.push(['upsert', { partitionKey: pk, rowKey: hashRowKey(textHash), storyId: story.storyId, at: story.createdAt.getTime() }, 'Replace']);
    }
    // Transactions of 100 (the limit), a few in flight at once.
    const batches: TransactionAction[][] = [];
    for (let i = 0; i < actions.length; i += 100) batches.push(actions.slice(i, i + 100));
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let b = next++; b < batches.length; b = next++) await this.table.submitTransaction(batches[b]!);
    };
    await Promise.all(Array.from({ length: Math.min(4, batches.length) }, worker));
  }
}
