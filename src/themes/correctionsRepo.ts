import type { TableClient } from '@azure/data-tables';
import { mutateEntity } from '../store/etag';
import { key } from '../store/keys';
import { listPartition, statusOf } from '../store/tables';
import type { Correction } from './team';

/**
 * Corrections of story themes, one row per story: PartitionKey tenant|space (a team's
 * corrections never meet another team's or tenant's), RowKey the story id (newest-first, so the
 * newest corrections are read first). A second edit of the same story replaces its row, under
 * the row's eTag, and an older edit arriving late never replaces a newer one.
 */
export const THEME_CORRECTIONS_TABLE = 'themecorrections';
/** A space's layer is fitted on its newest corrections. */
export const MAX_CORRECTIONS = 300;
/** Keeps a row's features far below a string property's limit (~32k characters): 400 x at most 45. */
const MAX_FEATURES = 400;

interface Row {
  features: string;
  themes: string;
  known: string;
  at: number;
}

export interface Where {
  tenantId: string;
  spaceId: string;
}

export class CorrectionsRepo {
  constructor(private readonly table: TableClient) {}

  async record(where: Where, c: Correction): Promise<void> {
    const row: Row = {
      features: JSON.stringify(c.features.slice(0, MAX_FEATURES)),
      themes: JSON.stringify(c.themes),
      known: JSON.stringify(c.known),
      at: c.at,
    };
    await mutateEntity<Row>(this.table, key(where.tenantId, where.spaceId), c.storyId, (current) => (current && current.at > c.at ? undefined : row));
  }

  async forget(where: Where, storyId: string): Promise<void> {
    try {
      await this.table.deleteEntity(key(where.tenantId, where.spaceId), storyId);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async newest(where: Where, limit = MAX_CORRECTIONS): Promise<Correction[]> {
    const rows = await listPartition<Row>(this.table, key(where.tenantId, where.spaceId), undefined, limit);
    return rows.map((r) => ({ storyId: r.rowKey ?? '', features: strings(r.features), themes: strings(r.themes), known: strings(r.known), at: Number(r.at) || 0 }));
  }
}

function strings(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
