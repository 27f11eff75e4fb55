import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, CHANNEL, TEAM, TENANT, person } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { StoriesService } from '../../src/features/stories/service';
import { seedStories } from '../../src/features/stories/seeding';
import { ContributionsRepo, CONTRIBUTIONS_TABLE } from '../../src/people/contributions';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../src/people/organizers';
import { storyStrings as s } from '../../src/features/stories/strings';

/** Stories over real HTTP with Azurite: capture, card actions, dialog, library, isolation. */
const start = new Date('2026-05-04T09:00:00Z');
const clock = { at: start, now: (): Date => new Date(clock.at) };
const where = { tenantId: TENANT, spaceId: TEAM };
const CAROL = person('carol', 'Carol Teller');
const EVE = person('eve', 'Eve Outsider');

type Json = Record<string, unknown>;

/** The storyId carried by the card's buttons. */
function storyIdOf(card: unknown): string {
  const m = /"storyId":"([^"]+)"/.exec(JSON.stringify(card));
  if (!m?.[1]) throw new Error('no storyId on the card');
  return m[1];
}

function invokeCard(body: unknown): Json {
  const b = body as { type?: string; value?: Json };
  expect(b.type).toBe('application/vnd.microsoft.card.adaptive');
  expectValidCard(b.value);
  return b.value as Json;
}

function invokeMessage(body: unknown): string {
  const b = body as { type?: string; value?: string };
  expect(b.type).toBe('application/vnd.microsoft.activity.message');
  return b.value ?? '';
}

