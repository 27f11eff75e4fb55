import { startTestBot, storageConnectionString, type TestBot } from '../support/harness';
import { BOB, TEAM, TENANT, person, type Activity } from '../support/activities';
import { StorageRequestCounter, tableEndpointOf, throughProxy } from '../../bench/storageCounter';
import { StoriesService } from '../../src/features/stories/service';
import { storyStrings as s } from '../../src/features/stories/strings';

/**
 * The capture turn's storage round trips, counted at Azurite's HTTP level (a proxy in front of
 * it), and its de-duplication: the story's own transaction carries a pointer keyed by the
 * activity id, so the turn needs no separate `processed` row, and a re-delivery of the same
 * activity still stores one story and, like every re-delivery, is not answered a second time.
 */
jest.setTimeout(60_000);

const CHANNEL = '19:capture-requests-channel@thread.tacv2';
const where = { tenantId: TENANT, spaceId: TEAM };

describe('a capture turn', () => {
  let counter: StorageRequestCounter;
  let bot: TestBot;
  let service: StoriesService;

  beforeAll(async () => {
    counter = await new StorageRequestCounter(tableEndpointOf(storageConnectionString())).start();
    bot = await startTestBot({ env: { STORAGE_CONNECTION_STRING: throughProxy(storageConnectionString(), counter.port) } });
    counter.tablePrefix = bot.app.store.prefix;
    service = new StoriesService(bot.app.store, { now: () => new Date() });
    // Warm the process caches the steady state has: the conversation registered, the team's
    // taxonomy and tagger layer read, Bob's contribution written within the hour.
    await send(storyActivity('Warm-up: Fabrikam recruited one champion per shift'));
  });
  afterAll(async () => {
    await bot.close();
    await counter.stop();
  });
  beforeEach(() => bot.connector.reset());

  let n = 0;
  function storyActivity(text: string, from = BOB): Activity {
    n++;
    return { ...bot.teams.channelMessage(`story ${text} (${n}) #retail customer: Contoso`, { conversationId: CHANNEL, from }), id: `capture-requests-${Date.now()}-${n}` };
  }
  async function send(a: Activity): Promise<void> {
    const res = await bot.send(a);
    expect(res.status).toBe(200);
  }
  /** Storage requests of one turn, by kind and table ("insert processed": 1; a transaction is "batch $batch"). */
  async function requestsOf(a: Activity): Promise<Record<string, number>> {
    await counter.settled(100);
    counter.reset();
    await send(a);
    await counter.settled(200);
    return Object.fromEntries(counter.detail);
  }
  const storiesWith = async (marker: string): Promise<string[]> =>
    (await service.storiesBetween(where.tenantId, where.spaceId, new Date(Date.now() - 600_000), new Date(Date.now() + 60_000)))
      .filter((x) => x.text.includes(marker))
      .map((x) => x.storyId);
  const storyIdOnCard = (card: unknown): string => /"storyId":"([^"]+)"/.exec(JSON.stringify(card))?.[1] ?? 'none';

  test('when a story is captured in steady state, then the story is one storage request (its transaction) and there is no de-duplication row', async () => {
    // The story transaction, and no processed row. The insights feature (merged later) records the
    // story's customer and day beside the reply: a read and an eTag write each.
    // Connect (merged later still) updates its expertise index beside the reply too; how many
    // rows depends on the story's themes. The turn's own path stays one request.
    const beside = ['customers', 'insightdays', 'expertise'];
    const got = await requestsOf(storyActivity('Contoso champions cut onboarding time in half'));
    expect(Object.fromEntries(Object.entries(got).filter(([k]) => !beside.some((t) => k.endsWith(` ${t}`))))).toEqual({ 'batch $batch': 1 });
    expect(got).toMatchObject({ 'read customers': 1, 'update customers': 1, 'read insightdays': 1, 'update insightdays': 1 });
    expect(bot.connector.cards()).toHaveLength(1);
  });

  test('when any other turn arrives, then it is still de-duplicated by its processed row', async () => {
    const other = { ...bot.teams.channelMessage('benchword', { conversationId: CHANNEL }), id: `capture-requests-other-${Date.now()}` };
    expect(await requestsOf(other)).toEqual({ 'insert processed': 1 });
    expect(await requestsOf(other)).toEqual({ 'insert processed': 1 }); // the re-delivery: the insert is refused (409)
    expect(bot.connector.posts()).toHaveLength(1);
  });

  test('when Teams re-delivers a capture, then one story is stored and the first delivery answers alone', async () => {
    const a = storyActivity('Northwind moved top answers into a knowledge base, re-delivered');
    await send(a);
    const again = await requestsOf(a);
    // The transaction fails on the activity pointer (the pointers are then read); no processed row.
    expect(again['batch $batch']).toBe(1);
    expect(again['insert processed']).toBeUndefined();
    const cards = bot.connector.cards();
    expect(cards).toHaveLength(1);
    expect(bot.connector.posts()).toHaveLength(1);
    expect(await storiesWith('re-delivered')).toEqual([storyIdOnCard(cards[0]!.card)]);
  });

  test('when the same capture arrives twice at once, then exactly one story is stored and one card answers', async () => {
    const a = storyActivity('Tailspin new hires join a first-30-days group, delivered twice at once');
    await Promise.all([send(a), send(a)]);
    const stored = await storiesWith('delivered twice at once');
    expect(stored).toHaveLength(1);
    const cards = bot.connector.cards();
    expect(cards).toHaveLength(1);
    expect(storyIdOnCard(cards[0]!.card)).toBe(stored[0]);
  });

  test('when a capture is re-delivered after its story was deleted, then the story does not come back', async () => {
    const a = storyActivity('Litware ran a virtual hackathon, deleted before its re-delivery');
    await send(a);
    const storyId = storyIdOnCard(bot.connector.cards()[0]!.card);
    await service.deleteStory(where, storyId, { userId: BOB.aadObjectId, userName: BOB.name });
    bot.connector.reset();
    await send(a);
    expect(bot.connector.posts()).toHaveLength(0);
    expect(await storiesWith('deleted before its re-delivery')).toEqual([]);
  });

  test('when the same text comes in a new activity, then it is a duplicate shown with the saved story, not a re-delivery', async () => {
    const text = 'Proseware field engineers post photos from customer sites';
    const first = { ...bot.teams.channelMessage(`story ${text}`, { conversationId: CHANNEL }), id: `capture-requests-same-text-1-${Date.now()}` };
    const second = { ...first, id: `capture-requests-same-text-2-${Date.now()}` };
    await send(first);
    await send(second);
    const cards = bot.connector.cards();
    expect(cards).toHaveLength(2);
    expect(storyIdOnCard(cards[1]!.card)).toBe(storyIdOnCard(cards[0]!.card));
    expect(bot.connector.texts()).toEqual([s.duplicate]);
    expect(await storiesWith('Proseware field engineers')).toHaveLength(1);
  });

  test('when two captures in different channels of a team share an activity id, then both are stored', async () => {
    const id = `capture-requests-shared-${Date.now()}`;
    const other = '19:capture-requests-other-channel@thread.tacv2';
    await send({ ...storyActivity('Woodgrove legal signed off, first channel'), id });
    await send({ ...bot.teams.channelMessage('story Woodgrove legal signed off, second channel', { conversationId: other, from: person('dana') }), id });
    expect(await storiesWith('Woodgrove legal signed off')).toHaveLength(2);
  });
});
