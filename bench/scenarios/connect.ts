import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { fmt, percentile, ratio, type BenchScenario } from '../lib';
import { baselineActivity, baselineTurn } from './baseline';
import type { TestBot } from '../../test/support/harness';
import { person, TENANT, type Activity } from '../../test/support/activities';
import { seedStories, type SeedStory } from '../../src/features/stories/seeding';
import { ConnectRepo, SHORTLIST } from '../../src/features/connect/repo';
import { queryTerms } from '../../src/features/stories/library';
import { lemmasOf } from '../../src/features/stories/themes';
import { withContribution, type ExpertiseRow } from '../../src/features/connect/expertise';
import { defaultTaxonomy } from '../../src/features/stories/taxonomy';
import type { ContributionKind } from '../../src/features/connect/model';

/**
 * "connect" (issue 11): `@Coach ask <question>` and `@Coach who knows <theme>` in a team whose
 * expertise index holds 10,000 contributions (1,000 of them stories, also in the story library)
 * by 400 people over two years. Each turn goes over HTTP through the whole middleware: ask tags
 * the question, reads the bucket's route, the tenant's opt-outs, each theme's top list and story
 * shortlist (point reads), checks the related stories still exist, writes the question (+ open entry, reminder, bucket counter) and
 * posts the card; who knows reads the opt-outs and one partition per theme and posts the card.
 * Measured paired with the baseline turn (alternately, concurrency 1), which takes load drift
 * out. Storage requests per turn are counted on the wire (HTTP requests to Azurite's table port
 * made while the turn runs; turns are sequential, so nothing else is counted).
 * Besides the turn (until its HTTP answer), the time until its card reached the connector stand-in
 * is measured, against the baseline's reply: what the person waits for.
 */
const PEOPLE = 400;
const CONTRIBUTIONS = 10_000;
const STORIES = 1_000;
const TURNS = 120;
const TEAM = '19:bench-connect-team@thread.tacv2';
const CHANNEL = '19:bench-connect-channel@thread.tacv2';
/** Besides the stories: answers accepted, topics proposed, notes taken. */
const OTHER_KINDS: ContributionKind[] = ['answer', 'topic', 'note'];
const QUESTIONS = [
  'What did you learn when champions ran office hours?',
  'How do you keep champions engaged after the launch?',
  'Who has measured adoption with usage reports?',
  'What is a good onboarding path for new hires in Teams?',
  'How do we set governance for naming and retention?',
  'Any tips for running a hybrid community event?',
  'How do you get executive sponsorship for a community?',
];
const WHO = ['#champions', '#adoption', 'onboarding new hires', '#governance', 'executive sponsors', '#metrics'];

/**
 * Counts HTTP requests to one port while `fn` runs (the bot is in this process), and then those
 * made beside the reply (bookkeeping the turn did not wait for), until none came for 50 ms.
 */
/**
 * Runs `fn` (one turn) counting the storage requests made while it runs and, after a 50 ms quiet
 * period, those made beside its reply. `ms` is the turn alone: the quiet wait is not timed.
 */
async function countRequests<T>(port: string, fn: () => Promise<T>, trace?: string[]): Promise<{ result: T; requests: number; beside: number; ms: number; postedMs?: number }> {
  const original = http.request;
  let requests = 0;
  let postedMs: number | undefined;
  let posts = 0;
  let done = false;
  let lastAt = performance.now();
  let t0 = performance.now();
  const patched = ((...args: Parameters<typeof http.request>) => {
    const o: unknown = args[0];
    const p = typeof o === 'string' || o instanceof URL ? new URL(o.toString()).port : String((o as { port?: unknown } | undefined)?.port ?? '');
    const storage = p === port;
    if (storage) {
      requests++;
      lastAt = performance.now();
    }
    const request = original(...args);
    // The turn's first post to the connector stand-in (its reply or card): when the person sees it.
    if (!storage && posts++ === 0) request.once('response', (res: http.IncomingMessage) => res.once('end', () => (postedMs = performance.now() - t0)));
    if (trace) {
      // Each request (storage, and the replies to the connector stand-in) with when it started and ended, from the turn's start.
      const o2 = o as { method?: unknown; path?: unknown } | undefined;
      const at = performance.now() - t0;
      const line = `${done ? 'beside' : 'during'} ${storage ? 'storage  ' : 'connector'} ${String(o2?.method ?? '')} ${decodeURIComponent(String(o2?.path ?? '')).replace(/\?.*$/, '').replace(/PartitionKey='[^']*',/, '').slice(0, 110)}`;
      const index = trace.push(`${at.toFixed(1).padStart(6)} ms  ${line}`) - 1;
      request.once('response', (res: http.IncomingMessage) => res.once('end', () => (trace[index] = `${at.toFixed(1).padStart(6)}-${(performance.now() - t0).toFixed(1).padStart(6)} ms  ${line}`)));
    }
    return request;
  }) as typeof http.request;
  http.request = patched;
  try {
    t0 = performance.now();
    const result = await fn();
    const ms = performance.now() - t0;
    trace?.push(`${ms.toFixed(1).padStart(6)} ms  the turn answered`);
    const during = requests;
    done = true;
    lastAt = Math.max(lastAt, performance.now());
    while (performance.now() - lastAt < 50) await new Promise((r) => setTimeout(r, 10));
    return { result, requests: during, beside: requests - during, ms, ...(postedMs !== undefined ? { postedMs } : {}) };
  } finally {
    http.request = original;
  }
}

