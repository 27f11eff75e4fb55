import type { BenchScenario } from '../lib';
import { fmt } from '../lib';
import type { Clock } from '../../src/clock';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { digestCard } from '../../src/features/digest/cards';
import { seedStories, type SeedStory } from '../../src/features/stories/seeding';

/**
 * "digest build": the time to curate one channel's week and build its card, for a channel with
 * 1,000 stories in its history and one with many more, each with the same 25 stories this week.
 * Goal: p50(large) / p50(1,000) <= 1.2 (the week is read by a key range, never by a scan).
 *
 * Azurite limits what this can show, measured here: it has no key index for queries (every
 * query walks the whole table in JavaScript), and each insert walks its partition, so seeding
 * one partition grows quadratically (2,500 more stories took 3 s at 2,500 and 131 s at 15,000):
 * 100,000 stories in one channel cannot be seeded in a bench run. So both histories live in the
 * same table (Azurite's own walk costs both sizes alike) and the large one is 5,000 by default
 * (BENCH_DIGEST_HISTORY to change it); what differs between the two is only what the digest
 * reads. Azure Table Storage serves a PartitionKey + RowKey range from its index.
 */
const SMALL = 1_000;
const LARGE = Number(process.env.BENCH_DIGEST_HISTORY ?? 5_000);
const THIS_WEEK = 25;
const TENANT = 'bench-digest-tenant';
const NOW = new Date('2026-11-23T09:00:00Z');
const DAY = 24 * 3600_000;
const THEMES = ['onboarding', 'adoption', 'support', 'pricing', 'integration', 'security'];

class FixedClock implements Clock {
  now(): Date {
    return new Date(NOW);
  }
}

function history(count: number): SeedStory[] {
  const out: SeedStory[] = [];
  for (let i = 0; i < THIS_WEEK; i++) {
    out.push({
      text: `This week's story ${i}: the customer rolled out the new workflow to ${i + 2} teams.`,
      tellerId: `teller-${i % 7}`,
      tellerName: `Teller ${i % 7}`,
      customer: `Customer ${i}`,
      themes: [THEMES[i % THEMES.length] as string],
      tags: [],
      endorsers: Array.from({ length: i % 5 }, (_, k) => `fan-${k}`),
      createdAt: new Date(NOW.getTime() - ((i + 1) / (THIS_WEEK + 1)) * 6.5 * DAY),
    });
  }
  // Older stories: from 8 days to ~3 years back; no copies (themes, tags, endorsements) to keep seeding fast.
  for (let i = 0; i < count - THIS_WEEK; i++) {
    out.push({ text: `Older story ${i}`, tellerId: 'old', tellerName: 'Old Teller', themes: [], tags: [], createdAt: new Date(NOW.getTime() - 8 * DAY - i * (1000 * DAY) / count) });
  }
  return out;
}

export const scenario: BenchScenario = {
  name: 'digest build',
  description: `curate one channel's week and build its card: ${SMALL} vs ${LARGE} stories of history (same ${THIS_WEEK} this week)`,
  async run(ctx) {
    const clock = new FixedClock();
    const bot = await ctx.startBot({ deps: { clock } });
    const { repo, service, sources } = digestRuntimeOf(bot.app.host);
    const spaces = { small: '19:digest-small@thread.tacv2', large: '19:digest-large@thread.tacv2' };
    const seed = async (spaceId: string, count: number): Promise<void> => {
      const all = history(count);
      const started = performance.now();
      for (let i = 0; i < all.length; i += 500) await seedStories(bot.app.store, TENANT, spaceId, all.slice(i, i + 500));
      ctx.print(`  seeded ${count} stories in ${fmt((performance.now() - started) / 1000)} s`);
    };
    await seed(spaces.small, SMALL);
    await seed(spaces.large, LARGE);

    const subscribe = (spaceId: string) =>
      repo.subscribe(
        { tenantId: TENANT, conversationId: spaceId, conversationType: 'channel', spaceId, reference: { channelId: 'msteams', serviceUrl: 'https://127.0.0.1', conversation: { id: spaceId } }, day: 1, hour: 9, minute: 0, timeZone: 'UTC', subscribedBy: 'bench' },
        new Date(NOW.getTime() - 30 * DAY),
      );
    const subs = { small: await subscribe(spaces.small), large: await subscribe(spaces.large) };
    const build = async (which: 'small' | 'large'): Promise<void> => {
      const curated = await service.curateWeek(subs[which], NOW);
      if (curated.storyIds.length !== 5) throw new Error(`expected 5 stories on the ${which} card, got ${curated.storyIds.length}`);
      if (curated.figures.stories !== THIS_WEEK) throw new Error(`expected ${THIS_WEEK} stories this week in ${which}, got ${curated.figures.stories}`);
      digestCard(curated.content, { preview: false, voteAction: sources.voteAction });
    };
    // Warm-up, then alternate the two so machine load hits both alike.
    for (let i = 0; i < 5; i++) {
      await build('small');
      await build('large');
    }
    // Interleaved (order swapped every round), so load on the shared machine hits both sizes alike.
    const rounds = 120;
    const times = { small: [] as number[], large: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      for (const which of i % 2 ? (['small', 'large'] as const) : (['large', 'small'] as const)) {
        const t0 = performance.now();
        await build(which);
        times[which].push(performance.now() - t0);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? 0;
    const p50Small = median(times.small);
    const p50Large = median(times.large);
    const ratio = p50Large / p50Small;
    ctx.print(`  ${SMALL} stories: p50 ${fmt(p50Small)} ms, p90 ${fmt(p90(times.small))} ms (${rounds} builds)`);
    ctx.print(`  ${LARGE} stories: p50 ${fmt(p50Large)} ms, p90 ${fmt(p90(times.large))} ms (${rounds} builds)`);
    ctx.print(`  ratio p50(${LARGE}) / p50(${SMALL}) = ${fmt(ratio)}; one build / baseline turn p50 = ${fmt(p50Small / ctx.baseline.c1.p50)}`);
    await bot.close();
    return {
      figures: { p50SmallMs: p50Small, p50LargeMs: p50Large, ratioLargeToSmall: ratio, buildToBaselineTurn: p50Small / ctx.baseline.c1.p50 },
      goals: { [`p50(${LARGE}) / p50(${SMALL}) <= 1.2`]: ratio <= 1.2 },
    };
  },
};
