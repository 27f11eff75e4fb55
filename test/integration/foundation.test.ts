import { startTestBot, type TestBot, postJson } from '../support/harness';
import { ALICE, BOB, TENANT, CHANNEL, GROUP_CHAT } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { ConversationRepo, CONVERSATIONS_TABLE } from '../../src/features/conversations/repo';

describe('foundation: the bot over HTTP with Azurite and a connector stand-in', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ env: { ALLOWED_TENANTS: `${TENANT},other-allowed-tenant` } });
  });
  afterAll(async () => bot.close());
  beforeEach(() => bot.connector.reset());

  test('when someone asks @Coach help in a channel, then a valid help card comes back to that channel', async () => {
    const res = await bot.send(bot.teams.channelMessage('help'));
    expect(res.status).toBe(200);
    const cards = bot.connector.cards({ conversationId: CHANNEL });
    expect(cards).toHaveLength(1);
    expectValidCard(cards[0]!.card);
    expect(cardText(cards[0]!.card)).toContain('help');
  });

  test('when help is typed in personal chat without a mention, then the help card comes back', async () => {
    await bot.send(bot.teams.personalMessage('help'));
    expect(bot.connector.cards()).toHaveLength(1);
  });

  test('when help is asked in a group chat, then the help card comes back there', async () => {
    await bot.send(bot.teams.groupMessage('help'));
    expect(bot.connector.cards({ conversationId: GROUP_CHAT })).toHaveLength(1);
  });

  test('when the command is unknown, then a one-line hint points to help', async () => {
    await bot.send(bot.teams.channelMessage('dance please'));
    const texts = bot.connector.texts(CHANNEL);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/dance/);
    expect(texts[0]).toMatch(/help/);
    expect(texts[0]!.split('\n')).toHaveLength(1);
  });

  test('when the same activity is delivered twice, then it is processed once', async () => {
    const activity = bot.teams.channelMessage('help');
    const [a, b] = [await bot.send(activity), await bot.send(activity)];
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(bot.connector.posts(CHANNEL)).toHaveLength(1);
  });

  test('when two deliveries of one activity arrive at the same moment, then only one is processed', async () => {
    const activity = bot.teams.channelMessage('help');
    await Promise.all([bot.send(activity), bot.send(activity), bot.send(activity)]);
    expect(bot.connector.posts(CHANNEL)).toHaveLength(1);
  });

  test('when an activity comes from a tenant outside the allow-list, then nothing is processed or stored', async () => {
    const foreignChannel = '19:foreign-channel@thread.tacv2';
    const res = await bot.send(bot.teams.channelMessage('help', { tenantId: 'evil-tenant', conversationId: foreignChannel }));
    expect(res.status).toBe(200);
    expect(bot.connector.activities).toHaveLength(0);
    const repo = new ConversationRepo(bot.app.store.table(CONVERSATIONS_TABLE));
    expect(await repo.get('evil-tenant', foreignChannel)).toBeUndefined();
  });

  test('when the bot is installed in a team, then a welcome card is posted once, even if Teams sends both install events', async () => {
    const where = { conversationId: '19:new-team-general@thread.tacv2', teamId: '19:new-team-general@thread.tacv2', from: ALICE };
    await bot.send(bot.teams.botAdded('channel', where));
    await bot.send(bot.teams.installationUpdate('add', 'channel', where));
    const cards = bot.connector.cards({ conversationId: where.conversationId });
    expect(cards).toHaveLength(1);
    expectValidCard(cards[0]!.card);
    const repo = new ConversationRepo(bot.app.store.table(CONVERSATIONS_TABLE));
    const record = await repo.get(TENANT, where.conversationId);
    expect(record?.status).toBe('active');
    expect(record?.reference.serviceUrl).toBe(bot.connector.url);
  });

  test('when the bot is removed from a team, then its conversations are marked removed, and a reinstall welcomes again', async () => {
    const teamId = '19:team-to-leave@thread.tacv2';
    const channel = '19:team-to-leave-channel@thread.tacv2';
    await bot.send(bot.teams.botAdded('channel', { conversationId: teamId, teamId }));
    await bot.send(bot.teams.channelMessage('help', { conversationId: channel, teamId }));
    await bot.send(bot.teams.botRemoved('channel', { conversationId: teamId, teamId }));
    const repo = new ConversationRepo(bot.app.store.table(CONVERSATIONS_TABLE));
    expect((await repo.get(TENANT, teamId))?.status).toBe('removed');
    expect((await repo.get(TENANT, channel))?.status).toBe('removed');
    bot.connector.reset();
    await bot.send(bot.teams.botAdded('channel', { conversationId: teamId, teamId }));
    expect(bot.connector.cards({ conversationId: teamId })).toHaveLength(1);
  });

  test('when a personal install arrives, then the welcome goes to the personal chat', async () => {
    await bot.send(bot.teams.installationUpdate('add', 'personal', { from: BOB }));
    expect(bot.connector.cards({ conversationId: `a:personal-${BOB.aadObjectId}` })).toHaveLength(1);
  });

  test.each([
    ['not JSON at all', 'this is not json', 'application/json'],
    ['JSON that is not an activity', JSON.stringify({ hello: 'world' }), 'application/json'],
    ['an activity without a conversation', JSON.stringify({ type: 'message', serviceUrl: 'http://127.0.0.1:1/', channelId: 'msteams' }), 'application/json'],
    ['an array', JSON.stringify([1, 2, 3]), 'application/json'],
    ['an empty body', '', 'application/json'],
    ['plain text', 'hello', 'text/plain'],
  ])('when the body is %s, then the answer is 4xx and the process stays up', async (_name, body, contentType) => {
    const res = await fetch(`${bot.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const health = await fetch(`${bot.app.url}/healthz`);
    expect(health.status).toBe(200);
  });

  test('when the body is larger than the limit, then the answer is 413', async () => {
    const huge = { ...bot.teams.channelMessage('help'), text: 'x'.repeat(400 * 1024) };
    const res = await postJson(`${bot.app.url}/api/messages`, huge);
    expect(res.status).toBe(413);
    expect(bot.connector.activities).toHaveLength(0);
  });

  test('when storage answers, then /readyz is 200 and /healthz is 200', async () => {
    expect((await fetch(`${bot.app.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${bot.app.url}/healthz`)).status).toBe(200);
  });

  test('when the connector fails while replying, then the HTTP answer carries no internals', async () => {
    bot.connector.failConversation(CHANNEL, 500);
    const res = await bot.send(bot.teams.channelMessage('help'));
    expect(res.status).not.toBe(500);
    expect(JSON.stringify(res.body ?? '')).not.toMatch(/stack|Error:/);
  });
});
