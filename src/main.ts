import 'dotenv/config';
import { ConfigError, loadConfig } from './config';
import { createLogger, errorFields } from './log';

/** Process entry: read config, open the store, start the server and the scheduler. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every setting.\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { service: 'network-coach' });
  // Loaded only once the settings are known to be good, so a bad .env is reported at once
  // instead of after seconds of loading the Bot Framework and Azure libraries.
  const { startApp } = await import('./app');
  const app = await startApp(config, { log });
  process.stdout.write(`Network Coach is listening on ${app.url}/api/messages\n`);
  // Drain on SIGTERM (the platform stopping or scaling in) and SIGINT (Ctrl-C): readiness and new
  // requests answer 503, turns and jobs in flight finish up to SHUTDOWN_DRAIN_SECONDS, the
  // heartbeat row is deleted, then exit 0. A second signal exits at once.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('app.stopping', { signal, drainSeconds: config.shutdown.drainSeconds });
    // A backstop in case storage hangs the last steps: leases expire on their own.
    setTimeout(() => process.exit(1), (config.shutdown.drainSeconds + 5) * 1000).unref();
    void app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('app.stop_failed', errorFields(err));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('unhandledRejection', (reason) => log.error('process.unhandled_rejection', errorFields(reason)));
}

main().catch((err) => {
  process.stderr.write(`Network Coach could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
