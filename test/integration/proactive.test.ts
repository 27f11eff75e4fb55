import { startTestBot, type TestBot } from '../support/harness';
import { CHANNEL, TENANT } from '../support/activities';
import { PROCESSED_TABLE } from '../../src/teams/middleware';
import { ConversationRepo, CONVERSATIONS_TABLE } from '../../src/features/conversations/repo';

describe('proactive posts (outside a turn)', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ env: { ALLOWED_TENANTS: TENANT } });
    await bot.send(bot.teams.botAdded('channel', { conversationId: CHANNEL }));
  });
  afterAll(async () => bot.close());
  beforeEach(() => bot.connector.reset());

  const reference = async () => (await new ConversationRepo(bot.app.store.table(CONVERSATIONS_TABLE)).get(TENANT, CHANNEL))!.reference;

  test('when a proactive post succeeds, then it lands in the conversation and leaves no de-duplication row', async () => {
    const processedBefore = await countRows(bot, PROCESSED_TABLE);
    const id = await bot.app.host.poster.post(await reference(), { text: 'scheduled hello' });
    expect(id).toMatch(/^act-/);
    expect(bot.connector.texts(CHANNEL)).toEqual(['scheduled hello']);
    expect(await countRows(bot, PROCESSED_TABLE)).toBe(processedBefore);
  });

  test('when Teams refuses a proactive post, then the caller gets the error and no apology is posted into the conversation', async () => {
    let calls = 0;
    bot.connector.respondWith(() => (++calls === 1 ? { status: 403, body: { error: { code: 'BotNotInConversationRoster', message: 'gone' } } } : undefined));
    await expect(bot.app.host.poster.post(await reference(), { text: 'scheduled hello' })).rejects.toBeDefined();
    expect(calls).toBe(1);
    expect(bot.connector.posts()).toHaveLength(0);
  });
});

async function countRows(bot: TestBot, table: string): Promise<number> {
  let n = 0;
  for await (const _ of bot.app.store.table(table).listEntities()) n++;
  return n;
}
