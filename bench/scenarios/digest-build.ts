import type { BenchScenario } from '../lib';
import { fmt } from '../lib';
import type { Clock } from '../../src/clock';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { digestCard } from '../../src/features/digest/cards';
import { StoriesService, type SeedStory } from '../../src/features/stories/service';

/**
 * "digest build": the time to curate one channel's week and build its card, for a channel with
 * 1,000 stories in its history and one with 100,000, each with the same 25 stories this week.
 * Goal: p50(100,000) / p50(1,000) <= 1.2 (the week is read by a key range, never by a scan).
 */
const SMALL = 1_000;
const LARGE = Number(process.env.BENCH_DIGEST_HISTORY ?? 100_000);
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
    const { repo, service, sources } = digestRuntimeOf(bot.app.bot.host);
    const stories = new StoriesService(bot.app.store, clock);
    const spaces = { small: '19:digest-small@thread.tacv2', large: '19:digest-large@thread.tacv2' };
    const seed = async (spaceId: string, count: number): Promise<void> => {
      const all = history(count);
      const started = performance.now();
      for (let i = 0; i < all.length; i += 2000) await stories.seedStories(TENANT, spaceId, all.slice(i, i + 2000));
      ctx.print(`  seeded ${count} stories in ${fmt((performance.now() - started) / 1000)} s`);
    };
    await seed(spaces.small, SMALL);
    await seed(spaces.large, LARGE);

    const subscribe = (spaceId: string) =>
      repo.subscribe(
        { tenantId: TENANT, conversationId: spaceId, conversationType: 'channel', spaceId, reference: {}, day: 1, hour: 9, minute: 0, timeZone: 'UTC', subscribedBy: 'bench' },
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
    const rounds = 40;
    const small = await ctx.measure(rounds, 1, () => build('small'));
    const large = await ctx.measure(rounds, 1, () => build('large'));
    const small2 = await ctx.measure(rounds, 1, () => build('small'));
    const large2 = await ctx.measure(rounds, 1, () => build('large'));
    const p50Small = Math.min(small.p50, small2.p50);
    const p50Large = Math.min(large.p50, large2.p50);
    const ratio = p50Large / p50Small;
    ctx.print(`  ${SMALL} stories: p50 ${fmt(small.p50)} / ${fmt(small2.p50)} ms, p99 ${fmt(small.p99)} ms`);
    ctx.print(`  ${LARGE} stories: p50 ${fmt(large.p50)} / ${fmt(large2.p50)} ms, p99 ${fmt(large.p99)} ms`);
    ctx.print(`  ratio p50(${LARGE}) / p50(${SMALL}) = ${fmt(ratio)}; one build / baseline turn p50 = ${fmt(p50Small / ctx.baseline.c1.p50)}`);
    await bot.close();
    return {
      figures: { p50SmallMs: p50Small, p50LargeMs: p50Large, ratioLargeToSmall: ratio, buildToBaselineTurn: p50Small / ctx.baseline.c1.p50 },
      goals: { 'p50(100k) / p50(1k) <= 1.2': ratio <= 1.2 },
    };
  },
};
