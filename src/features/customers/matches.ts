import type { TableClient } from '@azure/data-tables';
import { mutateEntity } from '../../store/etag';
import { key } from '../../store/keys';
import { getEntityOrUndefined, insertIfAbsent } from '../../store/tables';
import type { ConversationRef, RosterMember } from '../../teams/door';
import { customerKey } from './repo';

/**
 * Which customer a person works for: by the domain of their email (what Teams' roster says),
 * or set by hand (`customer Contoso add @Eve` / `remove @Eve`). Kept per person so a turn never
 * asks Teams for the roster: the roster is read once for a person, at their first contribution
 * in the space (and shared, for minutes, by everyone of that space who contributes then).
 *
 * Table `customerpeople`. PartitionKey: tenant|space. RowKey: the person's tag (a hash, as the
 * counters use), so `forget me` deletes the row. Properties: `domain` (their email domain, ''
 * when Teams gave none, absent until looked up), `hand` (a customer set by hand), `handNone`
 * (taken off by hand: no customer even if the domain matches).
 *
 * The domain is stored, not the customer it matched, so a customer added later (or a domain
 * moved) takes effect at once: the domain's holder is one point read (memoised for minutes).
 */
export const CUSTOMER_PEOPLE_TABLE = 'customerpeople';
const MEMO_MS = 5 * 60_000;
const ROSTER_MS = 10 * 60_000;
/** After a roster read fails, the space is not asked again for this long. */
const ROSTER_FAILED_MS = 60_000;
const MAX_MEMO = 20_000;
/** How long "this space has no customers" is believed (another instance may add one). */
const SPACE_MS = 60_000;

export interface Space {
  tenantId: string;
  spaceId: string;
}

interface MatchRow {
  domain?: string;
  hand?: string;
  handNone?: boolean;
}

