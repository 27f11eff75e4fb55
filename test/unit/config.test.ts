import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, loadConfig, settingNames, settingsShape } from '../../src/config';

/**
 * Configuration: one schema, documented in .env.example; a bad or missing setting stops start-up
 * with a readable list of everything that is wrong, and a non-zero exit.
 */
const ROOT = path.resolve(__dirname, '../..');
const AZURITE_DEV = 'UseDevelopmentStorage=true';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('when only storage is set, then every other setting takes its default', () => {
    const c = loadConfig({ STORAGE_CONNECTION_STRING: AZURITE_DEV });
    expect(c).toMatchObject({
      env: 'development',
      port: 3978,
      host: '0.0.0.0',
      logLevel: 'info',
      bot: { appId: undefined, appPassword: undefined, appType: 'MultiTenant' },
      allowedTenants: [],
      storage: { connectionString: AZURITE_DEV, tablePrefix: 'coach' },
      scheduler: { enabled: true, intervalSeconds: 60 },
    });
  });

  test('when many settings are wrong at once, then one ConfigError lists every problem, field and cross-field alike', () => {
    const env = {
      NODE_ENV: 'production',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      STORAGE_TABLE_PREFIX: '9-tables',
      SCHEDULER_ENABLED: 'yes',
      SCHEDULER_INTERVAL_SECONDS: '-5',
      MICROSOFT_APP_TYPE: 'SingleTenant',
      STORAGE_ACCOUNT_URL: 'not a url',
    };
    const problems = problemsOf(env);
    const fields = problems.map((p) => p.split(':')[0]);
    expect(new Set(fields)).toEqual(
      new Set([
        'PORT',
        'LOG_LEVEL',
        'STORAGE_TABLE_PREFIX',
        'SCHEDULER_ENABLED',
        'SCHEDULER_INTERVAL_SECONDS',
        'STORAGE_ACCOUNT_URL',
        // Cross-field problems are listed too, even though fields failed.
        'MICROSOFT_APP_ID',
        'MICROSOFT_APP_TENANT_ID',
      ]),
    );
    expect(problems).toHaveLength(new Set(problems).size);
    try {
      loadConfig(env);
    } catch (err) {
      const message = (err as Error).message;
      expect(message.split('\n')[0]).toBe('Configuration is not valid:');
      for (const p of problems) expect(message).toContain(`  - ${p}`);
    }
  });

  test('when storage is missing, then the problem says which settings would do', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^STORAGE_CONNECTION_STRING: .*STORAGE_ACCOUNT_URL/)]);
  });

  test.each([
    ['missing', {}],
    ['empty', { MICROSOFT_APP_ID: '' }],
    ['only spaces', { MICROSOFT_APP_ID: '   ' }],
  ])('when NODE_ENV=production and the bot id is %s, then start-up is refused', (_name, bot) => {
    const problems = problemsOf({ NODE_ENV: 'production', STORAGE_CONNECTION_STRING: AZURITE_DEV, ...bot });
    expect(problems).toEqual([expect.stringMatching(/^MICROSOFT_APP_ID: is required in production/)]);
  });

  test('when NODE_ENV=production with a bot id and its password, then the config loads', () => {
    const c = loadConfig({ NODE_ENV: 'production', STORAGE_CONNECTION_STRING: AZURITE_DEV, MICROSOFT_APP_ID: 'app', MICROSOFT_APP_PASSWORD: 'pw' });
    expect(c.bot).toMatchObject({ appId: 'app', appPassword: 'pw' });
  });

  test('when a bot id is set without its password, then start-up is refused (unless a managed identity is used)', () => {
    expect(problemsOf({ STORAGE_CONNECTION_STRING: AZURITE_DEV, MICROSOFT_APP_ID: 'app' })).toEqual([expect.stringMatching(/^MICROSOFT_APP_PASSWORD: is required/)]);
    expect(problemsOf({ STORAGE_CONNECTION_STRING: AZURITE_DEV, MICROSOFT_APP_ID: 'app', MICROSOFT_APP_TYPE: 'UserAssignedMSI' })).toEqual([
      expect.stringMatching(/^MICROSOFT_APP_TENANT_ID: is required when MICROSOFT_APP_TYPE=UserAssignedMSI/),
    ]);
    expect(loadConfig({ STORAGE_CONNECTION_STRING: AZURITE_DEV, MICROSOFT_APP_ID: 'app', MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_TENANT_ID: 't' }).bot.appType).toBe('UserAssignedMSI');
  });

  test('when the OpenID metadata URL is plain http in production, then start-up is refused; in test it is allowed', () => {
    const env = { STORAGE_CONNECTION_STRING: AZURITE_DEV, MICROSOFT_APP_ID: 'app', MICROSOFT_APP_PASSWORD: 'pw', BOT_OPENID_METADATA_URL: 'http://127.0.0.1:1/meta' };
    expect(problemsOf({ ...env, NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^BOT_OPENID_METADATA_URL: must be https in production/)]);
    expect(loadConfig({ ...env, NODE_ENV: 'test' }).bot.openIdMetadataUrl).toBe('http://127.0.0.1:1/meta');
    expect(loadConfig({ ...env, NODE_ENV: 'production', BOT_OPENID_METADATA_URL: 'https://login.example/meta' }).bot.openIdMetadataUrl).toBe('https://login.example/meta');
  });

  test('when settings are wrong, then the problems never repeat a secret', () => {
    const secret = 'S3cr3t-password-value';
    const problems = problemsOf({ MICROSOFT_APP_ID: 'app', MICROSOFT_APP_PASSWORD: secret, PORT: 'x', STORAGE_CONNECTION_STRING: `AccountKey=${secret}`, LOG_LEVEL: 'nope' });
    expect(problems.join('\n')).not.toContain(secret);
  });

  test('when the allow-list has spaces and empty entries, then it holds the tenant ids only', () => {
    expect(loadConfig({ STORAGE_CONNECTION_STRING: AZURITE_DEV, ALLOWED_TENANTS: ' a , ,b,' }).allowedTenants).toEqual(['a', 'b']);
  });

  test('when partner tenants are set, then they are read apart from the host tenants', () => {
    const c = loadConfig({ STORAGE_CONNECTION_STRING: AZURITE_DEV, ALLOWED_TENANTS: 'host-1', PARTNER_TENANTS: ' partner-1, partner-2 ,' });
    expect(c.allowedTenants).toEqual(['host-1']);
    expect(c.partnerTenants).toEqual(['partner-1', 'partner-2']);
  });

  test('when no partner tenants are set, then there are none', () => {
    expect(loadConfig({ STORAGE_CONNECTION_STRING: AZURITE_DEV }).partnerTenants).toEqual([]);
  });
});

