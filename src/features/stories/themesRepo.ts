import type { TableClient } from '@azure/data-tables';
import { key } from '../../store/keys';
import { listPartition } from '../../store/tables';
import { defaultTaxonomy, type Theme } from './taxonomy';
import type { Space } from './model';

/**
 * A team's changes to the default taxonomy: one row per changed, added or removed theme.
 * PartitionKey tenant|space, RowKey theme id. The effective taxonomy is the default with the
 * space's rows laid over it.
 */
export const STORY_THEMES_TABLE = 'storythemes';

interface Row {
  name: string;
  phrases: string;
  removed: boolean;
  changedBy: string;
  changedAt: number;
}

export class ThemesRepo {
  constructor(private readonly table: TableClient) {}

  async taxonomy(where: Space): Promise<Theme[]> {
    const rows = await listPartition<Row>(this.table, key(where.tenantId, where.spaceId));
    const byId = new Map<string, Theme>(defaultTaxonomy.map((t) => [t.id, t]));
    for (const r of rows) {
      const id = r.rowKey ?? '';
      if (!id) continue;
      if (r.removed) {
        byId.delete(id);
        continue;
      }
      const phrases = parsePhrases(r.phrases);
      const base = byId.get(id);
      // A team's version of a default theme keeps its exclusions.
      byId.set(id, { id, name: r.name, phrases, ...(base?.exclude ? { exclude: base.exclude } : {}) });
    }
    return [...byId.values()];
  }

  async save(where: Space, theme: { id: string; name: string; phrases: string[] }, by: string, at: Date): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey: key(where.tenantId, where.spaceId), rowKey: theme.id, name: theme.name, phrases: JSON.stringify(theme.phrases), removed: false, changedBy: by, changedAt: at.getTime() },
      'Replace',
    );
  }

  async remove(where: Space, id: string, by: string, at: Date): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey: key(where.tenantId, where.spaceId), rowKey: id, name: id, phrases: '[]', removed: true, changedBy: by, changedAt: at.getTime() },
      'Replace',
    );
  }
}

function parsePhrases(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
