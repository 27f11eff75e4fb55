import type { BenchScenario } from '../lib';
import { fmt } from '../lib';
import type { Clock } from '../../src/clock';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { digestStrings } from '../../src/features/digest/strings';

/**
 * "fan-out": 1,000 channels of one tenant subscribed to the same slot, one scheduler pass
 * (enqueue + drain the shared queue) through the connector stand-in enforcing Teams' limits
 * (7/s and 60/30 s per conversation, 30/s per tenant: 429 with Retry-After beyond them).
 * Figure: wall time of the pass / the floor the tenant limit sets (1,000 / 30 per second).
 * Goal <= 1.15, with no channel missed and none posted twice.
 */
const CHANNELS = Number(process.env.BENCH_FANOUT_CHANNELS ?? 1000);
const TENANT_RATE = 30;
const TENANT = 'bench-fanout-tenant';

class FixedClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
}

export const scenario: BenchScenario = {
  name: 'fan-out',
  description: `${CHANNELS} subscribed channels, one tenant, one digest pass through the limit-enforcing connector; wall time / (${CHANNELS} / ${TENANT_RATE} per s)`,
  async run(ctx) {
    const clock = new FixedClock(new Date('2026-11-23T08:00:00Z'));
    const env: Record<string, string> = { DIGEST_TENANT_SENDS_PER_SECOND: String(TENANT_RATE) };
    if (process.env.BENCH_DIGEST_CONCURRENCY) env.DIGEST_SEND_CONCURRENCY = process.env.BENCH_DIGEST_CONCURRENCY;
    const bot = await ctx.startBot({ env, deps: { clock } });
    const { repo, delivery } = digestRuntimeOf(bot.app.host);
    const ids = Array.from({ length: CHANNELS }, (_, i) => `19:fanout-${i}@thread.tacv2`);
    const seedStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < ids.length) {
          const id = ids[next++] as string;
          await repo.subscribe(
            {
              tenantId: TENANT,
              conversationId: id,
              conversationType: 'channel',
              spaceId: `19:fanout-team-${Math.floor(next / 50)}@thread.tacv2`,
              reference: { serviceUrl: bot.connector.url, channelId: 'msteams', conversation: { id, isGroup: true, conversationType: 'channel', tenantId: TENANT } as never, bot: { id: '28:bench', name: 'Coach' } },
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
    ctx.print(`  seeded ${CHANNELS} subscriptions in ${fmt((performance.now() - seedStarted) / 1000)} s`);

    bot.connector.reset();
    bot.connector.enforceLimits();
    clock.at = new Date('2026-11-23T09:01:00Z');
    const started = performance.now();
    const report = await delivery.runPass();
    const wallMs = performance.now() - started;

    const perConversation = new Map<string, number>();
    for (const c of bot.connector.cards({ method: 'POST' })) {
      if (c.card.fallbackText !== digestStrings.fallbackText) continue;
      perConversation.set(c.record.conversationId, (perConversation.get(c.record.conversationId) ?? 0) + 1);
    }
    const sendTimes = bot.connector.posts().map((p) => p.at).sort((x, y) => x - y);
    const startedAt = performance.timeOrigin + started;
    ctx.print(`  enqueue finished after ${fmt(report.enqueueMs / 1000)} s; first post after ${fmt(((sendTimes[0] ?? startedAt) - startedAt) / 1000)} s, last after ${fmt(((sendTimes[sendTimes.length - 1] ?? startedAt) - startedAt) / 1000)} s`);
    const lost = ids.filter((id) => !perConversation.has(id)).length;
    const duplicates = [...perConversation.values()].reduce((n, v) => n + Math.max(0, v - 1), 0);
    const floorMs = (CHANNELS / TENANT_RATE) * 1000;
    const ratio = wallMs / floorMs;
    ctx.print(`  pass: ${fmt(wallMs / 1000)} s for ${CHANNELS} channels (floor ${fmt(floorMs / 1000)} s) -> ratio ${fmt(ratio)}`);
    ctx.print(`  enqueued ${report.enqueued}, sent ${report.sent}, failed ${report.failed}, lost ${lost}, duplicates ${duplicates}, 429 from the connector ${bot.connector.throttled.length}`);
    await bot.close();
    return {
      figures: { channels: CHANNELS, wallSeconds: wallMs / 1000, floorSeconds: floorMs / 1000, ratioToFloor: ratio, lost, duplicates, throttled: bot.connector.throttled.length },
      goals: { 'wall / floor <= 1.15': ratio <= 1.15, '0 lost': lost === 0, '0 duplicates': duplicates === 0 },
    };
  },
};