export function domainOf(email: string | undefined): string | undefined {
  const m = /@([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i.exec((email ?? '').trim());
  return m?.[1]?.toLowerCase();
}

/** The seams to Teams and to the rest of the store, so the matcher stays free of both. */
export interface MatchPorts {
  /** Where to read the space's roster (a conversation of the space the bot is in), if known. */
  referenceOf(where: Space): Promise<ConversationRef | undefined>;
  members(ref: ConversationRef): Promise<RosterMember[]>;
  domainHolder(where: Space, domain: string): Promise<string | undefined>;
  /** Whether the space has any customer at all (else nobody can match: no roster, no row). */
  anyCustomer(where: Space): Promise<boolean>;
  now(): number;
}

type Memo<T> = Map<string, { at: number; value: T }>;

export class CustomerMatches {
  private readonly rows: Memo<MatchRow> = new Map();
  private readonly holders: Memo<string | undefined> = new Map();
  private readonly rosters: Memo<Promise<RosterMember[] | undefined>> = new Map();
  private readonly spaces: Memo<boolean> = new Map();
  /** Roster reads made (the tests check a turn does not make one per contribution). */
  rosterReads = 0;

  constructor(
    private readonly table: TableClient,
    private readonly ports: MatchPorts,
  ) {}

  private fresh<T>(memo: Memo<T>, k: string, ttl: number): { value: T } | undefined {
    const hit = memo.get(k);
    return hit && this.ports.now() - hit.at < ttl ? { value: hit.value } : undefined;
  }

  private remember<T>(memo: Memo<T>, k: string, value: T): void {
    if (memo.size > MAX_MEMO) memo.clear();
    memo.set(k, { at: this.ports.now(), value });
  }

  /** The customer (as named when added) a person's contributions count for, if any. */
  async customerOf(where: Space, tag: string, userId: string): Promise<string | undefined> {
    // Most spaces have no customers: then nobody is looked up (one read a minute per space).
    const sk = `${where.tenantId}|${where.spaceId}`;
    let any = this.fresh(this.spaces, sk, SPACE_MS)?.value;
    if (any === undefined) {
      any = await this.ports.anyCustomer(where);
      this.remember(this.spaces, sk, any);
    }
    if (!any) return undefined;
    const row = await this.rowOf(where, tag, userId);
    if (!row || row.handNone) return undefined;
    if (row.hand) return row.hand;
    if (!row.domain) return undefined;
    const hk = `${where.tenantId}|${where.spaceId}|${row.domain}`;
    const hit = this.fresh(this.holders, hk, MEMO_MS);
    if (hit) return hit.value;
    const holder = await this.ports.domainHolder(where, row.domain);
    this.remember(this.holders, hk, holder);
    return holder;
  }

  private async rowOf(where: Space, tag: string, userId: string): Promise<MatchRow | undefined> {
    const mk = `${where.tenantId}|${where.spaceId}|${tag}`;
    const hit = this.fresh(this.rows, mk, MEMO_MS);
    if (hit) return hit.value;
    const pk = key(where.tenantId, where.spaceId);
    let row: MatchRow | undefined = await getEntityOrUndefined<MatchRow>(this.table, pk, tag);
    if (!row || row.domain === undefined) {
      const roster = await this.roster(where);
      // No roster (Teams did not answer, or the bot knows no conversation of the space): asked again later.
      if (!roster) return row ? { ...row } : undefined;
      const member = roster.find((m) => m.userId === userId || m.teamsId === userId);
      // Not in the roster read (joined since, or a guest): nothing is kept; a later roster read finds them.
      if (!member) {
        const unknown: MatchRow = { ...(row?.hand ? { hand: row.hand } : {}), ...(row?.handNone ? { handNone: true } : {}) };
        this.remember(this.rows, mk, unknown);
        return unknown;
      }
      const domain = domainOf(member.email) ?? '';
      if (!row) {
        if (!(await insertIfAbsent(this.table, { partitionKey: pk, rowKey: tag, domain }))) row = await getEntityOrUndefined<MatchRow>(this.table, pk, tag);
        else row = { domain };
      }
      if (row && row.domain === undefined) {
        const { after } = await mutateEntity<MatchRow>(this.table, pk, tag, (cur) => (cur && cur.domain === undefined ? { ...cur, domain } : undefined));
        row = (after as MatchRow | undefined) ?? { ...row, domain };
      }
    }
    const value: MatchRow = { ...(row?.domain !== undefined ? { domain: row.domain } : {}), ...(row?.hand ? { hand: row.hand } : {}), ...(row?.handNone ? { handNone: true } : {}) };
    this.remember(this.rows, mk, value);
    return value;
  }

  private roster(where: Space): Promise<RosterMember[] | undefined> {
    const rk = `${where.tenantId}|${where.spaceId}`;
    const hit = this.rosters.get(rk);
    if (hit && this.ports.now() - hit.at < ROSTER_MS) return hit.value;
    const value = (async () => {
      const ref = await this.ports.referenceOf(where);
      if (!ref) return undefined;
      this.rosterReads++;
      return this.ports.members(ref);
    })().catch(() => undefined);
    this.remember(this.rosters, rk, value);
    // A failed read is retried sooner than a good one is refreshed.
    void value.then((r) => {
      if (!r) this.rosters.set(rk, { at: this.ports.now() - ROSTER_MS + ROSTER_FAILED_MS, value });
    });
    return value;
  }

  /**
   * Matches a person to a customer by hand, or takes them off one (`customer` null). Taking a
   * person off a customer they are not matched to changes nothing and says so (false).
   */
  async setByHand(where: Space, tag: string, userId: string, customer: string, on: boolean): Promise<boolean> {
    const current = await this.customerOf(where, tag, userId);
    if (!on && (!current || customerKey(current) !== customerKey(customer))) return false;
    const pk = key(where.tenantId, where.spaceId);
    const { after } = await mutateEntity<MatchRow>(this.table, pk, tag, (cur) => {
      const base: MatchRow = cur ? { ...(cur.domain !== undefined ? { domain: cur.domain } : {}) } : {};
      return on ? { ...base, hand: customer, handNone: false } : { ...base, hand: '', handNone: true };
    });
    const row = after as MatchRow | undefined;
    this.remember(this.rows, `${where.tenantId}|${where.spaceId}|${tag}`, {
      ...(row?.domain !== undefined ? { domain: row.domain } : {}),
      ...(on ? { hand: customer } : { handNone: true }),
    });
    return true;
  }

  /** A domain changed hands (customer added): the memo of its holder is stale. */
  forgetDomain(where: Space, domain: string): void {
    this.holders.delete(`${where.tenantId}|${where.spaceId}|${domain}`);
    this.spaces.delete(`${where.tenantId}|${where.spaceId}`);
  }
}
