import { fmt, ratio, type BenchScenario } from '../lib';
import { person, TENANT } from '../../test/support/activities';
import { cardText } from '../../test/support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';

/**
 * "vote burst" (issue 3): 500 people vote on one agenda at concurrency 32, each an Action.Execute
 * invoke over HTTP answered with the refreshed card. Checks every vote counted, the shared card's
 * coalesced updates (at most one per 2 s of burst, plus the final one, which must show 500), and
 * the invoke latency as a ratio to the baseline turn of this run.
 */
const VOTERS = 500;
const CONCURRENCY = 32;
const UPDATE_INTERVAL_MS = 2000;

export const scenario: BenchScenario = {
  name: 'vote burst',
  description: `${VOTERS} people vote on one agenda at concurrency ${CONCURRENCY}: all counted, invoke p50/p99 vs baseline, shared-card updates sent`,
  async run(ctx) {
    const bot = await ctx.startBot();
    const internals = agendaInternals(bot.app.host);
    if (!internals) throw new Error('the agenda feature is not registered');
    const date = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const organizer = person('bench-organizer');

    const prepare = async (conv: string): Promise<{ callId: string; cardId: string }> => {
      await bot.send(bot.teams.channelMessage(`call "Vote burst" ${date} 16:00 monthly`, { conversationId: conv, from: organizer }));
      await bot.send(bot.teams.channelMessage('topic What should we vote on?', { conversationId: conv, from: organizer }));
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('agenda', { conversationId: conv, from: organizer }));
      // The agenda command's own card (a POST): an update of the call's card from the topic may land after the reset.
      const cardId = bot.connector.cards({ conversationId: conv, method: 'POST' })[0]?.record.activityId;
      const call = await internals.service.currentCall({ tenantId: TENANT, conversationId: conv });
      if (!cardId || !call) throw new Error('the agenda card was not posted');
      return { callId: call.callId, cardId };
    };
    const vote = async (conv: string, callId: string, cardId: string, voter: string): Promise<void> => {
      const res = await bot.send(bot.teams.cardAction('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, from: person(voter) }, 'channel', cardId));
      const body = res.body as { type?: string } | undefined;
      if (res.status !== 200 || body?.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`vote answered HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
    };

    // Warm-up on another agenda (JIT, connections), not measured.
    const warm = await prepare('19:vote-burst-warmup@thread.tacv2');
    await ctx.measure(64, CONCURRENCY, (i) => vote('19:vote-burst-warmup@thread.tacv2', warm.callId, warm.cardId, `warm-${i}`));
    await internals.live.coalescer.settled();

    const conv = '19:vote-burst@thread.tacv2';
    const { callId, cardId } = await prepare(conv);
    bot.connector.reset();
    const stats = await ctx.measure(VOTERS, CONCURRENCY, (i) => vote(conv, callId, cardId, `voter-${i}`));
    await internals.live.coalescer.settled();

    const counted = (await internals.service.agendaView({ tenantId: TENANT, conversationId: conv }, callId)).topics[0]?.votes ?? 0;
    const updates = bot.connector.updates(conv).filter((u) => u.activityId === cardId);
    const allowed = Math.ceil(stats.wallMs / UPDATE_INTERVAL_MS) + 1;
    const gaps = updates.slice(1).map((u, i) => u.at - updates[i]!.at);
    const minGap = gaps.length ? Math.min(...gaps) : Number.NaN;
    const last = updates.at(-1)?.body.attachments?.[0]?.content;
    // The topic's line on the card: "**1.** <topic>" then "<n> votes · proposed by …".
    const finalExact = last !== undefined && cardText(last).includes(`\n${VOTERS} votes · proposed by`);

    ctx.print(`votes counted ${counted}/${VOTERS}; burst ${fmt(stats.wallMs / 1000, 1)} s; invoke p50 ${fmt(stats.p50, 1)} ms, p99 ${fmt(stats.p99, 1)} ms, ${fmt(stats.perSecond, 0)} votes/s`);
    ctx.print(`shared-card updates sent ${updates.length} (allowed ${allowed}); smallest gap ${fmt(minGap, 0)} ms; final update shows ${VOTERS}: ${finalExact}`);
    await bot.close();
    return {
      figures: {
        'votes counted': counted,
        'invoke p50 / baseline c16 p50': ratio(stats.p50, ctx.baseline.c16.p50),
        'invoke p99 / baseline c16 p99': ratio(stats.p99, ctx.baseline.c16.p99),
        'invoke p50 ms': stats.p50,
        'invoke p99 ms': stats.p99,
        'votes/s': stats.perSecond,
        'votes/s / baseline c16 turns/s': ratio(stats.perSecond, ctx.baseline.c16.perSecond),
        'burst s': stats.wallMs / 1000,
        'card updates sent': updates.length,
        'card updates allowed': allowed,
        'smallest gap between updates ms': minGap,
      },
      goals: {
        'every vote counted exactly once': counted === VOTERS,
        'card updates <= 1 per 2 s of burst + the final one': updates.length <= allowed && (gaps.length === 0 || minGap >= UPDATE_INTERVAL_MS - 50),
        'the last card update shows the exact final count': finalExact,
        'invoke p99 under the 5 s Teams limit': stats.p99 < 5000,
      },
    };
  },
};
