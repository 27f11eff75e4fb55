import { ConnectorStandIn } from '../support/connector';
import { TeamsBuilder, CHANNEL } from '../support/activities';
import { postJson, storageConnectionString, uniquePrefix } from '../support/harness';
import { startBotProcess } from '../support/botProcess';
import { openStore } from '../../src/store/tables';
import { INSTANCES_TABLE } from '../../src/jobs/instances';

/**
 * SIGTERM drains the process: a real bot process (src/main.ts), the platform's signal, a turn in
 * flight at that moment (the connector stand-in holds the reply), and a request arriving after it.
 */
describe('drain on SIGTERM', () => {
  test('when SIGTERM arrives during a turn, then that turn completes and is answered, a later request gets 503, the heartbeat row is deleted, and the process exits 0 within the deadline', async () => {
    const connector = await new ConnectorStandIn().start();
    const prefix = uniquePrefix();
    const bot = await startBotProcess({
      STORAGE_CONNECTION_STRING: storageConnectionString(),
      STORAGE_TABLE_PREFIX: prefix,
      SCHEDULER_ENABLED: 'false',
      SHUTDOWN_DRAIN_SECONDS: '6',
    });
    try {
      const store = await openStore({ connectionString: storageConnectionString(), tablePrefix: prefix }, [INSTANCES_TABLE]);
      const heartbeats = async (): Promise<number> => {
        let n = 0;
        for await (const _ of store.table(INSTANCES_TABLE).listEntities()) n++;
        return n;
      };
      expect(await heartbeats()).toBe(1);
      const teams = new TeamsBuilder(connector.url);
      connector.holdMs = 1500;
      const inFlight = postJson(`${bot.url}/api/messages`, teams.channelMessage('zzz', { conversationId: CHANNEL }));
      await connector.waitFor(() => connector.arrivals === 1);
      const signalledAt = Date.now();
      bot.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 150));

      const late = await postJson(`${bot.url}/api/messages`, teams.channelMessage('zzz again', { conversationId: CHANNEL }));
      expect(late.status).toBe(503);
      expect((await fetch(`${bot.url}/readyz`)).status).toBe(503);

      expect((await inFlight).status).toBe(200);
      expect(connector.texts(CHANNEL)).toHaveLength(1);
      const { code, at } = await bot.exited;
      expect(code).toBe(0);
      expect(at - signalledAt).toBeLessThan(6000);
      expect(await heartbeats()).toBe(0);
      expect(connector.arrivals).toBe(1);
    } finally {
      if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
      await connector.stop();
    }
  }, 180_000);
});
