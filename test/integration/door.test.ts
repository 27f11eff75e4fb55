import { randomUUID } from 'node:crypto';
import { postJson, startTestBot, type TestBot } from '../support/harness';
import { TENANT, type Activity } from '../support/activities';
import { PROCESSED_TABLE } from '../../src/teams/middleware';
import { MAX_BODY_BYTES, SECURITY_HEADERS } from '../../src/server';
import { MAX_ID, MAX_NAME } from '../../src/teams/inbound';
import { CONVERSATIONS_TABLE } from '../../src/features/conversations/repo';

/**
 * Checked at the door: each case found by generated activities (a valid Teams activity with one
 * field changed) is answered 400 (or 200 and ignored, for types the bot does not handle),
 * reaches no handler, stores nothing and makes the bot post nothing.
 */
describe('activities checked at the door', () => {
  let bot: TestBot;
  const lines: string[] = [];

  beforeAll(async () => {
    const { createLogger } = await import('../../src/log');
    bot = await startTestBot({ deps: { log: createLogger('debug', {}, (l) => lines.push(l)) } });
  });
  afterAll(async () => {
    await bot.close();
  });
  beforeEach(() => {
    bot.connector.reset();
    lines.length = 0;
  });

  async function rowCount(table: string): Promise<number> {
    let n = 0;
    for await (const _ of bot.app.store.table(table).listEntities()) n += 1;
    return n;
  }

  const conversationId = (): string => `19:door-${randomUUID()}@thread.tacv2`;
  const message = (): Activity => bot.teams.channelMessage('help', { conversationId: conversationId() });
  const added = (): Activity => bot.teams.botAdded('channel', { conversationId: conversationId() });
  const installed = (): Activity => bot.teams.installationUpdate('add', 'channel', { conversationId: conversationId() });
  const set = (a: Activity, path: string[], value: unknown): Activity => {
    const copy = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
    let at = copy;
    for (const p of path.slice(0, -1)) at = at[p] as Record<string, unknown>;
    if (value === undefined) delete at[path.at(-1)!];
    else at[path.at(-1)!] = value;
    return copy as Activity;
  };

  const refused: [string, () => Activity][] = [
    ['conversationUpdate with membersAdded "x"', () => set(added(), ['membersAdded'], 'x')],
    ['conversationUpdate with membersAdded {}', () => set(added(), ['membersAdded'], {})],
    ['conversationUpdate with membersAdded [null]', () => set(added(), ['membersAdded'], [null])],
    ['conversationUpdate with membersRemoved [null]', () => set(bot.teams.botRemoved('channel', { conversationId: conversationId() }), ['membersRemoved'], [null])],
    ['installationUpdate with action 5', () => set(installed(), ['action'], 5)],
    ['entities [{"type":"mention"}]', () => set(message(), ['entities'], [{ type: 'mention' }])],
    ['a mention entity without mentioned.id', () => set(message(), ['entities'], [{ type: 'mention', mentioned: { name: 'Coach' }, text: '<at>Coach</at>' }])],
    ['a mention whose mentioned.id is a number', () => set(message(), ['entities'], [{ type: 'mention', mentioned: { id: 5, name: 'X' }, text: '<at>X</at>' }])],
    ['from missing', () => set(message(), ['from'], undefined)],
    ['recipient missing', () => set(message(), ['recipient'], undefined)],
    ['from.id missing', () => set(message(), ['from', 'id'], undefined)],
    ['a conversation id holding a lone surrogate', () => set(message(), ['conversation', 'id'], '19:abc\ud800@thread.tacv2')],
    ['a conversation id holding NUL', () => set(message(), ['conversation', 'id'], '19:abc\u0000@thread.tacv2')],
    ['a conversation id holding a control character', () => set(message(), ['conversation', 'id'], '19:abc\u001b[2J@thread.tacv2')],
    ['from.name 5', () => set(message(), ['from', 'name'], 5)],
    [`a name over ${MAX_NAME} characters`, () => set(message(), ['from', 'name'], 'n'.repeat(MAX_NAME + 1))],
    [`a conversation id over ${MAX_ID} characters`, () => set(message(), ['conversation', 'id'], `19:${'c'.repeat(MAX_ID)}@thread.tacv2`)],
    [`a user id over ${MAX_ID} characters`, () => set(message(), ['from', 'id'], `29:${'u'.repeat(MAX_ID)}`)],
    [`an activity id over ${MAX_ID} characters`, () => set(message(), ['id'], '1'.repeat(MAX_ID + 1))],
    ['a serviceUrl of javascript:', () => set(message(), ['serviceUrl'], 'javascript:alert(1)')],
    ['a serviceUrl of data:', () => set(message(), ['serviceUrl'], 'data:text/html,<script>alert(1)</script>')],
    ['a serviceUrl of file:', () => set(message(), ['serviceUrl'], 'file:///etc/passwd')],
    ['a serviceUrl of ftp:', () => set(message(), ['serviceUrl'], 'ftp://example.com/')],
    ['a plain http serviceUrl that is not loopback', () => set(message(), ['serviceUrl'], 'http://smba.example.com/amer/')],
    ['a serviceUrl with credentials in it', () => set(message(), ['serviceUrl'], 'https://user:pw@smba.trafficmanager.net/amer/')],
    ['conversation.tenantId and channelData.tenant.id that disagree', () => set(message(), ['channelData', 'tenant', 'id'], randomUUID())],
    ['an invoke without a name', () => set(bot.teams.cardAction('anything', {}, { conversationId: conversationId() }), ['name'], undefined)],
    ['a timestamp that is not a date', () => set(message(), ['timestamp'], 'yesterday')],
    ['a lone surrogate deep in a message action payload (made the connector URL encoding throw)', () => {
      const fetch = bot.teams.messageActionFetch('saveStory', { id: '1', html: '<p>x</p>', from: { id: '29:x', name: 'X', aadObjectId: 'aad-x' } }, { conversationId: conversationId() });
      return set(fetch, ['value', 'messagePayload', 'from', 'user', 'id'], 'a\udc00b');
    }],
    ['a card submit nested deeper than the bound', () => {
      let deep: Record<string, unknown> = { x: 1 };
      for (let i = 0; i < 40; i++) deep = { d: deep };
      return set(message(), ['value'], deep);
    }],
  ];

  test.each(refused)('when an activity comes with %s, then the answer is 400 and nothing is processed, stored or posted', async (_name, build) => {
    const activity = build();
    const processedBefore = await rowCount(PROCESSED_TABLE);
    const conversationsBefore = await rowCount(CONVERSATIONS_TABLE);
    const res = await bot.send(activity);
    expect(res).toEqual({ status: 400, body: { error: 'The request body is not an activity this bot accepts.' } });
    expect(bot.connector.activities).toHaveLength(0);
    expect(await rowCount(PROCESSED_TABLE)).toBe(processedBefore);
    expect(await rowCount(CONVERSATIONS_TABLE)).toBe(conversationsBefore);
    const events = lines.map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toContain('http.bad_activity');
    expect(events).not.toContain('turn.failed');
  });

  test('when ids and names are exactly at their bounds, then the message is answered as usual', async () => {
    const longConversation = `19:${'c'.repeat(MAX_ID - 20)}@thread.tacv2`;
    const activity = set(set(bot.teams.channelMessage('help', { conversationId: longConversation }), ['from', 'name'], 'n'.repeat(MAX_NAME)), ['id'], '9'.repeat(MAX_ID));
    const res = await bot.send(activity);
    expect(res.status).toBe(200);
    expect(bot.connector.posts(longConversation)).toHaveLength(1);
  });

  test('when tenant ids agree but differ in case, then the activity is accepted', async () => {
    const activity = set(message(), ['channelData', 'tenant', 'id'], TENANT.toUpperCase());
    expect((await bot.send(activity)).status).toBe(200);
    expect(bot.connector.posts()).toHaveLength(1);
  });

  test.each(['typing', 'messageReaction', 'endOfConversation', 'event', 'x'.repeat(60)])(
    'when an activity of a type the bot does not handle (%s) comes, then it is answered 200 and ignored',
    async (type) => {
      const processedBefore = await rowCount(PROCESSED_TABLE);
      const res = await bot.send(set(message(), ['type'], type));
      expect(res.status).toBe(200);
      expect(bot.connector.activities).toHaveLength(0);
      expect(await rowCount(PROCESSED_TABLE)).toBe(processedBefore);
    },
  );

  test('when the body has no activity type, then the answer is 400', async () => {
    expect((await bot.send(set(message(), ['type'], undefined))).status).toBe(400);
    expect((await bot.send(set(message(), ['type'], 5))).status).toBe(400);
    expect((await bot.send([message()] as unknown as Activity)).status).toBe(400);
    expect(bot.connector.activities).toHaveLength(0);
  });

  test('when the body is not JSON, then /api/messages answers 415 and reads nothing', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await fetch(`${bot.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': type }, body: 'type=message&text=help' });
      expect(res.status).toBe(415);
    }
    const none = await fetch(`${bot.app.url}/api/messages`, { method: 'POST', body: new Uint8Array(Buffer.from(JSON.stringify(message()))) });
    expect(none.status).toBe(415);
    expect(bot.connector.activities).toHaveLength(0);
  });

  test('when JSON comes with a charset parameter, then it is accepted', async () => {
    const res = await fetch(`${bot.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(message()) });
    expect(res.status).toBe(200);
  });

  test('when the body is larger than the limit, then the answer is 413 and nothing is posted', async () => {
    const activity = { ...message(), text: 'x'.repeat(MAX_BODY_BYTES) };
    const res = await bot.send(activity);
    expect(res.status).toBe(413);
    expect(bot.connector.activities).toHaveLength(0);
  });

  test('when the body is not valid JSON, then the answer is 400', async () => {
    const res = await postJson(`${bot.app.url}/api/messages`, '{"type": "message", ');
    expect(res.status).toBe(400);
  });

  test('when any route answers (ok, refused, unknown, wrong method), then it carries the security headers', async () => {
    const answers = [
      await fetch(`${bot.app.url}/healthz`),
      await fetch(`${bot.app.url}/readyz`),
      await fetch(`${bot.app.url}/nowhere`),
      await fetch(`${bot.app.url}/api/messages`),
      await fetch(`${bot.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      await fetch(`${bot.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      await fetch(`${bot.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message()) }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 405, 415, 400, 200]);
    for (const a of answers) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect([a.url, name, a.headers.get(name)]).toEqual([a.url, name, value]);
    }
  });
});
