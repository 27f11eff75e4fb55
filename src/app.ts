import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import type restify from 'restify';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { features as allFeatures, tablesOf } from './features/index';
import type { Feature } from './features/feature';
import { JOB_RUNS_TABLE } from './jobs/claims';
import { CONTRIBUTIONS_TABLE } from './features/contributions/repo';
import { ORGANIZERS_TABLE } from './features/organizers/repo';
import { createLogger, type Logger } from './log';
import { createServer } from './server';
import { createDownloads } from './features/insights/downloads';
import { personalDataOf } from './features/insights/privacy';
import { openStore, storeOptionsFrom, type Store } from './store/tables';
import { createBot, CORE_TABLES, type Bot } from './teams/bot';

/**
 * Assembles the running product from its parts: used by main.ts, by the tests (in-process, on
 * port 0) and by the benchmark, so all three run the same wiring.
 */
export interface AppDeps {
  clock?: Clock;
  log?: Logger;
  features?: readonly Feature[];
  credentialsFactory?: ServiceClientCredentialsFactory;
}

export interface RunningApp {
  config: Config;
  store: Store;
  bot: Bot;
  server: restify.Server;
  url: string;
  close(): Promise<void>;
}

export async function startApp(config: Config, deps: AppDeps = {}): Promise<RunningApp> {
  const log = deps.log ?? createLogger(config.logLevel, { service: 'network-coach' });
  const clock = deps.clock ?? systemClock;
  const features = deps.features ?? allFeatures;
  const store = await openStore(storeOptionsFrom(config), [...CORE_TABLES, JOB_RUNS_TABLE, CONTRIBUTIONS_TABLE, ORGANIZERS_TABLE, ...tablesOf(features)]);
  const bot = createBot({ config, store, log, clock, features, credentialsFactory: deps.credentialsFactory });
  const server = createServer({ bot, store, log, downloads: createDownloads({ store, config, clock, log, personalData: personalDataOf(store, clock) }) });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, () => resolve()));
  const address = server.address();
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${address.port}`;
  config.links.publicUrl ??= url;
  if (config.scheduler.enabled) bot.host.jobs.start(config.scheduler.intervalSeconds * 1000);
  log.info('app.started', { port: address.port, features: features.map((f) => f.name).join(','), auth: Boolean(config.bot.appId) });
  return {
    config,
    store,
    bot,
    server,
    url,
    async close() {
      await bot.host.jobs.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
