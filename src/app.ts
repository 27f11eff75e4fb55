import type restify from 'restify';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { features as allFeatures, tablesOf } from './features/index';
import type { Feature, FeatureHost, RunningFeature } from './features/feature';
import { JOB_RUNS_TABLE } from './jobs/claims';
import { CONTRIBUTIONS_TABLE } from './people/contributions';
import { ORGANIZERS_TABLE } from './people/organizers';
import { createLogger, type Logger } from './log';
import { createServer } from './server';
import { openStore, storeOptionsFrom, type Store } from './store/tables';
import { createBot, CORE_TABLES, type Bot, type OutboundCredentials } from './teams/bot';
import { BotEvents } from './teams/events';
import { PROCESSED_TABLE } from './teams/middleware';
import { JOB_RUNS_RETENTION_MS, PROCESSED_RETENTION_MS, sweepJob } from './jobs/sweep';

/**
 * Assembles the running product from its parts: used by main.ts, by the tests (in-process, on
 * port 0) and by the benchmark, so all three run the same wiring. The Teams edge (createBot)
 * is built first; each feature's factory then registers through its door; close() stops the
 * scheduler, every feature (the agenda's card coalescer) and the server.
 */
export interface AppDeps {
  clock?: Clock;
  log?: Logger;
  features?: readonly Feature[];
  credentialsFactory?: OutboundCredentials;
}

export interface RunningApp {
  config: Config;
  store: Store;
  bot: Bot;
  /** What every feature was built with (tests and the bench reach features' internals through it). */
  host: FeatureHost;
  server: restify.Server;
  url: string;
  close(): Promise<void>;
}

export interface AssembledBot {
  store: Store;
  bot: Bot;
  host: FeatureHost;
  /** Stops the scheduler and every feature. */
  stop(): Promise<void>;
}

/** Store, Teams edge and features, without the HTTP server (`npm run digest` uses this alone). */
export async function assembleBot(config: Config, deps: AppDeps & { log: Logger }): Promise<AssembledBot> {
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const features = deps.features ?? allFeatures;
  const store = await openStore(storeOptionsFrom(config), [...CORE_TABLES, JOB_RUNS_TABLE, CONTRIBUTIONS_TABLE, ORGANIZERS_TABLE, ...tablesOf(features)]);
  const bot = createBot({ config, store, log, clock, credentialsFactory: deps.credentialsFactory });
  bot.jobs.add(
    sweepJob({
      claimsTable: store.table(JOB_RUNS_TABLE),
      log,
      targets: [
        { name: PROCESSED_TABLE, table: store.table(PROCESSED_TABLE), field: 'at', retentionMs: PROCESSED_RETENTION_MS },
        { name: JOB_RUNS_TABLE, table: store.table(JOB_RUNS_TABLE), field: 'leaseUntil', retentionMs: JOB_RUNS_RETENTION_MS },
      ],
    }),
  );
  const host: FeatureHost = { door: bot.door, poster: bot.poster, store, config, log, clock, events: new BotEvents(), web: [] };
  const running: RunningFeature[] = features.map((f) => f.create(host));
  return {
    store,
    bot,
    host,
    async stop() {
      await bot.jobs.stop();
      await Promise.all(running.map((f) => f.stop()));
    },
  };
}

export async function startApp(config: Config, deps: AppDeps = {}): Promise<RunningApp> {
  const log = deps.log ?? createLogger(config.logLevel, { service: 'network-coach' });
  const features = deps.features ?? allFeatures;
  const assembled = await assembleBot(config, { ...deps, log });
  const { store, bot, host } = assembled;
  const server = createServer({ bot, store, log, routes: host.web });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, () => resolve()));
  const address = server.address();
  const shownHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${shownHost}:${address.port}`;
  config.links.publicUrl ??= url;
  if (config.scheduler.enabled) bot.jobs.start(config.scheduler.intervalSeconds * 1000);
  log.info('app.started', { port: address.port, features: features.map((f) => f.name).join(','), auth: Boolean(config.bot.appId) });
  return {
    config,
    store,
    bot,
    host,
    server,
    url,
    async close() {
      await assembled.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
