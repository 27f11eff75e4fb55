import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config';
import { startApp, type AppDeps, type RunningApp } from '../../src/app';
import { createLogger } from '../../src/log';
import { ConnectorStandIn } from './connector';
import { TeamsBuilder, type Activity } from './activities';

/**
 * The bot started in-process on a free port over real HTTP, with real Azurite storage (from
 * globalSetup, own table prefix per bot) and its replies landing on a connector stand-in.
 */
export interface TestBot {
  app: RunningApp;
  config: Config;
  connector: ConnectorStandIn;
  teams: TeamsBuilder;
  /** POSTs an activity to /api/messages; resolves when the bot has answered the HTTP request. */
  send(activity: Activity | Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export function storageConnectionString(): string {
  const cs = process.env.TEST_STORAGE_CONNECTION_STRING;
  if (!cs) throw new Error('TEST_STORAGE_CONNECTION_STRING is not set: run the tests through jest (globalSetup starts Azurite)');
  return cs;
}

export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    STORAGE_CONNECTION_STRING: storageConnectionString(),
    STORAGE_TABLE_PREFIX: uniquePrefix(),
    SCHEDULER_ENABLED: 'false',
    ...env,
  });
}

export async function startTestBot(options: { env?: Record<string, string>; deps?: AppDeps; connector?: ConnectorStandIn } = {}): Promise<TestBot> {
  const connector = options.connector ?? (await new ConnectorStandIn().start());
  const config = testConfig(options.env);
  const app = await startApp(config, { log: createLogger(config.logLevel), ...options.deps });
  return {
    app,
    config,
    connector,
    teams: new TeamsBuilder(connector.url),
    async send(activity, headers = {}) {
      return postJson(`${app.url}/api/messages`, activity, headers);
    },
    async close() {
      await app.close();
      if (!options.connector) await connector.stop();
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the raw text
  }
  return { status: res.status, body: parsed };
}
