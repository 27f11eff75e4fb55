/**
 * Customers: records (name, email domains, CRM id) and their activity, in plain values.
 * Activity is kept as it happens, from `contributed` events, in the customer's own row (so a
 * card or the list reads rows, never history): a story that names the customer, and anything
 * done by a person matched to the customer (matches.ts: by email domain or by hand): stories,
 * questions, calls attended, who is active and the most active (champions), last touch.
 */
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Store } from '../../store/tables';
import type { Contribution } from '../../teams/events';
import { personTag } from '../insights/repo';
import { CustomersRepo, CUSTOMERS_TABLE, CUSTOMER_DOMAINS_TABLE, emptyCustomer, customerKey, MAX_RECENT_CALLS, type Customer } from './repo';
import { CustomerMatches, CUSTOMER_PEOPLE_TABLE, type MatchPorts } from './matches';
import { customerStrings as s } from './strings';

export interface Space {
  tenantId: string;
  spaceId: string;
}

export const MAX_NAME = 100;
export const MAX_DOMAINS = 10;
/** A customer nobody has told a story about for longer than this is drifting. */
export const DRIFT_DAYS = 45;
const ACTIVE_DAYS = 90;
const DAY_MS = 86_400_000;

export interface NewCustomer {
  name: string;
  domains: string[];
  crmId?: string;
}

/** `add Contoso Ltd contoso.com contoso.co.uk crm:0015000000XyZ`: the name is the words before the first domain. */
export function parseCustomerAdd(args: string): NewCustomer {
  const tokens = args.trim().split(/\s+/).filter(Boolean);
  const isDomain = (t: string): boolean => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(t.replace(/^@/, ''));
  const first = tokens.findIndex((t) => isDomain(t) || /^crm:/i.test(t));
  const name = (first < 0 ? tokens : tokens.slice(0, first)).join(' ').trim();
  if (!name) throw new UserError(s.usage);
  if (name.length > MAX_NAME) throw new UserError(s.nameTooLong(MAX_NAME));
  const rest = first < 0 ? [] : tokens.slice(first);
  const domains: string[] = [];
  let crmId: string | undefined;
  for (const t of rest) {
    if (/^crm:/i.test(t)) {
      crmId = t.slice(4);
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(crmId)) throw new UserError(s.badCrm);
      continue;
    }
    const d = t.replace(/^@/, '').toLowerCase();
    if (!isDomain(d) || d.length > 253) throw new UserError(s.badDomain(t.slice(0, 60)));
    if (!domains.includes(d)) domains.push(d);
  }
  if (!domains.length) throw new UserError(s.addNeedsDomain);
  if (domains.length > MAX_DOMAINS) throw new UserError(s.tooManyDomains(MAX_DOMAINS));
  return { name, domains, ...(crmId ? { crmId } : {}) };
}

export interface Champion {
  name: string;
  contributions: number;
}

export const CHAMPIONS = 3;

export interface CustomerView {
  customer: Customer;
  activePeople: number;
  /** The customer's most active people, most active first. */
  champions: Champion[];
  daysSinceTouch?: number;
  drifting: boolean;
}

export class CustomersService {
  readonly repo: CustomersRepo;
  /** Who works for which customer; absent when the service only reads (exports). */
  readonly matches: CustomerMatches | undefined;

  constructor(
    store: Store,
    private readonly clock: Clock,
    ports?: Omit<MatchPorts, 'domainHolder' | 'anyCustomer' | 'now'>,
  ) {
    this.repo = new CustomersRepo(store.table(CUSTOMERS_TABLE), store.table(CUSTOMER_DOMAINS_TABLE));
    this.matches = ports
      ? new CustomerMatches(store.table(CUSTOMER_PEOPLE_TABLE), {
          ...ports,
          domainHolder: (where, d) => this.repo.domainHolder(where, d),
          anyCustomer: (where) => this.repo.anyDomain(where),
          now: () => this.clock.now().getTime(),
        })
      : undefined;
  }

  /**
   * A contribution moves the counters of the customer a story names, and of the customer the
   * person works for (when matched): one eTag write per customer touched.
   */
  async record(c: Contribution): Promise<void> {
    const where = { tenantId: c.tenantId, spaceId: c.spaceId };
    const tag = personTag(c.tenantId, c.personId);
    const named = c.kind === 'story' ? c.customer : undefined;
    const own = await this.matches?.customerOf(where, tag, c.personId);
    if (named) await this.repo.change(where, named, (current) => countIn(current ?? emptyCustomer(named), c, tag, { story: true, person: own !== undefined && customerKey(own) === customerKey(named) }));
    if (own && (!named || customerKey(own) !== customerKey(named))) {
      // Only a recorded customer has people (a match names one); a story about another customer is not this one's story.
      await this.repo.change(where, own, (current) => (current?.recorded ? countIn(current, c, tag, { story: c.kind === 'story' && !named, person: true }) : undefined));
    }
  }

  /** `customer Contoso add @Eve` / `remove @Eve`: matches people by hand. Returns who changed and who did not. */
  async matchByHand(where: Space, name: string, people: readonly { userId: string; userName: string }[], on: boolean): Promise<{ customer: Customer; changed: string[]; unchanged: string[] }> {
    if (!this.matches) throw new Error('matching is not wired');
    const customer = await this.repo.get(where, name.trim());
    if (!customer?.recorded) throw new UserError(s.notFound(name.trim().slice(0, MAX_NAME)));
    if (!people.length) throw new UserError(s.matchNeedsMention(customer.name));
    const changed: string[] = [];
    const unchanged: string[] = [];
    for (const p of people) {
      const ok = await this.matches.setByHand(where, personTag(where.tenantId, p.userId), p.userId, customer.name, on);
      (ok ? changed : unchanged).push(p.userName);
    }
    return { customer, changed, unchanged };
  }

