import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, TENANT, person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { insightsOf } from '../../src/features/insights/routes';

/** Insights over HTTP with Azurite: counters kept as people take part, read by `stats`. */
const clock = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return new Date(this.current); } };
const DAY = 86_400_000;

describe('stats over HTTP', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => bot.connector.reset());

  let team = 0;
  /** Each test gets its own team (space) and channel. */
  const newTeam = (): Where => {
    team++;
    return { teamId: `19:insights-team-${team}@thread.tacv2`, conversationId: `19:insights-chan-${team}@thread.tacv2` };
  };
  const say = async (text: string, where: Where): Promise<void> => {
    const res = await bot.send(bot.teams.channelMessage(text, { from: BOB, ...where }));
    expect(res.status).toBe(200);
  };
  const statsText = async (args: string, where: Where): Promise<string> => {
    bot.connector.reset();
    await say(`stats ${args}`.trim(), where);
    // Only the stats card is posted (the agenda card's throttled updates may still land: PUTs).
    const cards = bot.connector.cards({ conversationId: where.conversationId, method: 'POST' });
    expect(cards).toHaveLength(1);
    expectValidCard(cards[0]!.card);
    expect(JSON.stringify(cards[0]!.card).length).toBeLessThan(28_000);
    return cardText(cards[0]!.card);
  };

  test('when people tell stories, propose topics, vote and take notes, then stats shows people, activity, turnout and themes', async () => {
    const here = newTeam();
    clock.current = new Date('2026-11-20T10:00:00Z');
    // Last period: Dana told a story, then went quiet.
    await say('story Contoso cut onboarding time in half with champions customer: Contoso', { ...here, from: person('dana', 'Dana') });
    clock.current = new Date('2026-12-01T09:00:00Z');
    await say('story Fabrikam onboarding training halved support tickets #roi', { ...here, from: BOB });
    await say('call "KM hour" 2026-12-10 16:00', { ...here, from: ALICE });
    await say('topic How do we measure adoption?', { ...here, from: ALICE });
    const call = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: here.conversationId! }))!;
    for (const who of [BOB, person('e1'), person('e2')]) {
      const res = await bot.send(bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { ...here, from: who }));
      expect(res.status).toBe(200);
    }
    await say('note decision: we pilot in Q1', { ...here, from: ALICE });

    const text = await statsText('7d', here);
    expect(text).toContain('Last 7 days: 2026-11-25 to 2026-12-01');
    // Bob, Alice, e1, e2 took part this week: all four new here; Dana took part the week before only.
    expect(text).toMatch(/People taking part\s*In all\s*4 \(\+3\)/);
    expect(text).toMatch(/New\s*4/);
    expect(text).toMatch(/Returning\s*0/);
    expect(text).toMatch(/Gone quiet\s*1/);
    expect(text).toMatch(/Stories\s*1 \(±0\)/);
    expect(text).toMatch(/Topics proposed\s*1 \(\+1\)/);
    expect(text).toMatch(/Votes\s*3 \(\+3\)/);
    expect(text).toMatch(/Notes\s*1 \(\+1\)/);
    expect(text).toContain('KM hour');
    expect(text).toContain('4 took part · 3 voted · 1 wrote notes');
    expect(text).toMatch(/#onboarding-training\s*1 \(±0\)/);

    // A withdrawn vote is not a new one; Bob voting again the next week makes him returning.
    clock.current = new Date(clock.current.getTime() + 7 * DAY);
    const res = await bot.send(bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { ...here, from: BOB }));
    expect(res.status).toBe(200);
    await say('story Northwind renewed after the champions programme', { ...here, from: BOB });
    const later = await statsText('7d', here);
    expect(later).toMatch(/People taking part\s*In all\s*1 \(−3\)/);
    expect(later).toMatch(/Returning\s*1/);
    expect(later).toMatch(/Gone quiet\s*3/);
  });

  test('when someone takes a vote back, then the votes count drops by one, a repeated press changes nothing more, and voting again counts it again', async () => {
    const here = newTeam();
    clock.current = new Date('2026-12-03T09:00:00Z');
    await say('call "Votes call" 2026-12-10 16:00', { ...here, from: ALICE });
    await say('topic Measuring adoption', { ...here, from: ALICE });
    const call = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: here.conversationId! }))!;
    const vote = async (who: ReturnType<typeof person>, yes: boolean) =>
      expect((await bot.send(bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: yes }, { ...here, from: who }))).status).toBe(200);
    for (const who of [BOB, person('w1'), person('w2')]) await vote(who, true);
    expect(await statsText('7d', here)).toMatch(/Votes\s*3 \(\+3\)/);
    await vote(person('w2'), false);
    await vote(person('w2'), false);
    expect(await statsText('7d', here)).toMatch(/Votes\s*2 \(\+2\)/);
    await vote(person('w2'), true);
    expect(await statsText('7d', here)).toMatch(/Votes\s*3 \(\+3\)/);
  });

  test('when the call feature reports people present, then turnout counts them with voters and note takers, and first-time attendees', async () => {
    // The call feature (in progress in parallel) emits `attended` once per person per occurrence,
    // from a meeting join or a check-in; until it lands on main, this test emits those events itself.
    const here = newTeam();
    clock.current = new Date('2026-12-05T09:00:00Z');
    await say('call "Champions call" 2026-12-10 16:00', { ...here, from: ALICE });
    await say('topic Onboarding playbook', { ...here, from: ALICE });
    const call = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: here.conversationId! }))!;
    for (const who of [BOB, person('v1')]) {
      expect((await bot.send(bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { ...here, from: who }))).status).toBe(200);
    }
    const present = (who: ReturnType<typeof person>, firstTime: boolean) =>
      bot.app.host.events.emit('contributed', { tenantId: TENANT, spaceId: here.teamId!, personId: who.aadObjectId, name: who.name, kind: 'attended', at: clock.now(), call: { callId: call.callId, title: 'Champions call' }, firstTime });
    // Bob voted and was present (one person); p1 and p2 only present, p2 at their first call.
    await present(BOB, false);
    await present(person('p1'), false);
    await present(person('p2'), true);
    const text = await statsText('7d', here);
    expect(text).toContain('Champions call');
    expect(text).toContain('4 took part · 2 voted · 0 wrote notes · 3 present (1 at their first call)');
    expect(text).toMatch(/Present at calls\s*3 \(\+3\)/);
    // Alice (topic), Bob, v1, p1, p2.
    expect(text).toMatch(/People taking part\s*In all\s*5 \(\+5\)/);
  });

  test('when Teams re-delivers a story, then it is counted once', async () => {
    const here = newTeam();
    clock.current = new Date('2026-12-02T09:00:00Z');
    const activity = bot.teams.channelMessage('story Litware saved 120 hours a month with templates', { ...here, from: BOB });
    await bot.send(activity);
    await bot.send(activity);
    expect(await statsText('30d', here)).toMatch(/Stories\s*1 \(\+1\)/);
  });

  test('when 40 people vote at the same moment, then every vote is counted (no lost update on the shared day row)', async () => {
    const here = newTeam();
    clock.current = new Date('2026-12-03T09:00:00Z');
    await say('call "Burst" 2026-12-10 16:00', { ...here, from: ALICE });
    await say('topic Burst topic', { ...here, from: ALICE });
    const call = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: here.conversationId! }))!;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => bot.send(bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { ...here, from: person(`burst-${i}`) }))),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const text = await statsText('7d', here);
    expect(text).toMatch(/Votes\s*40 \(\+40\)/);
    expect(text).toMatch(/People taking part\s*In all\s*41/);
  });

  test('when stats is asked for a period it does not know, then it says which periods it knows, and nothing else is posted', async () => {
    const here = newTeam();
    await say('stats fortnight', here);
    expect(bot.connector.cards({ conversationId: here.conversationId })).toHaveLength(0);
    expect(bot.connector.texts(here.conversationId).at(-1)).toMatch(/I do not know the period "fortnight". Try one of: 7d, 30d, 90d, quarter/);
  });

  test('when a team has long history, then stats 90d reads at most one row per day of the two periods, whatever happened before', async () => {
    const here = newTeam();
    const service = insightsOf(bot.app.host)!;
    const space = { tenantId: TENANT, spaceId: here.teamId! };
    // 400 days of history, one story a day.
    for (let i = 400; i >= 0; i--) {
      await service.record({ ...space, personId: `u${i % 9}`, name: 'x', kind: 'story', at: new Date(Date.parse('2026-12-04T08:00:00Z') - i * DAY), themes: ['roi'] });
    }
    clock.current = new Date('2026-12-04T09:00:00Z');
    const view = await service.health(space, '90d');
    expect(view.rowsRead).toBe(180);
    expect(view.counts.stories).toEqual({ now: 90, previous: 90 });
    expect(await statsText('90d', here)).toMatch(/Stories\s*90 \(±0\)/);
    const quarter = await service.health(space, 'quarter');
    expect(quarter.rowsRead).toBe(quarter.period.current.days + quarter.period.previous.days);
  });
});
