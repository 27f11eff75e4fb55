import 'dotenv/config';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';

/**
 * `npm run digest`: one pass of the digest scheduler (enqueue what is due, then deliver
 * everything in the shared queue), then exit. For an external timer (an Azure Functions timer
 * trigger, cron); the in-process ticker runs the same pass. Safe to run on any number of
 * machines at once: every run is claimed in storage.
 * Exit codes: 0 done (failed deliveries are recorded and counted, not fatal), 1 could not run,
 * 2 configuration error.
 */
async function digestOnce(): Promise<void> {
  let config;
  try {
    // The scheduler flag is for the in-process ticker; this process is the timer.
    config = loadConfig({ ...process.env, SCHEDULER_ENABLED: 'false' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every setting.\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { service: 'network-coach', process: 'digest-once' });
  const [{ assembleBot }, { digestRuntimeOf }] = await Promise.all([import('./app'), import('./features/digest/routes')]);
  // This pass sends too: assembleBot registers it among the instances that share the tenant's send limit.
  const { host, stop, instances, outbound } = await assembleBot(config, { log });
  const started = Date.now();
  const report = await digestRuntimeOf(host).delivery.runPass();
  await stop();
  await instances.stop();
  outbound.destroy();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log.info('digest.pass_done', { ...report, ms: Date.now() - started });
  process.stdout.write(
    `Digest pass done in ${seconds} s: ${report.enqueued} enqueued, ${report.sent} sent, ${report.failed} failed, ${report.deactivated} deactivated, ${report.skipped} skipped.\n`,
  );
}

digestOnce()
  .then(() => process.exit(0))
  .catch((err) => {
    process.stderr.write(`The digest pass could not run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
