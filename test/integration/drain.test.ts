import { startTestBot, uniquePrefix, type TestBot } from '../support/harness';
import { ConnectorStandIn } from '../support/connector';
import { ALICE } from '../support/activities';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { digestStrings } from '../../src/features/digest/strings';
import { INSTANCES_TABLE } from '../../src/jobs/instances';
import type { Clock } from '../../src/clock';

/**
 * Draining in-process (the SIGTERM test covers the signal and the exit): an instance told to stop
 * during a digest pass finishes the jobs it holds, takes no new ones, and leaves the rest queued
 * for the other instance; its heartbeat row is gone.
 */
class TestClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
}

describe('draining during a digest pass', () => {
  test('when an instance drains mid-pass, then the jobs it held are delivered, the rest are left to the other instance, and every channel gets one digest', async () => {
    const clock = new TestClock(new Date('2026-11-23T08:00:00Z'));
    const connector = await new ConnectorStandIn().start();
    const env = { STORAGE_TABLE_PREFIX: uniquePrefix(), DIGEST_SEND_CONCURRENCY: '3', INSTANCE_LEASE_SECONDS: '3' };
    const a: TestBot = await startTestBot({ env, connector, deps: { clock } });
    const b: TestBot = await startTestBot({ env, connector, deps: { clock } });
    try {
      const ids = Array.from({ length: 24 }, (_, i) => `19:drain-${i}@thread.tacv2`);
      const t0 = Date.now();
      const mark = (what: string) => process.env.DEBUG_DRAIN && process.stdout.write(`${what} ${Date.now() - t0}\n`);
      for (const id of ids) await a.send(a.teams.channelMessage('digest on monday 09:00 UTC', { conversationId: id, teamId: '19:team-drain@thread.tacv2', from: ALICE }));
      connector.reset();
      connector.holdMs = 150;
      clock.at = new Date('2026-11-23T09:05:00Z');
      const digests = () => connector.cards({ method: 'POST' }).filter((c) => c.card.fallbackText === digestStrings.fallbackText);
      mark('subscribed');
      const pass = a.app.bot.jobs.runOnce(['digest']);
      await connector.waitFor(() => digests().length >= 3, 30_000);
      mark('three sent');
      const clean = await a.app.close();
      mark('closed');
      await pass;
      mark('pass done');
      // close() waited for the pass: what A held was delivered before it returned.
      expect(clean).toBe(true);
      const sentByA = digests().length;
      expect(sentByA).toBeLessThan(ids.length);
      // Nothing A had taken is left half done: B finds exactly the rest.
      let rows = 0;
      for await (const _ of b.app.store.table(INSTANCES_TABLE).listEntities()) rows++;
      expect(rows).toBe(1);
      connector.holdMs = 0;
      const rest = await digestRuntimeOf(b.app.host).delivery.drain();
      expect(rest.sent).toBe(ids.length - sentByA);
      const per = new Map<string, number>();
      for (const d of digests()) per.set(d.record.conversationId, (per.get(d.record.conversationId) ?? 0) + 1);
      expect([...per.keys()].sort()).toEqual([...ids].sort());
      expect([...per.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await connector.stop();
    }
  }, 60_000);

  test('when the drain deadline passes with jobs still held, then they are given back at once: another instance delivers them without waiting for the lease, each channel once', async () => {
    const clock = new TestClock(new Date('2026-11-23T08:00:00Z'));
    const connector = await new ConnectorStandIn().start();
    const prefix = uniquePrefix();
    // A sends one digest a second and holds up to 8 jobs; its drain deadline is 1 s; the job
    // lease is the default 60 s, so without the give-back B could not have them for a minute.
    const a: TestBot = await startTestBot({ env: { STORAGE_TABLE_PREFIX: prefix, DIGEST_SEND_CONCURRENCY: '8', DIGEST_TENANT_SENDS_PER_SECOND: '1', SHUTDOWN_DRAIN_SECONDS: '1', INSTANCE_LEASE_SECONDS: '3' }, connector, deps: { clock } });
    const b: TestBot = await startTestBot({ env: { STORAGE_TABLE_PREFIX: prefix, DIGEST_TENANT_SENDS_PER_SECOND: '60', INSTANCE_LEASE_SECONDS: '3' }, connector, deps: { clock } });
    try {
      const ids = Array.from({ length: 10 }, (_, i) => `19:deadline-${i}@thread.tacv2`);
      for (const id of ids) await a.send(a.teams.channelMessage('digest on monday 09:00 UTC', { conversationId: id, teamId: '19:team-deadline@thread.tacv2', from: ALICE }));
      connector.reset();
      clock.at = new Date('2026-11-23T09:05:00Z');
      const digests = () => connector.cards({ method: 'POST' }).filter((c) => c.card.fallbackText === digestStrings.fallbackText);
      const pass = a.app.bot.jobs.runOnce(['digest']);
      await connector.waitFor(() => digests().length >= 1, 30_000);
      const clean = await a.app.close();
      await pass;
      expect(clean).toBe(false);
      const sentByA = digests().length;
      expect(sentByA).toBeLessThan(ids.length);
      const started = Date.now();
      const rest = await digestRuntimeOf(b.app.host).delivery.drain();
      expect(rest.sent).toBe(ids.length - sentByA);
      expect(Date.now() - started).toBeLessThan(30_000);
      const per = new Map<string, number>();
      for (const d of digests()) per.set(d.record.conversationId, (per.get(d.record.conversationId) ?? 0) + 1);
      expect([...per.keys()].sort()).toEqual([...ids].sort());
      expect([...per.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await connector.stop();
    }
  }, 90_000);
});