function seedData(now: number): { rows: Map<string, ExpertiseRow[]>; stories: SeedStory[] } {
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const themes = defaultTaxonomy.map((t) => t.id);
  const byTheme = new Map<string, Map<string, ExpertiseRow>>(themes.map((t) => [t, new Map()]));
  const stories: SeedStory[] = [];
  for (let i = 0; i < CONTRIBUTIONS; i++) {
    const who = person(`bench-expert-${Math.floor(rnd() * PEOPLE)}`);
    const kind: ContributionKind = i < STORIES ? 'story' : OTHER_KINDS[Math.floor(rnd() * OTHER_KINDS.length)]!;
    const at = new Date(now - Math.floor(rnd() * 730) * 86_400_000);
    const picked = [...new Set([themes[Math.floor(rnd() * themes.length)]!, themes[Math.floor(rnd() * themes.length)]!])];
    if (kind === 'story') stories.push({ text: `Story ${i} on ${picked.join(' and ')}: what we learned when champions ran office hours`, tellerId: who.aadObjectId, tellerName: who.name, themes: picked, tags: [], createdAt: at, conversationId: CHANNEL });
    for (const t of picked) {
      const m = byTheme.get(t)!;
      m.set(who.aadObjectId, withContribution(m.get(who.aadObjectId), { userId: who.aadObjectId, userName: who.name }, kind, at));
    }
  }
  return { rows: new Map([...byTheme].map(([t, m]) => [t, [...m.values()]])), stories };
}

