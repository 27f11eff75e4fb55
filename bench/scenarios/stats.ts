import type { BenchScenario } from '../lib';
import { fmt } from '../lib';
import type { Clock } from '../../src/clock';
import { insightsOf } from '../../src/features/insights/routes';
import type { Contribution } from '../../src/teams/events';
import { TENANT } from '../../test/support/activities';

/**
 * "stats 90d": the whole `@Coach stats 90d` turn over HTTP, for a team with 1,000 stories of
 * history and one with 10,000. Goals: p50(10,000) / p50(1,000) <= 1.2, and the same number of
 * storage rows read per turn at both sizes (counted in the insights repo).
 *
 * Both teams have the same last 180 days (3 stories, 2 votes and an endorsement a day: what the
 * period and the one before it show); they differ only in the older history (460 vs 9,460
 * stories over the three years before). History is counted through the same path as live
 * contributions (InsightsService.record, the `contributed` listener), not written by hand. The
 * story rows themselves are not seeded: `stats` never reads the stories table.
 */
const SMALL = 1_000;
const LARGE = 10_000;
const RECENT_DAYS = 180;
const STORIES_PER_DAY = 3;
const DAY = 86_400_000;
const NOW = new Date('2026-11-30T12:00:00Z');
const THEMES = ['onboarding', 'adoption', 'support', 'pricing', 'integration', 'security'];

class FixedClock implements Clock {
  now(): Date {
    return new Date(NOW);
  }
}

function history(spaceId: string, stories: number): Contribution[] {
  const base = { tenantId: TENANT, spaceId };
  const out: Contribution[] = [];
  for (let d = 0; d < RECENT_DAYS; d++) {
    const at = new Date(NOW.getTime() - d * DAY);
    for (let k = 0; k < STORIES_PER_DAY; k++) out.push({ ...base, personId: `teller-${(d + k) % 40}`, name: 'T', kind: 'story', at, themes: [THEMES[(d + k) % THEMES.length] as string] });
    for (let k = 0; k < 2; k++) out.push({ ...base, personId: `voter-${(d + k) % 25}`, name: 'V', kind: 'vote', at, call: { callId: `call-${Math.floor(d / 7)}`, title: `Week ${Math.floor(d / 7)}` } });
    out.push({ ...base, personId: `fan-${d % 30}`, name: 'F', kind: 'endorse', at });
  }
  const older = stories - RECENT_DAYS * STORIES_PER_DAY;
  for (let i = 0; i < older; i++) {
    out.push({ ...base, personId: `old-${i % 300}`, name: 'O', kind: 'story', at: new Date(NOW.getTime() - (RECENT_DAYS + 1) * DAY - Math.floor((i * 3 * 365 * DAY) / older)), themes: [THEMES[i % THEMES.length] as string] });
  }
  return out;
}

export const scenario: BenchScenario = {
  name: 'stats 90d',
  description: `the @Coach stats 90d turn over HTTP: a team with ${SMALL.toLocaleString('en-US')} vs ${LARGE.toLocaleString('en-US')} stories of history (same last ${RECENT_DAYS} days)`,
  async run(ctx) {
    const bot = await ctx.startBot({ deps: { clock: new FixedClock() } });
    const service = insightsOf(bot.app.host);
    if (!service) throw new Error('insights feature is not registered');
    const teams = { small: '19:stats-small@thread.tacv2', large: '19:stats-large@thread.tacv2' };
    for (const [which, count] of [['small', SMALL], ['large', LARGE]] as const) {
      const all = history(teams[which], count);
      const started = performance.now();
      await ctx.measure(all.length, 16, async (i) => {
        if (ctx.signal?.aborted) throw new Error('aborted');
        await service.record(all[i] as Contribution);
      });
      ctx.print(`  counted ${count.toLocaleString('en-US')} stories (${all.length.toLocaleString('en-US')} contributions) in ${fmt((performance.now() - started) / 1000)} s`);
    }

    const rows = { small: [] as number[], large: [] as number[] };
    const turn = async (which: 'small' | 'large', i: number): Promise<void> => {
      const activity = bot.teams.channelMessage('stats 90d', { teamId: teams[which], conversationId: `19:stats-${which}-channel@thread.tacv2` });
      const before = service.repo.rowsRead;
      const res = await bot.send({ ...activity, id: `stats-${which}-${i}` });
      rows[which].push(service.repo.rowsRead - before);
      if (res.status !== 200) throw new Error(`stats turn answered ${res.status}`);
      bot.connector.reset();
    };
    for (let i = 0; i < 10; i++) {
      await turn('small', -1 - 2 * i);
      await turn('large', -2 - 2 * i);
    }
    const rounds = 100;
    const times = { small: [] as number[], large: [] as number[] };
    rows.small.length = 0;
    rows.large.length = 0;
    for (let i = 0; i < rounds; i++) {
      for (const which of i % 2 ? (['small', 'large'] as const) : (['large', 'small'] as const)) {
        const t0 = performance.now();
        await turn(which, i);
        times[which].push(performance.now() - t0);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const p50Small = median(times.small);
    const p50Large = median(times.large);
    const ratio = p50Large / p50Small;
    const rowsSmall = Math.max(...rows.small);
    const rowsLarge = Math.max(...rows.large);
    ctx.print(`  ${SMALL} stories: p50 ${fmt(p50Small)} ms, rows read per turn ${rowsSmall}`);
    ctx.print(`  ${LARGE} stories: p50 ${fmt(p50Large)} ms, rows read per turn ${rowsLarge}`);
    ctx.print(`  ratio p50(${LARGE}) / p50(${SMALL}) = ${fmt(ratio)}; stats turn / baseline turn p50 = ${fmt(p50Small / ctx.baseline.c1.p50)}`);
    await bot.close();
    return {
      figures: { p50SmallMs: p50Small, p50LargeMs: p50Large, ratioLargeToSmall: ratio, rowsReadSmall: rowsSmall, rowsReadLarge: rowsLarge, statsToBaselineTurn: p50Small / ctx.baseline.c1.p50 },
      goals: { [`p50(${LARGE}) / p50(${SMALL}) <= 1.2`]: ratio <= 1.2, 'rows read per stats turn equal at both sizes': rowsSmall === rowsLarge && Math.min(...rows.small) === Math.min(...rows.large) },
    };
  },
};
