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
  /** Everything written to the console or to stderr, other than the JSON logger (which writes to stdout). */
  const stray: string[] = [];
  let spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    // botbuilder prints verification failures with console.error (the JWKS, the audience...):
    // the bot routes them to its logger. Whatever still reaches the console or stderr is recorded.
    spies = [
      ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) =>
        jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
          stray.push(`console.${m}: ${args.map((a) => (a instanceof Error ? a.name : String(a))).join(' ').slice(0, 200)}`);
        }),
      ),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        // The one known line: Node's warning that restify 11 (via spdy) uses process.binding,
        // printed once when restify loads (see STACK.md), not by any request.
        if (/^\(node:\d+\) \[DEP0111\] DeprecationWarning/.test(String(chunk))) return true;
        stray.push(`stderr: ${String(chunk).slice(0, 200)}`);
        return true;
      }),
    ];
    authority = await new OpenIdAuthority(undefined, [newSigningKey(['msteams']), webchatOnlyKey]).start();
    credentials = new FixedTokenCredentialsFactory(APP_ID, APP_PASSWORD);
    bot = await startTestBot({ env: authSettings(authority, APP_ID, APP_PASSWORD), deps: { credentialsFactory: credentials } });
  });
  afterAll(async () => {
    await bot.close();
    await authority.stop();
    for (const spy of spies) spy.mockRestore();
  });

  afterEach(() => {
    // Forged, expired, emulator-issued or otherwise: nothing reaches stderr outside the logger.
    expect(stray).toEqual([]);
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

  // Tokens with the Bot Framework Emulator's issuers, and the same forms for other tenants: Teams
  // never sends them. botbuilder checked them against the public cloud's emulator metadata
  // (ignoring BOT_OPENID_METADATA_URL) and answered 500 when that fetch failed.
  const EMULATOR_TENANT = 'd6d49420-f39b-4df7-a1dc-d59a935871db';
  const otherTenant = randomUUID();
  const emulatorIssuers: [string, string, string][] = [
    ['v1, the emulator tenant', `https://sts.windows.net/${EMULATOR_TENANT}/`, '1.0'],
    ['v2, the emulator tenant', `https://login.microsoftonline.com/${EMULATOR_TENANT}/v2.0`, '2.0'],
    ['v1, another tenant', `https://sts.windows.net/${otherTenant}/`, '1.0'],
    ['v2, another tenant', `https://login.microsoftonline.com/${otherTenant}/v2.0`, '2.0'],
  ];
  const emulatorCases = emulatorIssuers.flatMap(([form, iss, ver]) => [
    [`an emulator-issuer token (${form}) signed by a published key`, iss, ver, 'published'] as const,
    [`an emulator-issuer token (${form}) signed by a forger's key`, iss, ver, 'forged'] as const,
    [`a skill-shaped token (${form}: another bot's appid, this bot as audience)`, iss, ver, 'skill'] as const,
  ]);

  test.each(emulatorCases)('when a message comes with %s, then the answer is 401, quietly, and no metadata is fetched for it', async (_name, iss, ver, kind) => {
    const activity = channelMessage('help');
    const tid = iss.includes(EMULATOR_TENANT) ? EMULATOR_TENANT : otherTenant;
    const appClaim = ver === '1.0' ? 'appid' : 'azp';
    const caller = kind === 'skill' ? randomUUID() : APP_ID;
    const fetchesBefore = authority.requests.length;
    const authorization = authority.bearer(APP_ID, bot.connector.url, {
      key: kind === 'forged' ? forgersKey : undefined,
      kid: kind === 'forged' ? authority.keys[0]!.kid : undefined,
      claims: { iss, ver, tid, [appClaim]: caller },
    });
    const res = await bot.send(activity, { authorization });
    expect(res).toEqual({ status: 401, body: { error: 'Unauthorized.' } });
    expect(authority.requests.length).toBe(fetchesBefore);
    expect(bot.connector.activities).toHaveLength(0);
    expect(await storedRowsFor(activity)).toBe(0);
  });

  test('when a valid token comes for an activity whose plain-http service URL is not a test setting, then the door refuses it (400), after authentication', async () => {
    const dev = await startTestBot({
      env: { ...authSettings(authority, APP_ID, APP_PASSWORD), NODE_ENV: 'development' },
      deps: { credentialsFactory: new FixedTokenCredentialsFactory(APP_ID, APP_PASSWORD) },
      connector: bot.connector,
    });
    try {
      const activity = dev.teams.channelMessage('help', { conversationId: `19:auth-http-${randomUUID()}@thread.tacv2` });
      expect((await dev.send(activity)).status).toBe(401);
      const res = await dev.send(activity, { authorization: authority.bearer(APP_ID, bot.connector.url) });
      expect(res.status).toBe(400);
      expect(bot.connector.activities).toHaveLength(0);
      expect(await storedRowsFor(activity)).toBe(0);
    } finally {
      await dev.close();
    }
  });

  test('when a forged request carries an invoke name of 100,000 characters, then every log line stays short', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../src/log');
    const logged = await startTestBot({
      env: authSettings(authority, APP_ID, APP_PASSWORD),
      deps: { credentialsFactory: new FixedTokenCredentialsFactory(APP_ID, APP_PASSWORD), log: createLogger('debug', {}, (l) => lines.push(l)) },
      connector: bot.connector,
    });
    try {
      const activity = { ...logged.teams.cardAction('x', {}), name: 'n'.repeat(100_000) };
      expect((await logged.send(activity, { authorization: 'Bearer forged' })).status).toBe(401);
      const signed = await logged.send(activity, { authorization: authority.bearer(APP_ID, bot.connector.url) });
      expect(signed.status).toBe(400);
      expect(lines.length).toBeGreaterThan(0);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(3000);
    } finally {
      await logged.close();
    }
  });

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