export const scenario: BenchScenario = {
  name: 'connect',
  description: '@Coach ask / @Coach who knows with 10,000 contributions in the team: p50 paired with the baseline turn, storage requests per turn',
  async run(ctx) {
    const bot = await ctx.startBot();
    const port = /TableEndpoint=http:\/\/[^:]+:(\d+)/.exec(ctx.connectionString)?.[1] ?? '';
    const run = randomBytes(4).toString('hex');
    const { rows, stories } = seedData(Date.now());
    const repo = new ConnectRepo(bot.app.store);
    for (const [theme, list] of rows) await repo.seedExpertise({ tenantId: TENANT, spaceId: TEAM }, theme, list);
    const seeded = await seedStories(bot.app.store, TENANT, TEAM, stories);
    // Each theme's shortlist of related stories, as the stories' `contributed` events would have built it.
    const terms = (text: string): string[] => [...new Set(queryTerms(lemmasOf(text)))];
    for (const theme of rows.keys()) {
      const newest = seeded.filter((st) => st.themes.includes(theme)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, SHORTLIST);
      for (const st of newest) await repo.shortlistStory({ tenantId: TENANT, spaceId: TEAM }, theme, { storyId: st.storyId, excerpt: st.text.slice(0, 400), tellerName: st.tellerName, terms: terms(st.text), at: st.createdAt.getTime() });
    }
    const indexRows = [...rows.values()].reduce((n, l) => n + l.length, 0);
    ctx.print(`seeded ${CONTRIBUTIONS} contributions by ${PEOPLE} people (${indexRows} index rows over ${rows.size} themes), ${stories.length} stories`);

    const asker = (i: number) => person(`bench-asker-${i % 30}`);
    const askActivity = (i: number): Activity => ({ ...bot.teams.channelMessage(`ask ${QUESTIONS[i % QUESTIONS.length]} (${run} ${i})`, { teamId: TEAM, conversationId: CHANNEL, from: asker(i) }), id: `ask-${run}-${i}` });
    const whoActivity = (i: number): Activity => ({ ...bot.teams.channelMessage(`who knows ${WHO[i % WHO.length]}`, { teamId: TEAM, conversationId: CHANNEL, from: asker(i) }), id: `who-${run}-${i}` });

    const paired = async (label: string, make: (i: number) => Activity, check: (bot: TestBot) => void) => {
      const base: number[] = [];
      const turn: number[] = [];
      const requests: number[] = [];
      const beside: number[] = [];
      const baseRequests: number[] = [];
      const basePosted: number[] = [];
      const posted: number[] = [];
      // Warm-up: JIT, the taxonomy cache, connections.
      for (let i = 0; i < 20; i++) {
        await baselineTurn(bot, baselineActivity(bot, `${run}-${label}-warm`, i));
        await bot.send(make(10_000 + i));
      }
      for (let i = 0; i < TURNS; i++) {
        if (ctx.signal?.aborted) throw new Error('aborted');
        const traced = i >= TURNS - 3 && process.env.BENCH_TRACE;
        const bTrace: string[] | undefined = traced ? [] : undefined;
        const b = await countRequests(port, () => baselineTurn(bot, baselineActivity(bot, `${run}-${label}`, i)), bTrace);
        if (bTrace) ctx.print(`baseline turn's requests:\n  ${bTrace.join('\n  ')}`);
        base.push(b.ms);
        baseRequests.push(b.requests);
        if (b.postedMs !== undefined) basePosted.push(b.postedMs);
        bot.connector.reset();
        const trace: string[] | undefined = traced ? [] : undefined;
        const r = await countRequests(port, () => bot.send(make(i)), trace);
        if (trace) ctx.print(`${label} turn's requests:\n  ${trace.join('\n  ')}`);
        turn.push(r.ms);
        requests.push(r.requests);
        if (r.postedMs !== undefined) posted.push(r.postedMs);
        beside.push(r.beside);
        if (r.result.status !== 200) throw new Error(`${label} answered HTTP ${r.result.status}`);
        check(bot);
      }
      base.sort((x, y) => x - y);
      turn.sort((x, y) => x - y);
      requests.sort((x, y) => x - y);
      beside.sort((x, y) => x - y);
      baseRequests.sort((x, y) => x - y);
      basePosted.sort((x, y) => x - y);
      posted.sort((x, y) => x - y);
      return { posted: percentile(posted, 50), basePosted: percentile(basePosted, 50), p50: percentile(turn, 50), base: percentile(base, 50), requests: percentile(requests, 50), beside: percentile(beside, 50), baseRequests: percentile(baseRequests, 50), maxRequests: requests[requests.length - 1] ?? 0 };
    };

    const oneCard = (label: string) => (b: TestBot): void => {
      const cards = b.connector.cards();
      if (cards.length !== 1) throw new Error(`${label}: expected one card, saw ${cards.length} (${b.connector.texts().join(' | ').slice(0, 200)})`);
    };
    const ask = await paired('ask', askActivity, oneCard('ask'));
    const who = await paired('who', whoActivity, oneCard('who knows'));
    await bot.close();

    ctx.print(`ask:       p50 ${fmt(ask.p50, 1)} ms vs baseline ${fmt(ask.base, 1)} ms (paired, c1); storage requests per turn p50 ${ask.requests} (max ${ask.maxRequests}; baseline turn ${ask.baseRequests}), beside the reply p50 ${ask.beside}`);
    ctx.print(`who knows: p50 ${fmt(who.p50, 1)} ms vs baseline ${fmt(who.base, 1)} ms (paired, c1); storage requests per turn p50 ${who.requests} (max ${who.maxRequests}; baseline turn ${who.baseRequests}), beside the reply p50 ${who.beside}`);
    // What the person waits for: the card (the baseline's one-line hint) posted to the connector.
    ctx.print(`ask card posted p50 ${fmt(ask.posted, 1)} ms vs the baseline's reply ${fmt(ask.basePosted, 1)} ms; who knows card ${fmt(who.posted, 1)} ms vs ${fmt(who.basePosted, 1)} ms`);
    const askRatio = ratio(ask.p50, ask.base);
    const whoRatio = ratio(who.p50, who.base);
    return {
      figures: {
        'ask p50 / baseline (paired c1)': askRatio,
        'who knows p50 / baseline (paired c1)': whoRatio,
        'ask card posted p50 / baseline reply posted': ratio(ask.posted, ask.basePosted),
        'who knows card posted p50 / baseline reply posted': ratio(who.posted, who.basePosted),
        'ask p50 ms': ask.p50,
        'who knows p50 ms': who.p50,
        'ask storage requests/turn (p50)': ask.requests,
        'ask storage requests beside the reply (p50)': ask.beside,
        'who knows storage requests/turn (p50)': who.requests,
        'baseline storage requests/turn (p50)': ask.baseRequests,
      },
      goals: {
        'ask p50 <= 2x baseline': askRatio <= 2,
        'who knows p50 <= 2x baseline': whoRatio <= 2,
      },
    };
  },
};
