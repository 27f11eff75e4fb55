import { randomUUID } from 'node:crypto';
import { startTestBot, postJson, type TestBot } from '../support/harness';
import { OpenIdAuthority, authSettings } from '../support/openid';
import { FixedTokenCredentialsFactory, OUTBOUND_TOKEN } from '../support/credentials';
import { CHANNEL, type Activity } from '../support/activities';
import { createLogger } from '../../src/log';
import { features } from '../../src/features/index';
import type { Feature } from '../../src/features/feature';
import { UserError } from '../../src/errors';

/**
 * Logs are JSON lines with an event, a time and, for errors, a correlation id; they never carry
 * what people wrote nor secrets. The bot runs with authentication on (so the app password is in
 * its settings) and every message carries a unique phrase that must not appear in any line.
 */
const SECRET = `zebra-${randomUUID()}-phrase`;
const APP_ID = randomUUID();
const APP_PASSWORD = `app-password-${randomUUID()}`;
const FAILING_CHANNEL = '19:logging-failing-channel@thread.tacv2';

const leakyFeature: Feature = {
  name: 'leaky-for-tests',
  tables: [],
  create(host) {
    host.door.command({
      name: 'crash',
      usage: 'crash <text>',
      summary: 'Throws an error whose message holds what the person wrote.',
      group: 'Tests',
      async handle(_turn, args) {
        throw new Error(`could not save "${args}"`);
      },
    });
    host.door.command({
      name: 'deny',
      usage: 'deny <text>',
      summary: 'Throws a UserError quoting the person.',
      group: 'Tests',
      async handle(_turn, args) {
        throw new UserError(`No: ${args}`);
      },
    });
    return { stop: async () => undefined };
  },
};

describe('structured logs', () => {
  const lines: string[] = [];
  const consoleOutput: string[] = [];
  let authority: OpenIdAuthority;
  let credentials: FixedTokenCredentialsFactory;
  let bot: TestBot;
  let adapterFailure: { status: number; body: unknown };
  let spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    // botbuilder writes some failures with console.*: capture those too, they must not leak either.
    spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        consoleOutput.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      }),
    );
    authority = await new OpenIdAuthority().start();
    bot = await startTestBot({
      env: authSettings(authority, APP_ID, APP_PASSWORD),
      deps: {
        log: createLogger('debug', { service: 'network-coach' }, (line) => lines.push(line)),
        credentialsFactory: (credentials = new FixedTokenCredentialsFactory(APP_ID, APP_PASSWORD)),
        features: [...features, leakyFeature],
      },
    });

    const signed = (a: Activity): Promise<{ status: number; body: unknown }> => bot.send(a, { authorization: authority.bearer(APP_ID, bot.connector.url) });
    // A command that works, an unknown command, a person's error, an internal error quoting the
    // person, a reply the connector refuses with 500, a card submit, a forged request, a malformed body.
    expect((await signed(bot.teams.channelMessage(`help ${SECRET}`))).status).toBe(200);
    expect((await signed(bot.teams.channelMessage(`${SECRET} please`))).status).toBe(200);
    expect((await signed(bot.teams.personalMessage(`deny ${SECRET}`))).status).toBe(200);
    expect((await signed(bot.teams.channelMessage(`crash ${SECRET}`))).status).toBe(200);
    bot.connector.failConversation(FAILING_CHANNEL, 500);
    expect((await signed(bot.teams.channelMessage(`help ${SECRET}`, { conversationId: FAILING_CHANNEL }))).status).toBe(200);
    expect((await signed(bot.teams.cardSubmit({ verb: SECRET, note: SECRET }))).status).toBe(200);
    expect((await bot.send(bot.teams.channelMessage(`help ${SECRET}`), { authorization: `Bearer ${SECRET}` })).status).toBe(401);
    // Authentication comes before the door: unsigned, a malformed body is 401; signed (for that
    // service URL), it is 400.
    const malformed = { type: 'message', text: SECRET, serviceUrl: SECRET, channelId: 'msteams' };
    expect((await postJson(`${bot.app.url}/api/messages`, malformed)).status).toBe(401);
    expect((await postJson(`${bot.app.url}/api/messages`, malformed, { authorization: authority.bearer(APP_ID, SECRET) })).status).toBe(400);
    // The adapter fails before any turn starts (no outbound credentials): CloudAdapter would
    // answer 500 with the error's message as the body.
    credentials.failure = new Error('identity provider unreachable at https://login.internal.example/tenant-x');
    adapterFailure = await signed(bot.teams.channelMessage(`help ${SECRET}`));
    credentials.failure = undefined;
  }, 60000);

  afterAll(async () => {
    await bot.close();
    await authority.stop();
    for (const s of spies) s.mockRestore();
  });

  const parsed = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  test('when the bot has worked and failed, then every line is one JSON object with an event, a level and a time', () => {
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).not.toContain('\n');
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(typeof entry.event).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(entry.level);
      expect(new Date(String(entry.time)).toISOString()).toBe(entry.time);
      // Flat: values are plain scalars, never nested objects that could carry a whole activity.
      for (const value of Object.values(entry)) expect(['string', 'number', 'boolean']).toContain(typeof value);
    }
  });

  test('when something failed, then every error line carries a correlation id', () => {
    const errors = parsed().filter((e) => e.level === 'error');
    expect(errors.map((e) => e.event)).toEqual(expect.arrayContaining(['turn.failed', 'turn.reply_failed']));
    for (const e of errors) expect([e.event, e.correlationId]).toEqual([e.event, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });

  test('when a person was told "something went wrong", then the ref they saw finds the error in the logs', () => {
    const apology = bot.connector.texts(CHANNEL).find((t) => t.includes('(ref '));
    const ref = /\(ref ([0-9a-f]{8})\)/.exec(apology ?? '')?.[1];
    expect(ref).toBeDefined();
    const failed = parsed().filter((e) => e.event === 'turn.failed' && String(e.correlationId).startsWith(ref!));
    expect(failed).toHaveLength(1);
  });

  test('when the logs are read, then they hold neither what people wrote nor the app password', () => {
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain(APP_PASSWORD);
    expect(lines.join('\n')).not.toContain(OUTBOUND_TOKEN);
    expect(consoleOutput.join('\n')).not.toContain(SECRET);
    expect(consoleOutput.join('\n')).not.toContain(APP_PASSWORD);
  });

  test('when a request is refused, then the refusal is logged with its status but without the token', () => {
    const refusals = parsed().filter((e) => e.event === 'http.unauthorized' || e.event === 'http.bad_activity');
    expect(refusals.map((e) => e.event).sort()).toEqual(['http.bad_activity', 'http.unauthorized', 'http.unauthorized']);
    expect(refusals.find((e) => e.event === 'http.unauthorized')).toMatchObject({ level: 'warn', status: 401 });
  });

  test('when the adapter fails outside a turn, then the answer is a bare 500 and the error line carries a correlation id', () => {
    expect(adapterFailure).toEqual({ status: 500, body: { error: 'Internal error.' } });
    const serverError = parsed().filter((e) => e.event === 'http.server_error');
    expect(serverError).toHaveLength(1);
    expect(serverError[0]).toMatchObject({ level: 'error', status: 500, correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(lines.join('\n')).not.toContain('login.internal.example');
  });
});
