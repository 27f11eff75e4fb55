import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, TENANT, person, type Person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { ConnectService } from '../../src/features/connect/service';
import { storiesPorts } from '../../src/features/connect/ports';
import { StoriesService } from '../../src/features/stories/service';
import { storyStrings as s } from '../../src/features/stories/strings';
import { MAX_STORY_LENGTH } from '../../src/features/stories/parse';

/**
 * A teller edits their story's text (issue 14, part 5), over HTTP against Azurite: on the card
 * and typed; who may (teller, who saved it, organizer) and who may not; empty, oversized and
 * forged input; "(edited)" on the card; the new text in this team's library, in another team's
 * library when network-visible, and in Connect's theme shortlist; automatic themes follow the
 * text while hand-set tags are kept; an approval to retell is withdrawn by the edit.
 */
const clock = { at: new Date('2026-11-02T09:00:00Z'), now: (): Date => new Date(clock.at) };
const DAN = person('dan', 'Dan Bystander');
const A: Where = { teamId: '19:edit-story-a@thread.tacv2', conversationId: '19:edit-story-chan-a@thread.tacv2' };
const B: Where = { teamId: '19:edit-story-b@thread.tacv2', conversationId: '19:edit-story-chan-b@thread.tacv2' };
const where = { tenantId: TENANT, spaceId: A.teamId! };

type Json = Record<string, unknown>;
type Body = { type?: string; value?: unknown };

