import type { BenchScenario } from '../lib';
import { fmt } from '../lib';
import type { Clock } from '../../src/clock';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { digestStrings } from '../../src/features/digest/strings';
import { ConnectorStandIn } from '../../test/support/connector';
import { uniquePrefix, type TestBot } from '../../test/support/harness';

/**
 * "fan-out, three instances": the fan-out scenario (1,000 channels of one tenant due at the same
 * slot) with three bot instances on one storage account, each running the digest pass at once.
 * They find each other through their heartbeat rows and each takes a third of the tenant's send
 * limit; the connector stand-in enforces Teams' limits (429 beyond them).
 * Figure: wall time of the pass / the floor the tenant limit sets (1,000 / 30 per second).
 * Goal <= 1.15, with no channel missed, none posted twice, and no 429.
 */
const CHANNELS = Number(process.env.BENCH_FANOUT_CHANNELS ?? 1000);
const INSTANCES = 3;
const TENANT_RATE = 30;
const TENANT = 'bench-fanout-tenant';

class FixedClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
}

export const scenario: BenchScenario = {
  name: 'fan-out x3',
  description: `${CHANNELS} subscribed channels, one tenant, one digest pass on each of ${INSTANCES} instances at once, through the limit-enforcing connector; wall time / (${CHANNELS} / ${TENANT_RATE} per s)`,
  async run(ctx) {
    const clock = new FixedClock(new Date('2026-11-23T08:00:00Z'));
    const connector = await new ConnectorStandIn().start();
    // The default heartbeat lease (30 s: renewed every 10 s, a count trusted 5 s past that). A
    // short one (6 s, tried earlier) renews every 2 s with 1 s of grace: on a loaded machine a
    // renewal that takes longer leaves the instance with no share (it stops sending until the
    // next renewal), many times in a pass of half a minute. Joining takes longer (not timed).
    const leaseSeconds = process.env.BENCH_INSTANCE_LEASE_SECONDS ?? '30';
    const env: Record<string, string> = { STORAGE_TABLE_PREFIX: uniquePrefix(), DIGEST_TENANT_SENDS_PER_SECOND: String(TENANT_RATE), INSTANCE_LEASE_SECONDS: leaseSeconds };
    const bots: TestBot[] = [];
    for (let i = 0; i < INSTANCES; i++) bots.push(await ctx.startBot({ env, deps: { clock }, connector }));
    try {
      const joined = performance.now();
      while (!bots.every((b) => b.app.instances.count() === INSTANCES && b.app.instances.sharers() === INSTANCES)) {
        if (performance.now() - joined > 90_000) throw new Error('the instances did not count each other within 90 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      ctx.print(`  ${INSTANCES} instances see each other after ${fmt((performance.now() - joined) / 1000)} s; each takes ${TENANT_RATE / INSTANCES} sends/s`);
      const { repo } = digestRuntimeOf(bots[0]!.app.host);
      const ids = Array.from({ length: CHANNELS }, (_, i) => `19:fanout3-${i}@thread.tacv2`);
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < ids.length) {
            if (ctx.signal?.aborted) return;
            const id = ids[next++] as string;
            await repo.subscribe(
              {
                tenantId: TENANT,
                conversationId: id,
                conversationType: 'channel',
                spaceId: `19:fanout3-team-${Math.floor(next / 50)}@thread.tacv2`,
                reference: { serviceUrl: connector.url, channelId: 'msteams', conversation: { id, isGroup: true, conversationType: 'channel', tenantId: TENANT } as never, bot: { id: '28:bench', name: 'Coach' } },
                day: 1,
                hour: 9,
                minute: 0,
                timeZone: 'UTC',
                subscribedBy: 'bench',
              },
              clock.now(),
            );
          }
        }),
      );
      connector.reset();
      connector.enforceLimits();
      clock.at = new Date('2026-11-23T09:01:00Z');
      const started = performance.now();
      // Where time goes: how long each instance had no share of the budget (its heartbeat view
      // was out of date), sampled every 100 ms.
      const noShareMs = bots.map(() => 0);
      const sampler = setInterval(() => bots.forEach((b, i) => (noShareMs[i]! += b.app.instances.sharers() === undefined ? 100 : 0)), 100);
      const reports = await Promise.all(bots.map((b) => digestRuntimeOf(b.app.host).delivery.runPass())).finally(() => clearInterval(sampler));
      const wallMs = performance.now() - started;
      const posts = connector.posts().map((p) => p.at).sort((x, y) => x - y);
      const startedAt = performance.timeOrigin + started;
      ctx.print(`  heartbeat lease ${leaseSeconds} s; time with no share per instance ${noShareMs.map((ms) => fmt(ms / 1000)).join(' / ')} s; first post after ${fmt(((posts[0] ?? startedAt) - startedAt) / 1000)} s, last after ${fmt(((posts.at(-1) ?? startedAt) - startedAt) / 1000)} s`);

      const perConversation = new Map<string, number>();
      for (const c of connector.cards({ method: 'POST' })) {
        if (c.card.fallbackText !== digestStrings.fallbackText) continue;
        perConversation.set(c.record.conversationId, (perConversation.get(c.record.conversationId) ?? 0) + 1);
      }
      const lost = ids.filter((id) => !perConversation.has(id)).length;
      const duplicates = [...perConversation.values()].reduce((n, v) => n + Math.max(0, v - 1), 0);
      const floorMs = (CHANNELS / TENANT_RATE) * 1000;
      const ratio = wallMs / floorMs;
      ctx.print(`  pass: ${fmt(wallMs / 1000)} s for ${CHANNELS} channels (floor ${fmt(floorMs / 1000)} s) -> ratio ${fmt(ratio)}`);
      ctx.print(`  sent per instance ${reports.map((r) => r.sent).join(' / ')}; lost ${lost}, duplicates ${duplicates}, 429 from the connector ${connector.throttled.length}`);
      return {
        figures: { channels: CHANNELS, instances: INSTANCES, wallSeconds: wallMs / 1000, floorSeconds: floorMs / 1000, ratioToFloor: ratio, lost, duplicates, throttled: connector.throttled.length },
        goals: { 'wall / floor <= 1.15': ratio <= 1.15, '0 lost': lost === 0, '0 duplicates': duplicates === 0, 'no 429': connector.throttled.length === 0 },
      };
    } finally {
      for (const b of bots) await b.close();
      await connector.stop();
    }
  },
};
