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
  const stop = (signal: string): void => {
    log.info('app.stopping', { signal });
    void app.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('unhandledRejection', (reason) => log.error('process.unhandled_rejection', errorFields(reason)));
}

main().catch((err) => {
  process.stderr.write(`Network Coach could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
