import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, person, TENANT, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { StoriesService } from '../../src/features/stories/service';

/** Values on stories, goals and the value card, over HTTP with Azurite. */
const clock = { current: new Date('2026-11-20T09:00:00Z'), now(): Date { return new Date(this.current); } };

describe('value over HTTP', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => bot.connector.reset());

  let n = 0;
  const newTeam = (): Where => {
    n++;
    return { teamId: `19:value-team-${n}@thread.tacv2`, conversationId: `19:value-chan-${n}@thread.tacv2` };
  };
  const say = async (text: string, where: Where, from = BOB): Promise<string | undefined> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...where }));
    expect(res.status).toBe(200);
    return bot.connector.texts(where.conversationId).at(-1);
  };
  const cardFor = async (text: string, where: Where, from = BOB): Promise<string> => {
    await say(text, where, from);
    const cards = bot.connector.cards({ conversationId: where.conversationId });
    expect(cards).toHaveLength(1);
    expectValidCard(cards[0]!.card);
    expect(JSON.stringify(cards[0]!.card).length).toBeLessThan(28_000);
    return cardText(cards[0]!.card);
  };
  const storyCount = async (where: Where): Promise<number> =>
    (await new StoriesService(bot.app.store, clock).storiesBetween(TENANT, where.teamId!, new Date(0), new Date('2100-01-01'))).length;

  test('when stories state values and an organizer set a goal, then the value card totals them, shows progress and the biggest stories', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE); // Alice becomes an organizer
    expect(await say('goals add "Cut support escalations 15% by Q3" baseline 120/month', here, ALICE)).toMatch(/Goal added: Cut support escalations 15% by Q3. Baseline 120 a month; the target is a change of 18 a month/);

    await say('story Contoso routed tier-1 questions to the community. value: 6 fewer escalations a month (measured) customer: Contoso', here);
    await say('story Fabrikam champions cut travel for onboarding value: $40k travel cost avoided', here, person('cy', 'Cy Teller'));
    await say('story Litware templates value: 120 hours a month saved #roi', here);
    await say('story Northwind dashboards value: 20 hours a month saved', here);
    await say('story A story without a value', here);

    const text = await cardFor('value', here);
    expect(text).toContain('Business value');
    expect(text).toContain('Q4 2026');
    expect(text).toMatch(/hours saved\s*140 hours a month \(before: 0 hours a month\)/);
    expect(text).toMatch(/travel cost avoided\s*\$40,000/);
    expect(text).toMatch(/fewer escalations\s*6 a month/);
    expect(text).toContain('4 stories with a value; 1 measured, the rest estimated.');
    // 6 a month of the 18 a month the goal asks for.
    expect(text).toMatch(/Cut support escalations 15% by Q3\s*33% of the target: 6 a month reported by 1 story/);
    // The biggest of each kind, with the story behind it and who told it.
    expect(text).toContain('Litware templates');
    expect(text).not.toContain('Northwind dashboards');
    expect(text).toContain('Cy Teller');
    expect(text).toContain('Contoso');
    expect(await cardFor('goals', here)).toContain('Cut support escalations 15% by Q3 (baseline 120 a month)');
  });

  test('when a story states a value that cannot be read, then the person is told how to write it and no story is saved', async () => {
    const here = newTeam();
    expect(await say('story Contoso saved loads value: lots of time', here)).toMatch(/could not read the value "lots of time"/);
    expect(bot.connector.cards({ conversationId: here.conversationId })).toHaveLength(0);
    expect(await storyCount(here)).toBe(0);
  });

  test('when someone who is not an organizer adds a goal, or a goal has no baseline, then it is refused and nothing is saved', async () => {
    const here = newTeam();
    expect(await say('goals add "Cut support escalations 15% by Q3" baseline 120/month', here, BOB)).toMatch(/Only the organizers/);
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    expect(await say('goals add "Cut support escalations 15% by Q3"', here, ALICE)).toMatch(/needs a baseline/);
    expect(await say('goals remove 1', here, ALICE)).toMatch(/I know "goals"/);
    expect(await cardFor('goals', here)).toContain('No goals yet');
    expect(await say('value fortnight', here)).toMatch(/I do not know the period "fortnight"/);
  });

  test('when nothing states a value, then the card says how to add one', async () => {
    const here = newTeam();
    expect(await cardFor('value 30d', here)).toContain('No story in this period states a value yet');
  });
});