describe('.env.example documents every setting', () => {
  const text = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  const lines = text.split('\n');
  const settingLine = /^([A-Z][A-Z0-9_]*)=(.*)$/;
  const documented = lines.flatMap((line, i) => {
    const m = settingLine.exec(line);
    return m ? [{ name: m[1]!, value: m[2]!, index: i }] : [];
  });

  test('when the schema and the example are compared, then each setting appears exactly once and nothing unknown is listed', () => {
    expect(documented.map((d) => d.name).sort()).toEqual([...settingNames].sort());
    // No setting hides in a commented-out line either.
    const commentedOut = lines.filter((l) => /^#\s*[A-Z][A-Z0-9_]*=/.test(l));
    expect(commentedOut).toEqual([]);
  });

  test('when a setting is listed, then a comment explains it right above', () => {
    for (const d of documented) {
      expect([d.name, lines[d.index - 1]?.startsWith('# ')]).toEqual([d.name, true]);
    }
  });

  test('when a setting has a default, then the example shows that default, in the value and in its comment', () => {
    const shape = settingsShape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
    for (const d of documented) {
      const parsed = shape[d.name]!.safeParse(undefined);
      const fallback = parsed.success ? parsed.data : undefined;
      if (fallback === undefined || (Array.isArray(fallback) && fallback.length === 0)) {
        // No default: the comment says so (empty) and, apart from the local storage, the value is empty.
        expect([d.name, commentAbove(lines, d.index)]).toEqual([d.name, expect.stringMatching(/Default: empty/)]);
        if (d.name !== 'STORAGE_CONNECTION_STRING') expect([d.name, d.value]).toEqual([d.name, '']);
        continue;
      }
      expect([d.name, d.value]).toEqual([d.name, String(fallback)]);
      expect([d.name, commentAbove(lines, d.index)]).toEqual([d.name, expect.stringContaining(`Default: ${String(fallback)}`)]);
    }
  });

  test('when the example is copied to .env as it is, then it is a valid local configuration', () => {
    const config = loadConfig(parseDotenv(text));
    expect(config.env).toBe('development');
    expect(config.storage.connectionString).toMatch(/devstoreaccount1/);
  });
});

function commentAbove(lines: string[], index: number): string {
  const out: string[] = [];
  for (let i = index - 1; i >= 0 && lines[i]!.startsWith('#'); i--) out.unshift(lines[i]!);
  return out.join(' ');
}

/** The real entry point, as `npm run start:bot` runs it. */
interface MainProcess {
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  waitForStdout(pattern: RegExp): Promise<RegExpExecArray>;
  stop(): void;
}

function startMain(env: Record<string, string>, dotenvFile: string): MainProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    // Only what is given here: neither the test runner's environment nor a developer's ./.env
    // (DOTENV_CONFIG_PATH points dotenv at the test's own file) can change the outcome.
    env: { PATH: process.env.PATH ?? '', DOTENV_CONFIG_PATH: dotenvFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60000);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    exited,
    async waitForStdout(pattern) {
      for (;;) {
        const m = pattern.exec(stdout);
        if (m) return m;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`main exited; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: () => child.kill('SIGTERM'),
  };
}

describe('the entry point (src/main.ts) as a process', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coach-config-'));
  const emptyDotenv = path.join(dir, 'empty.env');
  writeFileSync(emptyDotenv, '');

  test('when settings are bad, then it exits non-zero before listening and stderr lists every problem', async () => {
    const res = await startMain({ NODE_ENV: 'production', PORT: 'eighty', LOG_LEVEL: 'loud', MICROSOFT_APP_PASSWORD: 'pw-that-must-not-be-printed' }, emptyDotenv).exited;
    expect(res.code).toBe(2);
    expect(res.stdout).not.toMatch(/listening/);
    expect(res.stderr).toMatch(/^Configuration is not valid:/);
    for (const name of ['PORT', 'LOG_LEVEL', 'STORAGE_CONNECTION_STRING', 'MICROSOFT_APP_ID']) expect(res.stderr).toMatch(new RegExp(`^  - ${name}: `, 'm'));
    expect(res.stderr).toMatch(/See \.env\.example/);
    expect(res.stderr).not.toContain('pw-that-must-not-be-printed');
    expect(res.stderr).not.toMatch(/^\s+at /m); // a list, not a stack trace
  }, 60000);

  test('when NODE_ENV=production and the bot id is empty, then it refuses to start', async () => {
    const res = await startMain({ NODE_ENV: 'production', MICROSOFT_APP_ID: '', STORAGE_CONNECTION_STRING: AZURITE_DEV }, emptyDotenv).exited;
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^  - MICROSOFT_APP_ID: is required in production/m);
  }, 60000);

  test('when the .env file holds a bad value, then it is validated like the environment', async () => {
    const badDotenv = path.join(dir, 'bad.env');
    writeFileSync(badDotenv, 'STORAGE_CONNECTION_STRING=UseDevelopmentStorage=true\nSTORAGE_TABLE_PREFIX=no-dashes-allowed\n');
    const res = await startMain({}, badDotenv).exited;
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^  - STORAGE_TABLE_PREFIX: /m);
    // The storage setting came from the file, so it is not reported missing.
    expect(res.stderr).not.toMatch(/STORAGE_CONNECTION_STRING/);
  }, 60000);

  test('when settings are good, then it starts, answers /healthz, and exits 0 on SIGTERM', async () => {
    const storage = process.env.TEST_STORAGE_CONNECTION_STRING;
    if (!storage) throw new Error('TEST_STORAGE_CONNECTION_STRING is not set: run through jest (globalSetup starts Azurite)');
    const main = startMain(
      { NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', STORAGE_CONNECTION_STRING: storage, STORAGE_TABLE_PREFIX: `main${Date.now() % 1e6}`, SCHEDULER_ENABLED: 'false' },
      emptyDotenv,
    );
    const [, url] = await main.waitForStdout(/listening on (http:\/\/[^/\s]+)\/api\/messages/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    main.stop();
    const res = await main.exited;
    expect(res.code).toBe(0);
    // Nothing but Node's deprecation notices (restify's) on stderr.
    expect(res.stderr.split('\n').filter((l) => l.trim() && !/DeprecationWarning|--trace-deprecation/.test(l))).toEqual([]);
  }, 90000);
});
