/**
 * Customers: records (name, email domains, CRM id) and their activity, in plain values.
 * Activity is kept as it happens, from the `contributed` events of stories that name a customer.
 *
 * Not done: matching contributors to a customer by their email domain (the bot would have to
 * ask Teams for each person's email) or by hand; domains are kept for it.
 */
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Store } from '../../store/tables';
import type { Contribution } from '../../teams/events';
import { personTag } from '../insights/repo';
import { CustomersRepo, CUSTOMERS_TABLE, CUSTOMER_DOMAINS_TABLE, emptyCustomer, customerKey, type Customer } from './repo';
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

export interface CustomerView {
  customer: Customer;
  activePeople: number;
  daysSinceTouch?: number;
  drifting: boolean;
}

export class CustomersService {
  readonly repo: CustomersRepo;

  constructor(
    store: Store,
    private readonly clock: Clock,
  ) {
    this.repo = new CustomersRepo(store.table(CUSTOMERS_TABLE), store.table(CUSTOMER_DOMAINS_TABLE));
  }

  /** A story named a customer: its counters move. */
  async record(c: Contribution): Promise<void> {
    if (c.kind !== 'story' || !c.customer) return;
    const where = { tenantId: c.tenantId, spaceId: c.spaceId };
    const tag = personTag(c.tenantId, c.personId);
    const day = c.at.toISOString().slice(0, 10);
    await this.repo.change(where, c.customer, (current) => {
      const cu = current ?? emptyCustomer(c.customer ?? '');
      return {
        ...cu,
        stories: cu.stories + 1,
        firstTouchAt: Math.min(cu.firstTouchAt ?? c.at.getTime(), c.at.getTime()),
        lastTouchAt: Math.max(cu.lastTouchAt ?? 0, c.at.getTime()),
        people: { ...cu.people, [tag]: day > (cu.people[tag] ?? '') ? day : (cu.people[tag] ?? day) },
        valued: c.value && c.story ? [{ storyId: c.story.storyId, text: c.value.text, at: c.at.getTime() }, ...cu.valued.filter((v) => v.storyId !== c.story?.storyId)] : cu.valued,
      };
    });
  }

  /** Adds a customer, or adds domains to one; a domain another customer holds is refused, nothing written. */
  async add(where: Space, input: NewCustomer): Promise<{ customer: Customer; created: boolean }> {
    const claimed: string[] = [];
    try {
      for (const d of input.domains) {
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
        b.customer.stories - a.customer.stories ||
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
      ...(daysSinceTouch !== undefined ? { daysSinceTouch } : {}),
      // Never touched since it was added counts from the day it was added.
      drifting: (daysSinceTouch ?? Math.floor((now - (c.addedAt ?? now)) / DAY_MS)) > DRIFT_DAYS,
    };
  }
}
