import { startTestBot, type TestBot } from '../support/harness';
import { BOB, TENANT, person, type Where } from '../support/activities';
import { customersOf } from '../../src/features/customers/routes';
import { insightsOf } from '../../src/features/insights/routes';
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
    expect(list).toMatch(/Contoso\*\* · drifting/);
    expect(list).toMatch(/Litware\*\* · drifting/);
    expect(list).not.toMatch(/Fabrikam[^\n]*drifting/);
    expect(list).toContain('3 customers · 2 drifting, listed first');
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

describe('customers: people matched by email domain or by hand, over HTTP', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => bot.close());

  const here: Where = { teamId: '19:match-team@thread.tacv2', conversationId: '19:match-chan@thread.tacv2' };
  const eve = person('eve-m', 'Eve Contoso');
  const finn = person('finn-m', 'Finn Fabrikam');
  const gus = person('gus-m', 'Gus Freelance');
  const hal = person('hal-m', 'Hal Contoso');
  const say = async (text: string, from = BOB, mentions: ReturnType<typeof person>[] = []): Promise<string> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...here }, mentions));
    expect(res.status).toBe(200);
    return bot.connector.texts(here.conversationId).at(-1) ?? '';
  };
  const card = async (text: string): Promise<string> => {
    await say(text);
    const cards = bot.connector.cards({ conversationId: here.conversationId });
    expect(cards).toHaveLength(1);
    expectValidCard(cards[0]!.card);
    return cardText(cards[0]!.card);
  };
  /** What the call feature emits when someone is present at a call (once per person per occurrence). */
  const attended = (who: ReturnType<typeof person>, callId: string, firstTime: boolean) =>
    bot.app.host.events.emit('contributed', { tenantId: TENANT, spaceId: here.teamId!, personId: who.aadObjectId, name: who.name, kind: 'attended', at: clock.now(), call: { callId, title: 'KM hour' }, firstTime });

  test('when people of a customer take part, then its card counts their stories, questions and calls, names its champions, and the roster is read once', async () => {
    clock.current = new Date('2026-10-01T09:00:00Z');
    bot.connector.members = [
      { id: eve.id, name: eve.name, aadObjectId: eve.aadObjectId, email: 'eve@Contoso.com' },
      { id: finn.id, name: finn.name, aadObjectId: finn.aadObjectId, userPrincipalName: 'finn@fabrikam.com' },
      { id: gus.id, name: gus.name, aadObjectId: gus.aadObjectId, email: 'gus@gmail.com' },
      { id: hal.id, name: hal.name, aadObjectId: hal.aadObjectId, email: 'hal@contoso.com' },
    ];
    await say('customer add Contoso contoso.com');
    await say('customer add Fabrikam fabrikam.com');
    // Eve (contoso.com) tells two stories naming no customer, one with a value; Hal one; Finn one about Contoso.
    await say('story Our support team reused the community runbook value: 12 hours a month saved', eve);
    await say('story We moved the helpdesk FAQ into the network', eve);
    await say('story Hal shared the migration checklist', hal);
    await say('story Finn heard how Contoso runs champions customer: Contoso', finn);
    // Questions (connect) and calls (the call feature's attendance events).
    await say('ask How do other teams measure adoption?', eve);
    await attended(eve, 'call-1', true);
    await attended(hal, 'call-1', true);
    await attended(eve, 'call-2', false);
    await attended(finn, 'call-2', true);
    // Gus has no customer's domain: his story counts for nobody until he is matched by hand.
    await say('story Gus ran a lunch and learn', gus);
    await insightsOf(bot.app.host)!.settled();

    const contoso = await card('customer Contoso');
    expect(contoso).toMatch(/Stories\s*4/); // Eve 2, Hal 1, and Finn's story naming Contoso
    expect(contoso).toMatch(/Questions asked\s*1/);
    expect(contoso).toMatch(/Calls attended\s*2/);
    expect(contoso).toMatch(/People active \(90 days\)\s*3/); // Eve, Hal, Finn (told a story about it)
    expect(contoso).toContain('12 hours a month saved');
    // Champions: Eve (2 stories, a question, 2 calls) then Hal (a story, a call); Finn is Fabrikam's.
    const champions = contoso.slice(contoso.indexOf('Champions'));
    expect(champions).toMatch(/Eve Contoso\s*5 contributions/);
    expect(champions).toMatch(/Hal Contoso\s*2 contributions/);
    expect(champions.indexOf('Eve Contoso')).toBeLessThan(champions.indexOf('Hal Contoso'));
    expect(champions.slice(0, champions.indexOf('Stories with value'))).not.toContain('Finn');
    expect(contoso).toContain('(today)');

    const fabrikam = await card('customer Fabrikam');
    expect(fabrikam).toMatch(/Stories\s*0/);
    expect(fabrikam).toMatch(/Calls attended\s*1/);
    expect(fabrikam).toMatch(/Finn Fabrikam\s*2 contributions/);

    // Every contribution above was matched from one roster read of the space.
    expect(customersOf(bot.app.host)!.matches!.rosterReads).toBe(1);

    // By hand: Gus counts for Contoso from now on; Eve is taken off it.
    expect(await say('customer Contoso add @Gus Freelance', BOB, [gus])).toBe('Gus Freelance now counts for Contoso: what they do here shows on its card.');
    expect(await say('customer Contoso remove @Eve Contoso', BOB, [eve])).toBe('Eve Contoso no longer counts for Contoso.');
    await say('story Gus showed the network to the Contoso board', gus);
    await say('story Eve wrote up the rollout', eve);
    const after = await card('customer Contoso');
    expect(after).toMatch(/Stories\s*5/);
    expect(after).toMatch(/Gus Freelance\s*1 contribution\b/);
    expect(after).toMatch(/Eve Contoso\s*5 contributions/); // what she did before stays counted
    expect(customersOf(bot.app.host)!.matches!.rosterReads).toBe(1);

    // Fabrikam drifts after 45 days without a touch and lists first; Contoso is touched again.
    clock.current = new Date(clock.current.getTime() + 46 * DAY);
    await say('story Hal brought two new champions', hal);
    const list = await card('customers');
    expect(list).toMatch(/Fabrikam\*\* · drifting/);
    expect(list.indexOf('Fabrikam')).toBeLessThan(list.indexOf('Contoso'));
    expect(list).toMatch(/Contoso\*\*\s*6 stories · 1 question · 2 calls · \d active · last touch today/);
    expect(await card('customer Fabrikam')).toContain('Drifting: last touch 46 days ago');
  });

  test('when matching by hand is malformed, then it says what to write and changes nothing', async () => {
    await say('customer add Litware litware.com');
    expect(await say('customer Litware add')).toMatch(/Say who, with an @mention: @Coach customer Litware add @person/);
    expect(await say('customer Nobody add @Gus Freelance', BOB, [gus])).toMatch(/I have no customer called "Nobody"/);
    expect(await say('customer Litware remove @Hal Contoso', BOB, [hal])).toBe('Hal Contoso was not counted for Litware; nothing changed.');
    // Hal still counts for Contoso.
    await say('story Hal again', hal);
    expect(await card('customer Litware')).toMatch(/Stories\s*0/);
  });

  test('when someone joins after the roster was read, then nothing is kept for them until a later read finds them', async () => {
    const ivy = person('ivy-m', 'Ivy Late');
    const storiesOf = (text: string): number => Number(/Stories\s*(\d+)/.exec(text)?.[1]);
    const peopleOf = (text: string): number => Number(/People active \(90 days\)\s*(\d+)/.exec(text)?.[1]);
    const before = await card('customer Contoso');
    await say('story Ivy arrived from Contoso', ivy);
    const unmatched = await card('customer Contoso');
    expect([storiesOf(unmatched), peopleOf(unmatched)]).toEqual([storiesOf(before), peopleOf(before)]);
    bot.connector.members.push({ id: ivy.id, name: ivy.name, aadObjectId: ivy.aadObjectId, email: 'ivy@contoso.com' });
    clock.current = new Date(clock.current.getTime() + 11 * 60_000);
    await say('story Ivy ran her first show and tell', ivy);
    const matched = await card('customer Contoso');
    expect([storiesOf(matched), peopleOf(matched)]).toEqual([storiesOf(before) + 1, peopleOf(before) + 1]);
  });

  test('when a customer is added after its people took part, then what they do from then on counts for it at once', async () => {
    const jay = person('jay-m', 'Jay Tailspin');
    bot.connector.members.push({ id: jay.id, name: jay.name, aadObjectId: jay.aadObjectId, email: 'jay@tailspin.com' });
    clock.current = new Date(clock.current.getTime() + 11 * 60_000);
    await say('story Jay told us about Tailspin support', jay);
    expect(await say('customer add Tailspin tailspin.com')).toBe('Customer added: Tailspin (tailspin.com).');
    await say('story Jay again, now as a customer', jay);
    const tailspin = await card('customer Tailspin');
    expect(tailspin).toMatch(/Stories\s*1/);
    expect(tailspin).toMatch(/Jay Tailspin\s*1 contribution\b/);
  });

  test('domains: a domain already used by another customer is refused, whatever its case', async () => {
    expect(await say('customer add Northwind northwind.com CONTOSO.com')).toMatch(/The domain contoso.com belongs to Contoso already/);
  });
});
