import type restify from 'restify';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { features as allFeatures, tablesOf } from './features/index';
import type { Feature, FeatureHost, RunningFeature } from './features/feature';
import { JOB_RUNS_TABLE } from './jobs/claims';
import { InstanceRegistry, INSTANCES_TABLE } from './jobs/instances';
import { Drain, within } from './lifecycle/drain';
import { CONTRIBUTIONS_TABLE } from './people/contributions';
import { ORGANIZERS_TABLE } from './people/organizers';
import { createLogger, errorFields, type Logger } from './log';
import { createServer } from './server';
import { openStore, storeOptionsFrom, type Store } from './store/tables';
import { createBot, CORE_TABLES, type Bot, type OutboundCredentials } from './teams/bot';
import { BotEvents } from './teams/events';
import { PROCESSED_TABLE } from './teams/middleware';
import { INSTANCES_RETENTION_MS, JOB_RUNS_RETENTION_MS, PROCESSED_RETENTION_MS, sweepJob, UPDATE_SLOTS_RETENTION_MS } from './jobs/sweep';
import { UPDATE_SLOTS_TABLE } from './jobs/updateSlots';
import { createOutboundHttp, type OutboundHttp, type OutboundOptions } from './teams/http';

/**
 * Assembles the running product from its parts: used by main.ts, by the tests (in-process, on
 * port 0) and by the benchmark, so all three run the same wiring. The Teams edge (createBot)
 * is built first; each feature's factory then registers through its door; close() drains: new
 * requests get 503, turns, jobs and features' pending work (the agenda's card updates) finish up
 * to SHUTDOWN_DRAIN_SECONDS, the heartbeat row is deleted, the server closes.
 */
export interface AppDeps {
  clock?: Clock;
  log?: Logger;
  features?: readonly Feature[];
  credentialsFactory?: OutboundCredentials;
  /** Calls to Teams: keep-alive (default on; the benchmark compares without), a trusted test CA. */
  outbound?: OutboundOptions;
}

export interface RunningApp {
  config: Config;
  store: Store;
  bot: Bot;
  /** What every feature was built with (tests and the bench reach features' internals through it). */
  host: FeatureHost;
  server: restify.Server;
  url: string;
  instances: InstanceRegistry;
  drain: Drain;
  /**
   * Drains and stops: new requests get 503, turns and jobs in flight finish (up to
   * SHUTDOWN_DRAIN_SECONDS), the heartbeat row is deleted, the server closes. True when
   * everything finished in time.
   */
  close(): Promise<boolean>;
}

export interface AssembledBot {
  store: Store;
  bot: Bot;
  host: FeatureHost;
  /** This process's heartbeat (started); stop it after `stop()` so the others take over its share. */
  instances: InstanceRegistry;
  /** The keep-alive agents for calls to Teams: destroy them last, once nothing more is sent. */
  outbound: OutboundHttp;
  /** Stops the scheduler (waiting for passes in progress) and every feature. */
  stop(): Promise<void>;
  /** At the drain deadline: every feature gives back the work it holds and did not finish. */
  release(): Promise<void>;
}