describe('editing a story\'s text', () => {
  let bot: TestBot;
  let stories: StoriesService;
  let connect: ConnectService;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    stories = new StoriesService(bot.app.store, clock);
    connect = new ConnectService(bot.app.store, clock, storiesPorts(bot.app.store, clock), { reminderHours: 72 });
    bot.connector.members = [ALICE, BOB, DAN].map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId }));
    // Alice organizes team A (the first call makes her its organizer).
    await say('call "Customer hour" 2026-12-10 16:00', A, ALICE);
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => {
    bot.connector.reset();
    clock.at = new Date(clock.at.getTime() + 60_000);
  });

  async function say(text: string, w: Where, from: Person = BOB): Promise<{ texts: string[]; cards: Json[] }> {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...w }));
    expect(res.status).toBe(200);
    const cards = bot.connector.cards({ conversationId: w.conversationId }).map((c) => c.card);
    for (const c of cards) expectValidCard(c);
    return { texts: bot.connector.texts(w.conversationId), cards };
  }
  const tell = async (text: string, from: Person = BOB): Promise<string> => {
    const { cards } = await say(`story ${text}`, A, from);
    expect(cards).toHaveLength(1);
    return /"storyId":"([^"]+)"/.exec(JSON.stringify(cards[0]))![1]!;
  };
  const press = async (verb: string, data: Json, from: Person, w: Where = A, scope: 'channel' | 'personal' = 'channel'): Promise<{ status: number; body: Body }> =>
    (await bot.send(bot.teams.cardAction(verb, data, { from, ...w }, scope))) as { status: number; body: Body };
  const edit = (storyId: string, text: string, from: Person = BOB) => press('story.editText', { storyId, text }, from);
  const library = async (query: string, w: Where, from: Person = DAN): Promise<string> => {
    const { cards } = await say(`stories ${query}`, w, from);
    return cards.map((c) => cardText(c)).join('\n');
  };

  test('when the teller edits on the card, then everyone sees the new text marked "(edited)", in this team\'s library and in another team\'s when network-visible; the same text again changes nothing', async () => {
    const storyId = await tell('Fabrikam cut onboarding time in half with a buddy programme visibility: network');
    const res = await edit(storyId, 'Fabrikam cut onboarding time by two thirds with a buddy programme and weekly drop-ins');
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expectValidCard(res.body.value);
    const mine = cardText(res.body.value);
    expect(mine).toContain('by two thirds');
    expect(mine).toContain(s.edited);
    expect(mine).toContain(s.textSaved);
    // The typed form names the story: its "Edit text" shows the id.
    expect(mine).toContain(s.editTyped(storyId));
    // The shared card (everyone's copy of the message) follows.
    const updated = bot.connector.cards({ conversationId: A.conversationId, method: 'PUT' }).map((c) => cardText(c.card)).join('\n');
    expect(updated).toContain('by two thirds');
    expect(updated).toContain(s.edited);
    const stored = await stories.getStory(where, storyId);
    expect(stored?.text).toBe('Fabrikam cut onboarding time by two thirds with a buddy programme and weekly drop-ins');
    expect(stored?.editedAt?.getTime()).toBe(clock.now().getTime());
    // This team's library and another team's (the network index) show the new text only.
    for (const w of [A, B]) {
      const found = await library('Fabrikam', w);
      expect(found).toContain('by two thirds');
      expect(found).not.toContain('in half');
    }
    // Search finds the new words, not the old ones (the terms follow the text).
    expect(await library('drop-ins', B)).toContain('Fabrikam');
    // The same text again: nothing changes, and the answer says so.
    const again = await edit(storyId, 'Fabrikam cut onboarding time by two thirds with a buddy programme and weekly drop-ins');
    expect(cardText(again.body.value)).toContain(s.textUnchanged);
    expect((await stories.getStory(where, storyId))?.editedAt?.getTime()).toBe(stored?.editedAt?.getTime());
  });

  test('when the edit is typed (story edit <id> <text>), then it is saved; a team-only story\'s edit never reaches another team', async () => {
    const storyId = await tell('Northwind keeps its champions talking in a monthly call');
    const { cards, texts } = await say(`story edit ${storyId} Northwind keeps its champions talking in a fortnightly call`, A);
    expect(texts).toEqual([]);
    expect(cards).toHaveLength(1);
    expect(cardText(cards[0])).toContain('fortnightly');
    expect(cardText(cards[0])).toContain(s.edited);
    expect((await stories.getStory(where, storyId))?.text).toBe('Northwind keeps its champions talking in a fortnightly call');
    expect(await library('Northwind', A)).toContain('fortnightly');
    const elsewhere = await library('Northwind', B);
    expect(elsewhere).not.toContain('fortnightly');
    expect(elsewhere).not.toContain('monthly');
    // No story was captured from "edit ...": still one story with those words.
    expect((await stories.library(where, 'Northwind', 0)).total).toBe(1);
    expect((await say('story edit', A)).texts).toEqual([s.editUsage]);
  });

  test('when a story was edited, then its old text may be told again (not a duplicate) and its new text is the duplicate', async () => {
    const storyId = await tell('Woodgrove runs a lunch and learn every Friday for new champions');
    await edit(storyId, 'Woodgrove runs a lunch and learn every other Friday for new champions');
    const old = await say('story Woodgrove runs a lunch and learn every Friday for new champions', A);
    expect(JSON.stringify(old.cards)).not.toContain(s.duplicate);
    expect(/"storyId":"([^"]+)"/.exec(JSON.stringify(old.cards[0]))![1]).not.toBe(storyId);
    const same = await say('story Woodgrove runs a lunch and learn every other Friday for new champions', A);
    expect(JSON.stringify(same)).toContain(s.duplicate);
    expect(/"storyId":"([^"]+)"/.exec(JSON.stringify(same.cards[0]))![1]).toBe(storyId);
  });

  test('when someone else, empty, oversized or forged input edits, then they are told plainly and nothing changes; who saved it and an organizer may edit', async () => {
    const storyId = await tell('Tailspin found their best champions among new joiners');
    const original = await stories.getStory(where, storyId);
    const refused = await edit(storyId, 'Dan rewrote this', DAN);
    expect(refused.status).toBe(200);
    expect(JSON.stringify(refused.body)).toContain(s.notAllowedEdit);
    expect((await say(`story edit ${storyId} Dan rewrote this`, A, DAN)).texts).toEqual([s.notAllowedEdit]);
    // The answer is the card as it is, with the reason on top (cardText unescapes nothing: compare a plain prefix).
    expect(cardText((await edit(storyId, '   ')).body.value)).toContain(s.emptyStory.slice(0, 30));
    const tooLong = 'x'.repeat(MAX_STORY_LENGTH + 1);
    expect(cardText((await edit(storyId, tooLong)).body.value)).toContain(s.tooLong(MAX_STORY_LENGTH + 1).slice(0, 30));
    // Forged ids: not a story id (a bad request), and one that names no story here.
    const forged = await edit('not-a-story', 'Forged');
    expect(JSON.stringify(forged.body)).toContain(s.badRequest);
    expect(JSON.stringify((await edit('9999999999999-abcdef12', 'Nowhere')).body)).toContain(s.notFound);
    expect((await say('story edit 9999999999999-abcdef12 Nowhere', A)).texts).toEqual([s.notFound]);
    // Another team's button with this story's id: the story is not there.
    expect(JSON.stringify((await press('story.editText', { storyId, text: 'From team B' }, BOB, B)).body)).toContain(s.notFound);
    expect(await stories.getStory(where, storyId)).toEqual(original);
    // An organizer may edit (as they may delete).
    const byOrganizer = await edit(storyId, 'Tailspin found their best champions among new joiners in sales', ALICE);
    expect(cardText(byOrganizer.body.value)).toContain(s.textSaved);
    expect((await stories.getStory(where, storyId))?.text).toContain('in sales');
  });

  test('when the text changes, then automatic themes follow it while tags a person chose are kept', async () => {
    const auto = await tell('Our champions network meets every month to share adoption wins');
    const before = (await stories.getStory(where, auto))!;
    expect(before.themes).toContain('champions');
    await edit(auto, 'Our governance board reviews naming policy and retention labels for every team #pilot');
    const after = (await stories.getStory(where, auto))!;
    expect(after.themes).toEqual((await stories.tagger.suggest(after.text, where)).map((t) => t.id));
    expect(after.themes).not.toContain('champions');
    expect(after.tags).toContain('pilot');

    const byHand = await tell('Our champions network meets every month to share adoption wins at Litware');
    await press('story.tags', { storyId: byHand, tags: 'champions, litware' }, BOB);
    await edit(byHand, 'Our governance board reviews naming policy and retention labels at Litware');
    const kept = (await stories.getStory(where, byHand))!;
    expect([...kept.themes, ...kept.tags].sort()).toEqual(['champions', 'litware']);
  });

  test('when an approved story is edited, then the approval is withdrawn (it was for the exact text), it leaves outside use, the card says so, and the old approval button is stale', async () => {
    const storyId = await tell('Contoso halved their support tickets with a champions network');
    await bot.send(bot.teams.taskSubmit({ verb: 'story.ask', storyId, use: 'A quote in our newsletter', contact: BOB.aadObjectId }, { from: ALICE, ...A }));
    const consent = bot.connector.cards({ conversationId: `a:personal-${BOB.aadObjectId}` }).at(-1)!.card;
    const r = /"r":"([0-9a-f]{12})"/.exec(JSON.stringify(consent))![1]!;
    const approve = () => press('story.consent', { s: A.teamId, storyId, r, answer: 'approve' }, BOB, {}, 'personal');
    expect((await approve()).status).toBe(200);
    await press('story.visibility', { storyId, visibility: 'outside' }, ALICE);
    expect((await stories.getStory(where, storyId))?.visibility).toBe('outside');

    const res = await edit(storyId, 'Contoso cut their support tickets by 60% with a champions network');
    const text = cardText(res.body.value);
    expect(text).toContain(s.textSavedApprovalWithdrawn);
    // The card escapes the brackets around the day: compare the words and the day.
    expect(text).toContain(s.approvalWithdrawn('DAY').split(' (DAY)')[0]);
    expect(text).toContain(clock.now().toISOString().slice(0, 10));
    const stored = (await stories.getStory(where, storyId))!;
    expect(stored.consent).toBeUndefined();
    expect(stored.visibility).toBe('network');
    expect(stored.approvalWithdrawnAt?.getTime()).toBe(clock.now().getTime());
    // "Approve outside use" is gone from the card: asking again is offered instead.
    expect(JSON.stringify(res.body.value)).not.toContain(s.makeOutside);
    expect(JSON.stringify(res.body.value)).toContain(s.askToRetell);
    // Outside use is refused until asked again; the old approval does not bring it back.
    expect(JSON.stringify((await press('story.visibility', { storyId, visibility: 'outside' }, ALICE)).body)).toContain(s.outsideNeedsConsent.slice(0, 40));
    expect(JSON.stringify((await approve()).body)).toContain(s.consentStale);
    expect((await stories.getStory(where, storyId))?.consent).toBeUndefined();
  });

  test('when a story on a theme is edited, then Connect\'s shortlist of that theme quotes the new text', async () => {
    const storyId = await tell('Our champions network grew from five to fifty volunteers at Adatum');
    const shortlisted = async (): Promise<string | undefined> => (await connect.repo.themeLists(where, 'champions')).stories.find((e) => e.storyId === storyId)?.excerpt;
    // The shortlist is written beside the capture turn: wait for it.
    for (let i = 0; i < 50 && !(await shortlisted()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await shortlisted()).toContain('five to fifty');
    await edit(storyId, 'Our champions network grew from five to eighty volunteers at Adatum');
    expect(await shortlisted()).toContain('five to eighty');
    // A story edited off the theme leaves its shortlist.
    await edit(storyId, 'Adatum moved its governance board reviews to a quarterly rhythm and retention labels');
    expect((await stories.getStory(where, storyId))?.themes).not.toContain('champions');
    expect(await shortlisted()).toBeUndefined();
  });
});