describe('stories', () => {
  let bot: TestBot;
  let service: StoriesService;

  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    service = new StoriesService(bot.app.store, clock);
  });
  afterAll(async () => bot.close());
  beforeEach(() => {
    bot.connector.reset();
    clock.at = new Date(clock.at.getTime() + 60_000);
  });

  const all = async (w = where): Promise<Awaited<ReturnType<StoriesService['storiesBetween']>>> =>
    service.storiesBetween(w.tenantId, w.spaceId, new Date(0), new Date(clock.now().getTime() + 1));

  async function capture(text: string, from = BOB, mentions: ReturnType<typeof person>[] = [], w: { tenantId?: string; teamId?: string; conversationId?: string } = {}): Promise<{ card: Json; storyId: string; texts: string[] }> {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(`story ${text}`, { from, ...w }, mentions));
    expect(res.status).toBe(200);
    const cards = bot.connector.cards();
    expect(cards).toHaveLength(1);
    expectValidCard(cards[0]!.card);
    return { card: cards[0]!.card, storyId: storyIdOf(cards[0]!.card), texts: bot.connector.texts() };
  }

  describe('capture by @mention', () => {
    test('when someone tells a story with #tags and customer:, then the card shows text, teller, customer and themes, and it is stored', async () => {
      const { card, storyId } = await capture("Contoso's champions cut onboarding time for new hires in half #retail customer: Contoso");
      const text = cardText(card);
      expect(text).toContain("Contoso's champions cut onboarding time for new hires in half");
      expect(text).toContain(BOB.name);
      expect(text).toContain('Contoso');
      expect(text).toMatch(/#champions/);
      expect(text).toMatch(/#onboarding-training/);
      expect(text).toMatch(/#retail/);
      expect(text).not.toMatch(/customer:/);
      const stored = (await all()).find((x) => x.storyId === storyId);
      expect(stored).toMatchObject({ tellerName: BOB.name, tellerId: BOB.aadObjectId, customer: 'Contoso', conversationId: CHANNEL });
      expect(stored?.themes).toEqual(expect.arrayContaining(['champions', 'onboarding-training']));
      expect(stored?.tags).toEqual(['retail']);
      const contributors = await new ContributionsRepo(bot.app.store.table(CONTRIBUTIONS_TABLE)).list(where);
      expect(contributors.find((c) => c.userId === BOB.aadObjectId)?.firstAt).toBeInstanceOf(Date);
    });

    test('when the story is recorded "by @Person", then that person is the teller and the sender is who saved it', async () => {
      const { card, storyId } = await capture('Fabrikam ran a hackathon across three time zones by @Carol Teller', ALICE, [CAROL]);
      expect(cardText(card)).toContain(CAROL.name);
      expect(cardText(card)).toContain(ALICE.name);
      const stored = (await all()).find((x) => x.storyId === storyId);
      expect(stored).toMatchObject({ tellerName: CAROL.name, tellerId: CAROL.aadObjectId });
      expect(stored?.text).toBe('Fabrikam ran a hackathon across three time zones');
    });

    test('when the story is empty, then the person is told how to write one and nothing is stored', async () => {
      const before = (await all()).length;
      await bot.send(bot.teams.channelMessage('story   #tag-only'));
      expect(bot.connector.texts(CHANNEL)).toEqual([s.emptyStory]);
      await bot.send(bot.teams.channelMessage('story'));
      expect(bot.connector.texts(CHANNEL)).toEqual([s.emptyStory, s.emptyStory]);
      expect((await all()).length).toBe(before);
    });

    test('when the message is only a mention of the bot, then nothing is stored', async () => {
      const before = (await all()).length;
      const res = await bot.send(bot.teams.channelMessage(''));
      expect(res.status).toBe(200);
      expect(bot.connector.texts(CHANNEL)).toHaveLength(1);
      expect((await all()).length).toBe(before);
    });

    test('when the story is over 4,000 characters, then the person is told how long it was and nothing is stored', async () => {
      const before = (await all()).length;
      await bot.send(bot.teams.channelMessage(`story ${'a'.repeat(4321)}`));
      const texts = bot.connector.texts(CHANNEL);
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain('4,321');
      expect(texts[0]).toContain('4,000');
      expect((await all()).length).toBe(before);
    });

    test('when the text holds markdown links, <at> mentions and HTML, then the card shows them as plain text', async () => {
      const { card, storyId } = await capture('See [our win](https://evil.example/x) **now** <at>Eve</at> &lt;script&gt;alert(1)&lt;/script&gt; {{DATE(2026-01-01T00:00:00Z)}}');
      const json = JSON.stringify(card);
      expect(json).not.toContain('](https://evil');
      expect(json).not.toContain('<at>');
      expect(json).not.toContain('<script');
      expect(json).not.toContain('{{DATE');
      expect(json).toContain('\\\\[our win\\\\]');
      const activity = bot.connector.posts()[0]!.body;
      expect((activity.entities as unknown[] | undefined) ?? []).toHaveLength(0);
      const stored = (await all()).find((x) => x.storyId === storyId);
      expect(stored?.text).toContain('<script>alert(1)</script>');
    });

    test('when the same story is captured again within 30 days, then it is not duplicated and the existing one is shown; after 30 days it is new', async () => {
      const first = await capture('Northwind moved their top answers into a knowledge base and tickets dropped by a fifth');
      const again = await capture('northwind moved their top answers into a knowledge-base, and tickets dropped by a fifth!', ALICE);
      expect(again.storyId).toBe(first.storyId);
      expect(again.texts).toEqual([s.duplicate]);
      expect((await all()).filter((x) => x.text.startsWith('Northwind moved')).length).toBe(1);
      clock.at = new Date(clock.at.getTime() + 31 * 24 * 3600 * 1000);
      const later = await capture('Northwind moved their top answers into a knowledge base and tickets dropped by a fifth');
      expect(later.storyId).not.toBe(first.storyId);
      expect(later.texts).toEqual([]);
    });

    test('when a capture is delivered twice, or twice at once, then it is stored once', async () => {
      const a = bot.teams.channelMessage('story Lamna Healthcare VP started posting weekly updates herself');
      await Promise.all([bot.send(a), bot.send(a)]);
      await bot.send(a);
      expect(bot.connector.cards()).toHaveLength(1);
      const b1 = bot.teams.channelMessage('story Two people saved this at the same moment in Tailspin');
      const b2 = bot.teams.channelMessage('story Two people saved this at the same moment in Tailspin', { from: ALICE });
      await Promise.all([bot.send(b1), bot.send(b2)]);
      expect((await all()).filter((x) => x.text.includes('Lamna')).length).toBe(1);
      expect((await all()).filter((x) => x.text.includes('same moment in Tailspin')).length).toBe(1);
    });
  });

  describe('save as story (message action)', () => {
    const message = { id: '1714820000001', html: '<p>Our <b>champions</b> at <i>Woodgrove</i> ran a <a href="https://x.example">town hall</a><br>with the CEO.</p><script>steal()</script> <at>Eve</at>', from: CAROL };

    test('when the action is opened, then the dialog is prefilled with readable text, the author as teller and suggested tags; saving posts the card and closes the dialog', async () => {
      const fetch = await bot.send(bot.teams.messageActionFetch('saveStory', message, { from: ALICE }));
      expect(fetch.status).toBe(200);
      const task = (fetch.body as { task: { type: string; value: { card: { content: Json }; title: string } } }).task;
      expect(task.type).toBe('continue');
      const dialog = task.value.card.content;
      expectValidCard(dialog);
      const textInput = JSON.stringify(dialog);
      expect(textInput).toContain('Our champions at Woodgrove ran a town hall\\nwith the CEO.');
      expect(textInput).toContain('@Eve');
      expect(textInput).not.toContain('<');
      expect(textInput).not.toContain('steal');
      expect(cardText(dialog)).toContain(CAROL.name);
      expect(textInput).toMatch(/champions.*events.*executive-sponsorship/);

      const submit = await bot.send(
        bot.teams.messageActionSubmit('saveStory', { text: 'Our champions at Woodgrove ran a town hall with the CEO.', customer: 'Woodgrove', tags: 'champions, #events, town-halls' }, message, { from: ALICE }),
      );
      expect(submit.status).toBe(200);
      // A valid submitAction answer: the dialog closes with a message (not `{}`, which Teams rejects).
      expect((submit.body as Json | undefined)?.task).toEqual({ type: 'message', value: s.savedFromDialog });
      const cards = bot.connector.cards({ conversationId: CHANNEL });
      expect(cards).toHaveLength(1);
      expectValidCard(cards[0]!.card);
      const stored = (await all()).find((x) => x.storyId === storyIdOf(cards[0]!.card));
      expect(stored).toMatchObject({ tellerName: CAROL.name, tellerId: CAROL.aadObjectId, customer: 'Woodgrove' });
      expect(stored?.themes).toEqual(['champions', 'events']);
      expect(stored?.tags).toEqual(['town-halls']);
      expect(JSON.stringify(cards[0]!.card)).toContain('"url":"https://teams.microsoft.com/l/message/');
      expect(await service.findBySourceMessage(where, message.id)).toMatchObject({ storyId: stored?.storyId });

      bot.connector.reset();
      const again = await bot.send(bot.teams.messageActionFetch('saveStory', message, { from: BOB }));
      const againTask = (again.body as { task: { value: { title: string; card: { content: Json } } } }).task;
      expect(againTask.value.title).toBe(s.duplicateDialogTitle);
      expectValidCard(againTask.value.card.content);
      const resubmit = await bot.send(bot.teams.messageActionSubmit('saveStory', { text: 'something else', tags: '' }, message, { from: BOB }));
      expect(JSON.stringify(resubmit.body)).toContain(s.duplicateDialogTitle);
      expect(bot.connector.cards()).toHaveLength(0);
    });

    test('when the dialog is submitted empty, too long or malformed, then the person is told and nothing is stored', async () => {
      const msg = { ...message, id: '1714820000002' };
      const before = (await all()).length;
      const empty = await bot.send(bot.teams.messageActionSubmit('saveStory', { text: '   ', tags: '' }, msg));
      expect(JSON.stringify(empty.body)).toContain(s.emptyStory.slice(0, 30));
      const long = await bot.send(bot.teams.messageActionSubmit('saveStory', { text: 'b'.repeat(5000), tags: '' }, msg));
      expect(JSON.stringify(long.body)).toContain('5,000');
      const malformed = await bot.send(bot.teams.messageActionSubmit('saveStory', { text: 42 }, msg));
      expect(malformed.status).toBe(400);
      expect((await all()).length).toBe(before);
      expect(bot.connector.cards()).toHaveLength(0);
    });
  });

  describe('card actions', () => {
    test('when people press Inspiring, then the count shows for everyone, one per person; pressing again never withdraws, only "take mine back" does', async () => {
      const { storyId } = await capture('Coho Winery renewed for three years thanks to peers in the network');
      const press = async (who: typeof BOB, endorse: boolean): Promise<Json> =>
        invokeCard((await bot.send(bot.teams.cardAction('story.endorse', { storyId, endorse }, { from: who }))).body);
      const contributions = new ContributionsRepo(bot.app.store.table(CONTRIBUTIONS_TABLE));
      const known = async (who: typeof BOB): Promise<boolean> => (await contributions.list(where)).some((c) => c.userId === who.aadObjectId);
      const firstEndorser = person('first-endorser', 'Frank First');
      expect(await known(firstEndorser)).toBe(false);
      expect(cardText(await press(BOB, true))).toContain('You found this inspiring.');
      const mine = await press(firstEndorser, true);
      expect(cardText(mine)).toContain('You and 1 other found this inspiring.');
      expect(cardText(mine)).toContain('Take back my Inspiring');
      expect(await known(firstEndorser)).toBe(true);
      // A double press or a retry keeps what the person meant.
      expect(cardText(await press(firstEndorser, true))).toContain('You and 1 other found this inspiring.');
      expect(cardText(await press(firstEndorser, false))).toContain('1 person found it inspiring');
      expect(cardText(await press(firstEndorser, false))).toContain('1 person found it inspiring');
      expect(cardText(await press(ALICE, true))).toContain('You and 1 other found this inspiring.');
      expect(cardText(await press(BOB, false))).toContain('1 person found it inspiring');
      // The two presses that changed nothing (a repeat, a repeated take-back) update nothing.
      expect(bot.connector.updates()).toHaveLength(5);
      // Everyone's card offers "Inspiring", never someone else's take-back, nor anyone's notice.
      const shared = cardText(bot.connector.cards({ method: 'PUT' }).at(-1)!.card);
      expect(shared).toContain('1 person found it inspiring');
      expect(shared).not.toMatch(/Take back|You found|taken back|Delete/);
      const top = await service.mostEndorsed(TENANT, TEAM, 5);
      expect(top[0]).toMatchObject({ storyId, endorsements: 1 });
      await press(ALICE, false);
      expect((await service.mostEndorsed(TENANT, TEAM, 50)).some((x) => x.storyId === storyId)).toBe(false);
    });

    test('when an older card without intent is pressed, then nothing changes and the person sees the true count', async () => {
      const { storyId } = await capture('Fabrikam rolled out champions in every region');
      await bot.send(bot.teams.cardAction('story.endorse', { storyId, endorse: true }, { from: ALICE }));
      const legacy = invokeCard((await bot.send(bot.teams.cardAction('story.endorse', { storyId }, { from: ALICE }))).body);
      expect(cardText(legacy)).toContain(s.olderCard);
      expect(cardText(legacy)).toContain('You found this inspiring.');
      expect((await service.getStory(where, storyId))?.endorsers).toEqual([ALICE.aadObjectId]);
    });

    test('when the library is searched by a theme\'s slug prefix or display name, then the theme\'s stories are found', async () => {
      const w = { teamId: '19:theme-search-team@thread.tacv2', conversationId: '19:theme-search@thread.tacv2' };
      const { storyId } = await capture('Northwind paired every new hire with a buddy for the first month', BOB, [], w);
      const here = { tenantId: TENANT, spaceId: w.teamId };
      const stored = await service.getStory(here, storyId);
      expect([...stored!.themes, ...stored!.tags]).toContain('onboarding-training');
      for (const q of ['#onboarding', 'onboarding', '#onboarding-training', 'Onboarding and training', '#Onboarding']) {
        const page = await service.library(here, q, 0);
        expect([q, page.stories.map((x) => x.storyId)]).toEqual([q, [storyId]]);
      }
      expect((await service.library(here, '#onboard-nothing', 0)).total).toBe(0);
    });

    test('when tags are edited, then the person\'s list wins, everyone sees it, and tag queries follow', async () => {
      const { storyId } = await capture('Trey Research picked 25 champions and the tickets halved');
      const res = await bot.send(bot.teams.cardAction('story.tags', { storyId, tags: 'champions, #Help-Desk,  pilot' }));
      const card = invokeCard(res.body);
      expect(cardText(card)).toMatch(/\\?#champions\s+\\?#help-desk\s+\\?#pilot/);
      expect(bot.connector.updates()).toHaveLength(1);
      const page = await service.library(where, '#help-desk', 0);
      expect(page.stories.map((x) => x.storyId)).toEqual([storyId]);
      const gone = await service.library(where, '#customer-success', 0);
      expect(gone.stories.map((x) => x.storyId)).not.toContain(storyId);
    });

    test('when someone who is not the teller, saver or an organizer deletes, then it is refused and nothing changes; the teller can', async () => {
      const { storyId } = await capture('Fourth Coffee trains every barista through short videos', ALICE, [CAROL]);
      const refused = await bot.send(bot.teams.cardAction('story.delete', { storyId }, { from: EVE }));
      // The refusal shows on the true card, which offers Delete only to those allowed.
      const refusedCard = cardText(invokeCard(refused.body));
      expect(refusedCard).toContain(s.notAllowedDelete);
      expect(refusedCard).toContain('Fourth Coffee');
      expect(refusedCard).not.toContain('Delete story');
      const tellerView = cardText(invokeCard((await bot.send(bot.teams.cardAction('story.view', { storyId }, { from: ALICE }))).body));
      expect(tellerView).toContain('Delete story');
      expect(await service.getStory(where, storyId)).toBeDefined();
      const deleted = await bot.send(bot.teams.cardAction('story.delete', { storyId }, { from: ALICE }));
      expect(cardText(invokeCard(deleted.body))).toContain(ALICE.name);
      expect(await service.getStory(where, storyId)).toBeUndefined();
      expect((await all()).some((x) => x.storyId === storyId)).toBe(false);
      // The same text can be saved again once the story is gone.
      const again = await capture('Fourth Coffee trains every barista through short videos');
      expect(again.storyId).not.toBe(storyId);
    });

    test('when an organizer deletes someone else\'s story, then it is deleted', async () => {
      const { storyId } = await capture('Blue Yonder built a dashboard of frontline answers per airport', BOB);
      await new OrganizersRepo(bot.app.store.table(ORGANIZERS_TABLE)).add(where, { userId: EVE.aadObjectId, userName: EVE.name }, 'test', clock.now());
      const res = await bot.send(bot.teams.cardAction('story.delete', { storyId }, { from: EVE }));
      invokeCard(res.body);
      expect(await service.getStory(where, storyId)).toBeUndefined();
    });

    test('when a card action is forged for another team\'s story or carries data the bot never sent, then it is refused and nothing changes', async () => {
      const otherTeam = { teamId: '19:other-team@thread.tacv2', conversationId: '19:other-team-channel@thread.tacv2' };
      const { storyId } = await capture('Litware ran a virtual hackathon across 14 countries', BOB, [], otherTeam);
      const forged = await bot.send(bot.teams.cardAction('story.endorse', { storyId }, { from: ALICE }));
      expect(invokeMessage(forged.body)).toBe(s.notFound);
      const forgedDelete = await bot.send(bot.teams.cardAction('story.delete', { storyId }, { from: BOB }));
      expect(invokeMessage(forgedDelete.body)).toBe(s.notFound);
      const malformed = await bot.send(bot.teams.cardAction('story.endorse', { storyId: "x' or 1 eq 1" }));
      expect(malformed.status).toBe(400);
      const stored = await service.getStory({ tenantId: TENANT, spaceId: otherTeam.teamId }, storyId);
      expect(stored?.endorsers).toEqual([]);
      expect(bot.connector.updates()).toHaveLength(0);
    });
  });

  describe('library', () => {
    const team = { tenantId: TENANT, teamId: '19:library-team@thread.tacv2', conversationId: '19:library-channel@thread.tacv2' };
    const libWhere = { tenantId: TENANT, spaceId: team.teamId };

    beforeAll(async () => {
      const base = clock.now().getTime() - 3600_000;
      await seedStories(bot.app.store, 
        TENANT,
        team.teamId,
        Array.from({ length: 11 }, (_, i) => ({
          text: `Story number ${i} about a bakery chain that measured its community with a dashboard`,
          tellerId: `aad-teller-${i}`,
          tellerName: `Teller ${i}`,
          createdAt: new Date(base + i * 1000),
          conversationId: team.conversationId,
        })),
      );
    });

    test('when someone asks for stories, then a page of 5 comes back with Next, and Next/Previous move between pages', async () => {
      await bot.send(bot.teams.channelMessage('stories', team));
      const first = bot.connector.cards()[0]!.card;
      expectValidCard(first);
      expect(cardText(first)).toContain('11 stories · page 1 of 3');
      expect(cardText(first)).toContain('Story number 10');
      expect(cardText(first)).toContain(s.next);
      expect(cardText(first)).not.toContain(s.previous);
      const second = invokeCard((await bot.send(bot.teams.cardAction('story.page', { query: '', page: 1 }, team))).body);
      expect(cardText(second)).toContain('page 2 of 3');
      expect(cardText(second)).toContain('Story number 5');
      expect(cardText(second)).toContain(s.previous);
      const third = invokeCard((await bot.send(bot.teams.cardAction('story.page', { query: '', page: 2 }, team))).body);
      expect(cardText(third)).toContain('Story number 0');
      expect(cardText(third)).not.toContain(s.next);
    });

    test('when someone searches words or a #tag, then matching stories come first and others are left out', async () => {
      await capture('A retail chain halved onboarding time for new store staff with short videos', BOB, [], team);
      await capture('A retail chain opened a new store in Lisbon', BOB, [], team);
      await capture('Hospital nurses share shift handover tips #night-shift', BOB, [], team);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('stories retail onboarding', team));
      const card = bot.connector.cards()[0]!.card;
      expectValidCard(card);
      const text = cardText(card);
      expect(text.indexOf('halved onboarding')).toBeGreaterThan(-1);
      expect(text.indexOf('halved onboarding')).toBeLessThan(text.indexOf('Lisbon'));
      expect(text).not.toContain('nurses');
      const byTag = await service.library(libWhere, '#night-shift', 0);
      expect(byTag.stories.map((x) => x.text)).toEqual(['Hospital nurses share shift handover tips']);
      const malformed = await bot.send(bot.teams.cardAction('story.page', { query: 'x', page: -3 }, team));
      expect(malformed.status).toBe(400);
    });

    test('when a story is captured in a group chat, then the library of that chat holds it and the team\'s does not', async () => {
      bot.connector.reset();
      await bot.send(bot.teams.groupMessage('story Group chat story about adoption at Proseware'));
      expect(bot.connector.cards()).toHaveLength(1);
      const teamPage = await service.library(libWhere, 'Proseware', 0);
      expect(teamPage.total).toBe(0);
      bot.connector.reset();
      await bot.send(bot.teams.groupMessage('stories Proseware'));
      expect(cardText(bot.connector.cards()[0]!.card)).toContain('Proseware');
    });
  });

  describe('tenant isolation', () => {
    test('when another tenant uses the same team and channel ids, then it sees none of these stories and cannot act on them', async () => {
      const { storyId } = await capture('Only tenant one may see this Adventure Works story');
      const other = { tenantId: 'other-tenant-0000', from: EVE };
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('stories Adventure Works', other));
      const card = bot.connector.cards()[0]!.card;
      expect(cardText(card)).not.toContain('Adventure Works story');
      const forged = await bot.send(bot.teams.cardAction('story.endorse', { storyId }, other));
      expect(invokeMessage(forged.body)).toBe(s.notFound);
      expect((await service.getStory(where, storyId))?.endorsers).toEqual([]);
      expect(await service.storiesBetween('other-tenant-0000', TEAM, new Date(0), clock.now())).toEqual([]);
    });
  });

  describe('themes', () => {
    test('when a team adds a theme, then it is listed and new stories get it; other teams keep the default', async () => {
      await bot.send(bot.teams.channelMessage('themes'));
      const list = bot.connector.cards()[0]!.card;
      expectValidCard(list);
      expect(cardText(list)).toContain('Knowledge management');
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('themes add Retail: store, shop floor, point of sale'));
      expect(bot.connector.texts()[0]).toContain('Retail');
      const { card } = await capture('The shop floors at Fabrikam now post photos of every display');
      expect(cardText(card)).toContain('#retail');
      const elsewhere = await capture('The shop floors at Fabrikam now post photos of every display', BOB, [], { teamId: '19:team-without-retail@thread.tacv2' });
      expect(cardText(elsewhere.card)).not.toContain('#retail');
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('themes set Business value and ROI: margin'));
      const changed = await capture('Our margin went up at Fabrikam');
      expect(cardText(changed.card)).toContain('#business-value');
      const notAnyMore = await capture('Revenue went up at Fabrikam');
      expect(cardText(notAnyMore.card)).not.toContain('#business-value');
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('themes remove retail'));
      expect(bot.connector.texts()[0]).toContain('Retail');
      const noRetail = await capture('The shop floors at Contoso now post photos of every display');
      expect(cardText(noRetail.card)).not.toContain('#retail');
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('themes add Nonsense'));
      expect(bot.connector.texts()[0]).toBe(s.themeUsage);
    });
  });

  describe('for the digest', () => {
    test('when stories are asked for between two dates, then only those created in that window come back, newest first', async () => {
      const spaceId = '19:digest-range-team@thread.tacv2';
      const t0 = new Date('2026-01-01T00:00:00Z').getTime();
      const day = 24 * 3600 * 1000;
      await seedStories(bot.app.store, TENANT, spaceId, Array.from({ length: 10 }, (_, i) => ({ text: `Day ${i} story`, tellerId: 'u', tellerName: 'U', createdAt: new Date(t0 + i * day) })));
      const got = await service.storiesBetween(TENANT, spaceId, new Date(t0 + 3 * day), new Date(t0 + 6 * day));
      expect(got.map((x) => x.text)).toEqual(['Day 5 story', 'Day 4 story', 'Day 3 story']);
    });
  });
});
