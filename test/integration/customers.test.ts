import { startTestBot, type TestBot } from '../support/harness';
import { BOB, person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { parseCustomerAdd } from '../../src/features/customers/service';

/** Customers over HTTP with Azurite: records, activity kept from stories, drifting ones first. */
const clock = { current: new Date('2026-09-01T09:00:00Z'), now(): Date { return new Date(this.current); } };
const DAY = 86_400_000;

describe('customers over HTTP', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => bot.close());

  let n = 0;
  const newTeam = (): Where => {
    n++;
    return { teamId: `19:cust-team-${n}@thread.tacv2`, conversationId: `19:cust-chan-${n}@thread.tacv2` };
  };
  const say = async (text: string, where: Where, from = BOB): Promise<string | undefined> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...where }));
    expect(res.status).toBe(200);
    return bot.connector.texts(where.conversationId).at(-1);
  };
  const cardFor = async (text: string, where: Where): Promise<string> => {
    await say(text, where);
    const cards = bot.connector.cards({ conversationId: where.conversationId });
    expect(cards).toHaveLength(1);
    expectValidCard(cards[0]!.card);
    return cardText(cards[0]!.card);
  };

  test('when customers are added and stories name them, then each shows stories with value, people and last touch, drifting ones flagged and listed first', async () => {
    const here = newTeam();
    clock.current = new Date('2026-09-01T09:00:00Z');
    // A story before the customer is recorded still counts once it is.
    await say('story Contoso champions ran their first community call customer: Contoso', here, person('dana', 'Dana'));
    expect(await say('customer add Contoso contoso.com contoso.co.uk crm:0015000000XyZ', here)).toBe('Customer added: Contoso (contoso.com, contoso.co.uk).');
    expect(await say('customer add Fabrikam Inc fabrikam.com', here)).toBe('Customer added: Fabrikam Inc (fabrikam.com).');
    expect(await say('customer add Litware litware.com', here)).toBe('Customer added: Litware (litware.com).');

    clock.current = new Date(clock.current.getTime() + 30 * DAY);
    await say('story Fabrikam cut escalations with the community value: 30 fewer escalations a month customer: Fabrikam Inc', here);
    await say('story Fabrikam renewed early value: $120k renewal customer: Fabrikam Inc', here, person('eve', 'Eve'));

    clock.current = new Date(clock.current.getTime() + 20 * DAY); // Contoso: 50 days without a touch
    const contoso = await cardFor('customer Contoso', here);
    expect(contoso).toContain('contoso.com, contoso.co.uk');
    expect(contoso).toContain('0015000000XyZ');
    expect(contoso).toMatch(/Stories\s*1/);
    expect(contoso).toContain('Drifting: last touch 50 days ago');
    expect(contoso).toContain('2026-09-01 (50 days ago)');

    const fabrikam = await cardFor('customer fabrikam inc', here);
    expect(fabrikam).not.toContain('Drifting');
    expect(fabrikam).toMatch(/Stories\s*2/);
    expect(fabrikam).toMatch(/People active \(90 days\)\s*2/);
    expect(fabrikam).toContain('20 days ago');
    expect(fabrikam).toContain('$120k renewal');
    expect(fabrikam).toContain('30 fewer escalations a month');
    expect(fabrikam).toContain('Fabrikam renewed early');

    const list = await cardFor('customers', here);
    const order = ['Contoso', 'Litware', 'Fabrikam'].map((name) => list.indexOf(name));
    expect(order.every((i) => i >= 0)).toBe(true);
    // Contoso (50 days) and Litware (never touched, added 50 days ago) drift; Fabrikam last.
    expect(list).toMatch(/Contoso \(drifting\)/);
    expect(list).toMatch(/Litware \(drifting\)/);
    expect(order[2]).toBeGreaterThan(Math.max(order[0]!, order[1]!));
  });

  test('when a domain belongs to another customer, then adding it is refused and nothing of the attempt is kept', async () => {
    const here = newTeam();
    await say('customer add Contoso contoso.com', here);
    expect(await say('customer add Northwind northwind.com contoso.com', here)).toMatch(/The domain contoso.com belongs to Contoso already/);
    expect(await say('customer Northwind', here)).toMatch(/I have no customer called "Northwind"/);
    // northwind.com was given back: a later, correct add can take it.
    expect(await say('customer add Northwind northwind.com', here)).toBe('Customer added: Northwind (northwind.com).');
    // The same customer adding its own domain again is fine; a second domain is added.
    expect(await say('customer add Contoso contoso.com contoso.de', here)).toBe('Customer updated: Contoso (contoso.com, contoso.de).');
  });

  test('when the command is incomplete or malformed, then it says how to write it', async () => {
    const here = newTeam();
    expect(await say('customer add Contoso', here)).toMatch(/at least one email domain/);
    expect(await say('customer add Contoso not_a_domain!', here)).toMatch(/at least one email domain/);
    expect(await say('customer add Contoso contoso.com crm:<script>', here)).toMatch(/CRM id is letters/);
    expect(await say('customer', here)).toMatch(/Add a customer like this/);
    expect(await say('customer Nobody', here)).toMatch(/no customer called "Nobody"/);
    expect(await cardFor('customers', here)).toContain('No customers recorded yet');
  });

  test('parsing: the name is the words before the first domain', () => {
    expect(parseCustomerAdd('Contoso Ltd @contoso.com CONTOSO.co.uk')).toEqual({ name: 'Contoso Ltd', domains: ['contoso.com', 'contoso.co.uk'] });
    expect(() => parseCustomerAdd('contoso.com')).toThrow(/Add a customer like this/);
    expect(() => parseCustomerAdd(`Contoso ${Array.from({ length: 11 }, (_, i) => `d${i}.com`).join(' ')}`)).toThrow(/up to 10 domains/);
  });
});
