import type { TableClient, TableEntityResult } from '@azure/data-tables';
import type { Clock } from '../../clock';
import type { Store } from '../../store/tables';
import { toCsv } from './csv';
import type { Download } from './exports';
import { personTag } from './repo';

/**
 * A person's control of their data: everything stored about them (my data), and forgetting them.
 *
 * Both walk EVERY table the bot owns, row by row, looking for the person: their user ids, their
 * tag in the counters (a hash of tenant and id) and their display name in name fields. A walk
 * of the whole store is slow on a big account, and that is accepted: these are rare requests,
 * and it is the only way to be sure that no row is missed, including tables added later.
 * Forgetting is therefore never done in a turn: it is stepped work (forgetJob.ts), one page a
 * step, with its progress recorded; the rules for what is deleted or rewritten are here.
 *
 * Forgetting, in order:
 * 1. with `delete`: the stories they told (through the stories service, so indexes go too), the
 *    notes they wrote and the topics they proposed;
 * 2. their endorsements are withdrawn (through the stories service: counts and indexes stay true);
 * 3. every row that is theirs (an id or tag in its keys: votes, contributions, organizer rights,
 *    counters' membership, their personal conversation, download links) is deleted;
 * 4. every other row that names them is rewritten: ids in lists and maps are removed (counters,
 *    customers' people), other mentions become "former-member" / "a former member".
 * Not rewritten: free text written by others that mentions the person by name.
 */
export const FORMER_ID = 'former-member';
export const FORMER_NAME = 'a former member';

export interface Person {
  tenantId: string;
  userId: string;
  /** Other ids the person has (the Bot Framework `29:` id). */
  otherIds: string[];
  userName: string;
}

export interface Needles {
  ids: string[];
  name: string;
}

export const needlesOf = (p: Person): Needles => ({
  ids: [...new Set([p.userId, ...p.otherIds, personTag(p.tenantId, p.userId)].filter((x) => x.length >= 6))],
  name: p.userName,
});

export type Row = TableEntityResult<Record<string, unknown>>;
const SYSTEM = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp']);
const isNameKey = (k: string): boolean => /name$/i.test(k);

export function mentions(row: Row, n: Needles): boolean {
  if (n.ids.some((id) => (row.partitionKey ?? '').includes(id) || (row.rowKey ?? '').includes(id))) return true;
  for (const [k, v] of Object.entries(row)) {
    if (SYSTEM.has(k) || typeof v !== 'string') continue;
    if (n.ids.some((id) => v.includes(id))) return true;
    if (n.name && isNameKey(k) && v === n.name) return true;
    if (n.name && v.includes(`"${n.name}"`)) return true;
  }
  return false;
}

const namesIn = (v: string, n: Needles): boolean => n.ids.some((id) => v.includes(id)) || v === n.name || (n.name !== '' && v.includes(`"${n.name}"`));

/**
 * In a row that is not theirs, a list stored as JSON (a theme's top people, a day's people)
 * is given with only the entries that name them: the export never carries other people's ids.
 */
function onlyTheirs(value: string, n: Needles): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value;
  }
  if (!Array.isArray(parsed)) return value;
  return JSON.stringify(parsed.filter((entry) => namesIn(typeof entry === 'string' ? entry : JSON.stringify(entry), n)));
}

/** The person's own record: an id of theirs in its keys. */
export const ownRow = (row: Row, n: Needles): boolean => n.ids.some((id) => (row.partitionKey ?? '').includes(id) || (row.rowKey ?? '').includes(id));

/** A JSON value with the person taken out: removed from lists and maps, other mentions replaced. */
function scrub(value: unknown, n: Needles, keyName = ''): unknown {
  if (typeof value === 'string') {
    if (n.name && isNameKey(keyName) && value === n.name) return FORMER_NAME;
    let out = value;
    for (const id of n.ids) out = out.split(id).join(FORMER_ID);
    return out;
  }
  if (Array.isArray(value)) return value.filter((x) => !(typeof x === 'string' && n.ids.includes(x))).map((x) => scrub(x, n));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!n.ids.includes(k)) out[k] = scrub(v, n, k);
    return out;
  }
  return value;
}

