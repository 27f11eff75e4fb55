import { createHmac, randomUUID } from 'node:crypto';
import { startTestBot, type TestBot } from '../support/harness';
import { OpenIdAuthority, authSettings, newSigningKey } from '../support/openid';
import { FixedTokenCredentialsFactory, OUTBOUND_TOKEN } from '../support/credentials';
import { TENANT, type Activity } from '../support/activities';
import { ConversationRepo, CONVERSATIONS_TABLE } from '../../src/features/conversations/repo';
import { PROCESSED_TABLE } from '../../src/teams/middleware';
import { key } from '../../src/store/keys';
import { listPartition } from '../../src/store/tables';

/**
 * Inbound authentication for real: the bot fetches OpenID metadata and signing keys from a
 * loopback authority and verifies RS256 tokens signed here. A forged, expired or misdirected
 * token gets 401, and nothing is processed, replied or stored.
 */
const APP_ID = randomUUID();
const APP_PASSWORD = `pw-${randomUUID()}`;

const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('inbound authentication with a bot id set', () => {
  let authority: OpenIdAuthority;
  let credentials: FixedTokenCredentialsFactory;
  let bot: TestBot;
  /** Published, but endorsed for another channel only. */
  const webchatOnlyKey = newSigningKey(['webchat']);
  /** Never published: a forger's key. */
  const forgersKey = newSigningKey(['msteams']);
  let consoleError: jest.SpyInstance;

  beforeAll(async () => {
    // botbuilder prints verification failures with console.error; keep the test output readable.
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    authority = await new OpenIdAuthority(undefined, [newSigningKey(['msteams']), webchatOnlyKey]).start();
    credentials = new FixedTokenCredentialsFactory(APP_ID, APP_PASSWORD);
    bot = await startTestBot({ env: authSettings(authority, APP_ID, APP_PASSWORD), deps: { credentialsFactory: credentials } });
  });
  afterAll(async () => {
    await bot.close();
    await authority.stop();
    consoleError.mockRestore();
  });
  beforeEach(() => bot.connector.reset());

  const channelMessage = (text: string): Activity => bot.teams.channelMessage(text, { conversationId: `19:auth-${randomUUID()}@thread.tacv2` });

  async function storedRowsFor(activity: Activity): Promise<number> {
    const conversationId = (activity.conversation as { id: string }).id;
    const processed = await listPartition(bot.app.store.table(PROCESSED_TABLE), key(TENANT, conversationId));
    const conversation = await new ConversationRepo(bot.app.store.table(CONVERSATIONS_TABLE)).get(TENANT, conversationId);
    return processed.length + (conversation ? 1 : 0);
  }

  test('when a message carries a valid channel token, then it is processed and the reply carries the outbound token', async () => {
    const activity = channelMessage('help');
    const res = await bot.send(activity, { authorization: authority.bearer(APP_ID, bot.connector.url) });
    expect(res.status).toBe(200);
    const posts = bot.connector.posts((activity.conversation as { id: string }).id);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.authorization).toBe(`Bearer ${OUTBOUND_TOKEN}`);
    // The metadata and keys really came from the loopback authority.
    expect(authority.requests.some((r) => r.endsWith('/.well-known/openidconfiguration'))).toBe(true);
    expect(authority.requests.some((r) => r.endsWith('/keys'))).toBe(true);
    // The outbound token was asked for the Bot Framework's scope and login endpoint, for this bot.
    expect(credentials.requests.at(-1)).toEqual({
      appId: APP_ID,
      audience: 'https://api.botframework.com',
      loginEndpoint: 'https://login.microsoftonline.com/botframework.com',
      validateAuthority: true,
    });
    expect(await storedRowsFor(activity)).toBeGreaterThan(0);
  });

  const now = (): number => Math.floor(Date.now() / 1000);
  const forged: [string, (serviceUrl: string) => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['an empty Authorization header', () => ''],
    ['a Basic scheme instead of Bearer', () => `Basic ${Buffer.from(`${APP_ID}:${APP_PASSWORD}`).toString('base64')}`],
    ['a bearer value that is not a JWT', () => 'Bearer not-a-token'],
    ['a token signed by a key the authority never published (same kid)', (s) => authority.bearer(APP_ID, s, { key: forgersKey, kid: authority.keys[0]!.kid })],
    ['a token whose signature was tampered with', (s) => {
      const [h, p, sig] = authority.token(APP_ID, s).split('.');
      const flipped = (sig![0] === 'A' ? 'B' : 'A') + sig!.slice(1);
      return `Bearer ${h}.${p}.${flipped}`;
    }],
    ['a token whose claims were changed after signing', (s) => {
      const [h, , sig] = authority.token('another-app', s).split('.');
      const p = b64url({ iss: authority.issuer, aud: APP_ID, serviceurl: s, exp: now() + 3600 });
      return `Bearer ${h}.${p}.${sig}`;
    }],
    ['an expired token', (s) => authority.bearer(APP_ID, s, { expiresIn: -3600 })],
    ['a token not valid yet', (s) => authority.bearer(APP_ID, s, { claims: { nbf: now() + 3600 } })],
    ['a token for another bot (wrong audience)', (s) => authority.bearer(randomUUID(), s)],
    ['a token without an audience', (s) => authority.bearer(APP_ID, s, { claims: { aud: undefined } })],
    ['a token from another issuer', (s) => authority.bearer(APP_ID, s, { claims: { iss: 'https://evil.example.com/' } })],
    ['a token without an issuer', (s) => authority.bearer(APP_ID, s, { claims: { iss: undefined } })],
    ['a token issued for another service URL (replies would go elsewhere)', () => authority.bearer(APP_ID, 'https://smba.trafficmanager.net/emea/')],
    ['a token signed by a key endorsed for another channel only', (s) => authority.bearer(APP_ID, s, { key: webchatOnlyKey })],
    ['a token naming a key id the authority does not publish', (s) => authority.bearer(APP_ID, s, { kid: 'unknown-kid' })],
    ['an unsigned token (alg none)', (s) => {
      const h = b64url({ alg: 'none', typ: 'JWT', kid: authority.keys[0]!.kid });
      const p = b64url({ iss: authority.issuer, aud: APP_ID, serviceurl: s, exp: now() + 3600 });
      return `Bearer ${h}.${p}.`;
    }],
    ['an HS256 token keyed with the public key (algorithm confusion)', (s) => {
      const pem = authority.keys[0]!.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const h = b64url({ alg: 'HS256', typ: 'JWT', kid: authority.keys[0]!.kid });
      const p = b64url({ iss: authority.issuer, aud: APP_ID, serviceurl: s, exp: now() + 3600 });
      return `Bearer ${h}.${p}.${createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url')}`;
    }],
  ];

  test.each(forged)('when a message comes with %s, then the answer is 401 and nothing is processed or stored', async (_name, header) => {
    const activity = channelMessage('help');
    const value = header(bot.connector.url);
    const res = await bot.send(activity, value === undefined ? {} : { authorization: value });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'Unauthorized.' });
    expect(bot.connector.activities).toHaveLength(0);
    expect(await storedRowsFor(activity)).toBe(0);
  });

  test('when an install event comes without a token, then no welcome is posted and the conversation is not registered', async () => {
    const conversationId = `19:auth-install-${randomUUID()}@thread.tacv2`;
    const activity = bot.teams.botAdded('channel', { conversationId, teamId: conversationId });
    const res = await bot.send(activity);
    expect(res.status).toBe(401);
    expect(bot.connector.activities).toHaveLength(0);
    expect(await storedRowsFor(activity)).toBe(0);
  });

  test('when the bot posts outside a turn (a scheduled post), then the post carries the outbound token too', async () => {
    const conversationId = `19:auth-proactive-${randomUUID()}@thread.tacv2`;
    const reference = { serviceUrl: bot.connector.url, channelId: 'msteams', conversation: { id: conversationId, isGroup: true, conversationType: 'channel', name: '' } };
    await bot.app.host.poster.post(reference, { text: 'scheduled' });
    const posts = bot.connector.posts(conversationId);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.authorization).toBe(`Bearer ${OUTBOUND_TOKEN}`);
    expect(credentials.requests.at(-1)).toMatchObject({ appId: APP_ID, audience: 'https://api.botframework.com' });
  });

  test('when the signing keys cannot be fetched, then requests are refused, not processed (fail closed)', async () => {
    const unreachable = await new OpenIdAuthority(authority.issuer, authority.keys).start();
    const metadataUrl = unreachable.metadataUrl;
    await unreachable.stop();
    const closed = await startTestBot({
      env: { ...authSettings(authority, APP_ID, APP_PASSWORD), BOT_OPENID_METADATA_URL: metadataUrl },
      deps: { credentialsFactory: new FixedTokenCredentialsFactory(APP_ID, APP_PASSWORD) },
      connector: bot.connector,
    });
    try {
      const res = await closed.send(channelMessage('help'), { authorization: authority.bearer(APP_ID, bot.connector.url) });
      // The bot cannot check the token: a server-side failure (Teams retries), never a 2xx.
      expect(res).toEqual({ status: 500, body: { error: 'Internal error.' } });
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
      expect(bot.connector.activities).toHaveLength(0);
    } finally {
      await closed.close();
    }
  });

  test('when a valid token is replayed for the same activity, then it is still processed only once', async () => {
    const activity = channelMessage('help');
    const authorization = authority.bearer(APP_ID, bot.connector.url);
    expect((await bot.send(activity, { authorization })).status).toBe(200);
    expect((await bot.send(activity, { authorization })).status).toBe(200);
    expect(bot.connector.posts()).toHaveLength(1);
  });
});
