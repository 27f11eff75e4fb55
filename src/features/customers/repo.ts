import type { TableClient } from '@azure/data-tables';
import { mutateEntity } from '../../store/etag';
import { key } from '../../store/keys';
import { getEntityOrUndefined, insertIfAbsent, listPartition } from '../../store/tables';

/**
 * Customers of a network and their activity, kept as stories name them.
 *
 * Table `customers`. PartitionKey: tenant|space. RowKey: the customer's name, normalised (lower
 * case, spaces collapsed). A row exists as soon as a story names the customer (`recorded`
 * false): its history is there when someone adds the customer later.
 * Table `customerdomains`. PartitionKey: tenant|space. RowKey: an email domain. One customer per
 * domain: taken by insert, so two people adding the same domain at once cannot both win.
 */
export const CUSTOMERS_TABLE = 'customers';
export const CUSTOMER_DOMAINS_TABLE = 'customerdomains';
/** People kept per customer (their tag and last day); the least recent drop off past this. */
export const MAX_PEOPLE = 300;
export const MAX_VALUED = 10;
export const MAX_RECENT_CALLS = 100;

export interface ValuedStoryRef {
  storyId: string;
  text: string;
  at: number;
}

export interface Customer {
  key: string;
  name: string;
  recorded: boolean;
  domains: string[];
  crmId?: string;
  addedAt?: number;
  stories: number;
  firstTouchAt?: number;
  lastTouchAt?: number;
  /** Person tag -> last day (YYYY-MM-DD) they took part for this customer (a story about it, or anything by one of its people). */
  people: Record<string, string>;
  /** Questions asked by the customer's people (connect). */
  questions: number;
  /** Calls (occurrences) at least one of the customer's people attended. */
  callsAttended: number;
  /** The most recent calls counted in `callsAttended` (so a second person at the same call does not count it again). */
  recentCalls: string[];
  /** Person tag -> their name and how many times they took part for this customer (champions). */
  active: Record<string, { name: string; n: number }>;
  /** The most recent stories that state a value (id, value text), newest first. */
  valued: ValuedStoryRef[];
}

interface Row {
  name: string;
  recorded: boolean;
  domains: string;
  crmId?: string;
  addedAt?: number;
  stories: number;
  firstTouchAt?: number;
  lastTouchAt?: number;
  people: string;
  valued: string;
  questions?: number;
  callsAttended?: number;
  recentCalls?: string;
  active?: string;
}

export function customerKey(name: string): string {
  return name.toLowerCase().replace(/\s+/g, ' ').trim();
}