/** The row's string properties that change, rewritten; JSON inside strings is rewritten as JSON. */
export function scrubbedProps(row: Row, n: Needles): Record<string, string> {
  const changed: Record<string, string> = {};
  for (const [k, v] of Object.entries(row)) {
    if (SYSTEM.has(k) || typeof v !== 'string') continue;
    let next: string;
    const trimmed = v.trim();
    if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && (() => { try { JSON.parse(trimmed); return true; } catch { return false; } })()) {
      next = JSON.stringify(scrub(JSON.parse(trimmed), n));
    } else {
      next = scrub(v, n, k) as string;
    }
    if (n.name && next.includes(`"${n.name}"`)) next = next.split(`"${n.name}"`).join(`"${FORMER_NAME}"`);
    if (next !== v) changed[k] = next;
  }
  return changed;
}

export interface ForgetReport {
  storiesDeleted: number;
  endorsementsWithdrawn: number;
  rowsDeleted: number;
  rowsChanged: number;
}

export class Privacy {
  constructor(private readonly store: Store) {}

  private async *rowsNaming(n: Needles): AsyncGenerator<{ table: string; client: TableClient; row: Row }> {
    if (!this.store.listTables) throw new Error('this store cannot list its tables');
    for (const table of await this.store.listTables()) {
      const client = this.store.table(table);
      for await (const row of client.listEntities<Record<string, unknown>>()) if (mentions(row as Row, n)) yield { table, client, row: row as Row };
    }
  }

  /** Everything stored about the person: their own rows whole, and in others' rows the parts that name them. */
  async personalData(person: Person, format: 'json' | 'csv', now: Date): Promise<Download> {
    const n = needlesOf(person);
    const found: { table: string; partitionKey: string; rowKey: string; properties: Record<string, unknown> }[] = [];
    for await (const { table, row } of this.rowsNaming(n)) {
      const own = ownRow(row, n) || Object.entries(row).some(([k, v]) => !SYSTEM.has(k) && typeof v === 'string' && n.ids.includes(v));
      const properties = Object.fromEntries(
        Object.entries(row)
          .filter(([k, v]) => !SYSTEM.has(k) && (own || (typeof v === 'string' && namesIn(v, n))))
          .map(([k, v]) => [k, own || typeof v !== 'string' ? v : onlyTheirs(v, n)]),
      );
      found.push({ table, partitionKey: row.partitionKey ?? '', rowKey: row.rowKey ?? '', properties });
    }
    const day = now.toISOString().slice(0, 10);
    if (format === 'json') {
      const body = JSON.stringify({ generatedAt: now.toISOString(), person: { userId: person.userId, userName: person.userName, tag: personTag(person.tenantId, person.userId) }, rows: found }, null, 2);
      return { contentType: 'application/json; charset=utf-8', filename: `my-data-${day}.json`, body };
    }
    const rows = found.flatMap((f) => Object.entries(f.properties).map(([k, v]) => [f.table, f.partitionKey, f.rowKey, k, typeof v === 'string' ? v : JSON.stringify(v)]));
    return { contentType: 'text/csv; charset=utf-8', filename: `my-data-${day}.csv`, body: toCsv(['table', 'partition_key', 'row_key', 'property', 'value'], rows) };
  }
}

export function personalDataOf(store: Store, clock: Clock): (tenantId: string, userId: string, format: 'json' | 'csv') => Promise<Download> {
  const privacy = new Privacy(store);
  // The link names the user id only; their name is in the rows found by it.
  return (tenantId, userId, format) => privacy.personalData({ tenantId, userId, otherIds: [], userName: '' }, format, clock.now());
}