  /** Adds a customer, or adds domains to one; a domain another customer holds is refused, nothing written. */
  async add(where: Space, input: NewCustomer): Promise<{ customer: Customer; created: boolean }> {
    const claimed: string[] = [];
    try {
      for (const d of input.domains) {
        this.matches?.forgetDomain(where, d);
        const holder = await this.repo.claimDomain(where, d, input.name);
        if (holder) throw new UserError(s.domainTaken(d, holder));
        claimed.push(d);
      }
    } catch (err) {
      // Give back what this attempt took, so a refusal leaves nothing half-written.
      const before = await this.repo.get(where, input.name);
      await Promise.all(claimed.filter((d) => !before?.domains.includes(d)).map((d) => this.repo.releaseDomain(where, d)));
      throw err;
    }
    let created = false;
    const customer = await this.repo.change(where, input.name, (current) => {
      created = !current?.recorded;
      const base = current ?? emptyCustomer(input.name);
      const domains = [...new Set([...base.domains, ...input.domains])].slice(0, MAX_DOMAINS);
      return { ...base, name: base.recorded ? base.name : input.name, recorded: true, domains, ...(input.crmId ? { crmId: input.crmId } : {}), addedAt: base.addedAt ?? this.clock.now().getTime() };
    });
    if (!customer) throw new Error('customer was not written');
    return { customer, created };
  }

  async show(where: Space, name: string): Promise<CustomerView> {
    const c = await this.repo.get(where, name.trim());
    if (!c || !c.recorded) throw new UserError(s.notFound(name.trim().slice(0, MAX_NAME)));
    return this.viewOf(c);
  }

  /** Recorded customers, the drifting ones first (longest without a touch first), then by engagement. */
  async list(where: Space): Promise<CustomerView[]> {
    const views = (await this.repo.list(where)).filter((c) => c.recorded).map((c) => this.viewOf(c));
    return views.sort(
      (a, b) =>
        Number(b.drifting) - Number(a.drifting) ||
        (a.drifting ? (b.daysSinceTouch ?? Infinity) - (a.daysSinceTouch ?? Infinity) : 0) ||
        b.activePeople - a.activePeople ||
        engagement(b.customer) - engagement(a.customer) ||
        customerKey(a.customer.name).localeCompare(customerKey(b.customer.name)),
    );
  }

  private viewOf(c: Customer): CustomerView {
    const now = this.clock.now().getTime();
    const since = new Date(now - ACTIVE_DAYS * DAY_MS).toISOString().slice(0, 10);
    const daysSinceTouch = c.lastTouchAt ? Math.floor((now - c.lastTouchAt) / DAY_MS) : undefined;
    return {
      customer: c,
      activePeople: Object.values(c.people).filter((d) => d >= since).length,
      champions: Object.values(c.active)
        .sort((a, b) => b.n - a.n || a.name.localeCompare(b.name))
        .slice(0, CHAMPIONS)
        .map((a) => ({ name: a.name, contributions: a.n })),
      ...(daysSinceTouch !== undefined ? { daysSinceTouch } : {}),
      // Never touched since it was added counts from the day it was added.
      drifting: (daysSinceTouch ?? Math.floor((now - (c.addedAt ?? now)) / DAY_MS)) > DRIFT_DAYS,
    };
  }
}

/** What the list orders by after active people: everything the customer's people did that is kept. */
const engagement = (c: Customer): number => c.stories + c.questions + c.callsAttended;

/**
 * What one contribution adds to a customer's row. `story`: it counts as one of the customer's
 * stories (named, or told by one of its people); `person`: the person is one of its people.
 */
function countIn(cu: Customer, c: Contribution, tag: string, as: { story: boolean; person: boolean }): Customer {
  const at = c.at.getTime();
  const day = c.at.toISOString().slice(0, 10);
  const next: Customer = {
    ...cu,
    firstTouchAt: Math.min(cu.firstTouchAt ?? at, at),
    lastTouchAt: Math.max(cu.lastTouchAt ?? 0, at),
    people: { ...cu.people, [tag]: day > (cu.people[tag] ?? '') ? day : (cu.people[tag] ?? day) },
  };
  if (as.story) {
    next.stories = cu.stories + 1;
    if (c.value && c.story) next.valued = [{ storyId: c.story.storyId, text: c.value.text, at }, ...cu.valued.filter((v) => v.storyId !== c.story?.storyId)];
  }
  if (as.person) {
    next.active = { ...cu.active, [tag]: { name: c.name.slice(0, 100), n: (cu.active[tag]?.n ?? 0) + 1 } };
    if (c.kind === 'question') next.questions = cu.questions + 1;
    if (c.kind === 'attended' && c.call && !cu.recentCalls.includes(c.call.callId)) {
      next.callsAttended = cu.callsAttended + 1;
      next.recentCalls = [c.call.callId, ...cu.recentCalls].slice(0, MAX_RECENT_CALLS);
    }
  }
  return next;
}
