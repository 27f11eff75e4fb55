import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { getEntityOrUndefined, insertIfAbsent } from '../../store/tables';

/**
 * Download links (export, my data): `/download/<id>.<signature>`.
 *
 * The token is a random id and its HMAC-SHA256 under the configured key, so a forged or altered
 * token is refused (403) before storage is read. What it downloads is stored server-side under
 * the id (nothing about the team or person is in the URL). A link works once: the first download
 * inserts a `used` row (insertIfAbsent: of two at once, one wins) and later ones get 410, as do
 * links past their 15 minutes.
 *
 * Table `downloadlinks`. PartitionKey: the link id (random). RowKey: `link` (what it downloads,
 * when it expires) or `used`.
 */
export const DOWNLOAD_LINKS_TABLE = 'downloadlinks';
export const LINK_TTL_MS = 15 * 60_000;

export const exportKinds = ['stories', 'quotes', 'questions', 'calls', 'customers'] as const;
export type ExportKind = (typeof exportKinds)[number];

const requestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('export'), what: z.enum(exportKinds), tenantId: z.string(), spaceId: z.string(), conversationId: z.string(), by: z.string() }),
  z.object({ kind: z.literal('mydata'), tenantId: z.string(), userId: z.string(), format: z.enum(['json', 'csv']) }),
]);
export type DownloadRequest = z.infer<typeof requestSchema>;

export type Opened = { status: 200; request: DownloadRequest } | { status: 403 | 410; reason: 'malformed' | 'signature' | 'unknown' | 'expired' | 'used' };

export class DownloadLinks {
  constructor(
    private readonly table: TableClient,
    private readonly key: string,
  ) {}

  private sign(id: string): string {
    return createHmac('sha256', this.key).update(`download:${id}`).digest('base64url');
  }

  async create(request: DownloadRequest, now: Date): Promise<string> {
    const id = randomBytes(16).toString('hex');
    await insertIfAbsent(this.table, { partitionKey: id, rowKey: 'link', request: JSON.stringify(request), expiresAt: now.getTime() + LINK_TTL_MS });
    return `${id}.${this.sign(id)}`;
  }

  /** A link that was never delivered: used up at once, and what it named dropped. */
  async revoke(token: string): Promise<void> {
    const id = /^([0-9a-f]{32})\./.exec(token)?.[1];
    if (!id) return;
    await insertIfAbsent(this.table, { partitionKey: id, rowKey: 'used', at: 0 });
    await this.table.updateEntity({ partitionKey: id, rowKey: 'link', expiresAt: 0 }, 'Replace').catch(() => undefined);
  }

  /** Checks and uses up a token. */
  async open(token: string, now: Date): Promise<Opened> {
    const m = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return { status: 403, reason: 'malformed' };
    const [, id = '', signature = ''] = m;
    const expected = Buffer.from(this.sign(id));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { status: 403, reason: 'signature' };
    const row = await getEntityOrUndefined<{ request?: string; expiresAt: number }>(this.table, id, 'link');
    if (!row) return { status: 403, reason: 'unknown' };
    if (!row.request) return { status: 410, reason: 'used' };
    if (now.getTime() >= Number(row.expiresAt)) return { status: 410, reason: 'expired' };
    const parsed = requestSchema.safeParse(JSON.parse(row.request));
    if (!parsed.success) return { status: 403, reason: 'unknown' };
    if (!(await insertIfAbsent(this.table, { partitionKey: id, rowKey: 'used', at: now.getTime() }))) return { status: 410, reason: 'used' };
    // What it named is not kept once downloaded: the link row keeps only its expiry.
    await this.table.updateEntity({ partitionKey: id, rowKey: 'link', expiresAt: Number(row.expiresAt) }, 'Replace').catch(() => undefined);
    return { status: 200, request: parsed.data };
  }
}