/** Store, Teams edge and features, without the HTTP server (`npm run digest` uses this alone). */
export async function assembleBot(config: Config, deps: AppDeps & { log: Logger }): Promise<AssembledBot> {
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const features = deps.features ?? allFeatures;
  const store = await openStore(storeOptionsFrom(config), [...CORE_TABLES, JOB_RUNS_TABLE, INSTANCES_TABLE, UPDATE_SLOTS_TABLE, CONTRIBUTIONS_TABLE, ORGANIZERS_TABLE, ...tablesOf(features)]);
  // Every process that sends counts among the instances sharing Teams' per-tenant limit.
  const instances = new InstanceRegistry(store.table(INSTANCES_TABLE), config.instances.leaseSeconds * 1000, log);
  await instances.start();
  const outbound = createOutboundHttp(deps.outbound);
  const bot = createBot({ config, store, log, clock, credentialsFactory: deps.credentialsFactory, outbound });
  bot.jobs.add(
    sweepJob({
      claimsTable: store.table(JOB_RUNS_TABLE),
      log,
      targets: [
        { name: PROCESSED_TABLE, table: store.table(PROCESSED_TABLE), field: 'at', retentionMs: PROCESSED_RETENTION_MS },
        { name: JOB_RUNS_TABLE, table: store.table(JOB_RUNS_TABLE), field: 'leaseUntil', retentionMs: JOB_RUNS_RETENTION_MS },
        { name: UPDATE_SLOTS_TABLE, table: store.table(UPDATE_SLOTS_TABLE), field: 'slotAt', retentionMs: UPDATE_SLOTS_RETENTION_MS },
        { name: INSTANCES_TABLE, table: store.table(INSTANCES_TABLE), field: 'leaseUntil', retentionMs: INSTANCES_RETENTION_MS },
      ],
    }),
  );
  const host: FeatureHost = {
    door: bot.door,
    poster: bot.poster,
    store,
    config,
    log,
    clock,
    events: new BotEvents(),
    web: [],
    instances,
    stopping: () => bot.jobs.stopping,
  };
  const running: RunningFeature[] = features.map((f) => f.create(host));
  return {
    store,
    bot,
    host,
    instances,
    outbound,
    async stop() {
      await bot.jobs.stop();
      await Promise.all(running.map((f) => f.stop().catch((err: unknown) => log.error('feature.stop_failed', errorFields(err)))));
    },
    async release() {
      await Promise.all(running.map((f) => f.release?.().catch((err: unknown) => log.error('feature.release_failed', errorFields(err)))));
    },
  };
}

/** How long giving back held work may take after the drain deadline (main.ts's backstop allows 5 s). */
const RELEASE_ALLOWANCE_MS = 3000;

export async function startApp(config: Config, deps: AppDeps = {}): Promise<RunningApp> {
  const log = deps.log ?? createLogger(config.logLevel, { service: 'network-coach' });
  const features = deps.features ?? allFeatures;
  const assembled = await assembleBot(config, { ...deps, log });
  const { store, bot, host, instances, outbound } = assembled;
  const server = createServer({ bot, store, log, routes: host.web });
  // Before every route: while draining, new requests are refused and those inside are counted.
  const drain = new Drain();
  server.pre(drain.gate());
  await new Promise<void>((resolve) => server.listen(config.port, config.host, () => resolve()));
  const address = server.address();
  const shownHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${shownHost}:${address.port}`;
  config.links.publicUrl ??= url;
  if (config.scheduler.enabled) bot.jobs.start(config.scheduler.intervalSeconds * 1000);
  log.info('app.started', { port: address.port, features: features.map((f) => f.name).join(','), auth: Boolean(config.bot.appId) });
  let closing: Promise<boolean> | undefined;
  const close = async (): Promise<boolean> => {
    const started = Date.now();
    const deadline = started + config.shutdown.drainSeconds * 1000;
    drain.begin();
    const [requests, work] = await Promise.all([drain.requestsDone(deadline), within(assembled.stop(), deadline)]);
    // Work still held at the deadline is given back now, so the other instances take it over at
    // once instead of after its lease (bounded: storage may be what held it up).
    if (!work) await within(assembled.release(), Date.now() + RELEASE_ALLOWANCE_MS);
    await instances.stop();
    // Keep-alive connections would hold server.close open; nothing is in flight on them now.
    server.server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    outbound.destroy();
    const clean = requests && work;
    log.info('app.stopped', { ms: Date.now() - started, clean, requestsLeft: drain.requestsInFlight });
    return clean;
  };
  return {
    config,
    store,
    bot,
    host,
    server,
    url,
    instances,
    drain,
    close() {
      closing ??= close();
      return closing;
    },
  };
}