const parse = <T>(raw: string | undefined, fallback: T): T => {
  try {
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
};

function fromRow(rowKey: string, r: Row): Customer {
  return {
    key: rowKey,
    name: r.name,
    recorded: Boolean(r.recorded),
    domains: parse(r.domains, []),
    ...(r.crmId ? { crmId: r.crmId } : {}),
    ...(r.addedAt ? { addedAt: r.addedAt } : {}),
    stories: Number(r.stories ?? 0),
    ...(r.firstTouchAt ? { firstTouchAt: r.firstTouchAt } : {}),
    ...(r.lastTouchAt ? { lastTouchAt: r.lastTouchAt } : {}),
    people: parse(r.people, {}),
    valued: parse(r.valued, []),
    questions: Number(r.questions ?? 0),
    callsAttended: Number(r.callsAttended ?? 0),
    recentCalls: parse(r.recentCalls, []),
    active: parse(r.active, {}),
  };
}

function toRow(c: Customer): Row {
  const people = Object.entries(c.people)
    .sort((a, b) => b[1].localeCompare(a[1]))
    .slice(0, MAX_PEOPLE);
  return {
    name: c.name,
    recorded: c.recorded,
    domains: JSON.stringify(c.domains),
    ...(c.crmId ? { crmId: c.crmId } : {}),
    ...(c.addedAt ? { addedAt: c.addedAt } : {}),
    stories: c.stories,
    ...(c.firstTouchAt ? { firstTouchAt: c.firstTouchAt } : {}),
    ...(c.lastTouchAt ? { lastTouchAt: c.lastTouchAt } : {}),
    people: JSON.stringify(Object.fromEntries(people)),
    valued: JSON.stringify(c.valued.slice(0, MAX_VALUED)),
    questions: c.questions,
    callsAttended: c.callsAttended,
    recentCalls: JSON.stringify(c.recentCalls.slice(0, MAX_RECENT_CALLS)),
    // The most active people are kept (the champions); the least active drop off past MAX_PEOPLE.
    active: JSON.stringify(Object.fromEntries(Object.entries(c.active).sort((a, b) => b[1].n - a[1].n).slice(0, MAX_PEOPLE))),
  };
}

export const emptyCustomer = (name: string): Customer => ({
  key: customerKey(name),
  name,
  recorded: false,
  domains: [],
  stories: 0,
  people: {},
  valued: [],
  questions: 0,
  callsAttended: 0,
  recentCalls: [],
  active: {},
});

export class CustomersRepo {
  constructor(
    private readonly customers: TableClient,
    private readonly domains: TableClient,
  ) {}

  /** Changes one customer under its eTag; `apply` returns undefined to write nothing. */
  async change(where: { tenantId: string; spaceId: string }, name: string, apply: (current: Customer | undefined) => Customer | undefined): Promise<Customer | undefined> {
    const rowKey = key(customerKey(name));
    const { after } = await mutateEntity<Row>(this.customers, key(where.tenantId, where.spaceId), rowKey, (current) => {
      const next = apply(current ? fromRow(rowKey, current) : undefined);
      return next ? toRow(next) : undefined;
    });
    return after ? fromRow(rowKey, after as unknown as Row) : undefined;
  }

  async get(where: { tenantId: string; spaceId: string }, name: string): Promise<Customer | undefined> {
    const rowKey = key(customerKey(name));
    const row = await getEntityOrUndefined<Row>(this.customers, key(where.tenantId, where.spaceId), rowKey);
    return row ? fromRow(rowKey, row) : undefined;
  }

  /** Every customer of the space (one partition: a network has tens or hundreds of customers). */
  async list(where: { tenantId: string; spaceId: string }): Promise<Customer[]> {
    const rows = await listPartition<Row>(this.customers, key(where.tenantId, where.spaceId));
    return rows.map((r) => fromRow(r.rowKey ?? '', r));
  }

  /** Claims a domain for a customer; returns the customer that holds it when another does. */
  async claimDomain(where: { tenantId: string; spaceId: string }, domain: string, customerName: string): Promise<string | undefined> {
    const pk = key(where.tenantId, where.spaceId);
    if (await insertIfAbsent(this.domains, { partitionKey: pk, rowKey: key(domain), customer: customerName })) return undefined;
    const holder = await getEntityOrUndefined<{ customer: string }>(this.domains, pk, key(domain));
    return holder && customerKey(holder.customer) !== customerKey(customerName) ? holder.customer : undefined;
  }

  /** True when any customer of the space has a domain (every recorded customer has one). */
  async anyDomain(where: { tenantId: string; spaceId: string }): Promise<boolean> {
    return (await listPartition(this.domains, key(where.tenantId, where.spaceId), undefined, 1)).length > 0;
  }

  /** The customer that holds a domain, if any (one point read). */
  async domainHolder(where: { tenantId: string; spaceId: string }, domain: string): Promise<string | undefined> {
    return (await getEntityOrUndefined<{ customer: string }>(this.domains, key(where.tenantId, where.spaceId), key(domain)))?.customer;
  }

  async releaseDomain(where: { tenantId: string; spaceId: string }, domain: string): Promise<void> {
    await this.domains.deleteEntity(key(where.tenantId, where.spaceId), key(domain)).catch(() => undefined);
  }
}
