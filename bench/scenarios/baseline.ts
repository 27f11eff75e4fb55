import { randomBytes } from 'node:crypto';
import { plannedCount, type Baseline, type LatencyStats } from '../lib';
import type { TestBot } from '../../test/support/harness';
import { person, type Activity } from '../../test/support/activities';

/**
 * The baseline every scenario is compared with: the cheapest real turn the bot has. A personal-chat
 * message with an unknown word goes over HTTP to /api/messages, through the whole middleware
 * (correlation, tenant filter, de-duplication: one Azurite insert, conversation registry) and the
 * command router, and gets a one-line hint posted to the connector stand-in. Nothing in src is
 * added for the benchmark.
 */
export const BASELINE_DESCRIPTION =
  'personal-chat message with an unknown word -> one-line hint; HTTP to /api/messages, Azurite de-duplication, reply on the connector stand-in';

export interface BaselineOptions {
  /** Unmeasured turns first, at concurrency 16 then 1: JIT, connections, every conversation registered once. */
  warmupC1: number;
  warmupC16: number;
  /** Measured turns per phase: `max`, unless the warm-up rate says that would take over `budgetSeconds`; never under `min`. */
  c1: { min: number; max: number; budgetSeconds: number };
  c16: { min: number; max: number; budgetSeconds: number };
}

/** About 25 s at worst on a busy 2-core machine; 1,300 measured turns when the machine is quiet. */
export const DEFAULT_BASELINE: BaselineOptions = {
  warmupC1: 30,
  warmupC16: 200,
  c1: { min: 150, max: 300, budgetSeconds: 6 },
  c16: { min: 500, max: 1000, budgetSeconds: 12 },
};

/** Distinct senders, so the turns spread over as many personal conversations (and partitions). */
const SENDERS = 50;

/** Activity `i` of a run: a fresh activity id (de-duplication never drops it), one of SENDERS people. */
export function baselineActivity(bot: TestBot, run: string, i: number): Activity {
  const activity = bot.teams.personalMessage(`benchword${i % 10}`, { from: person(`bench-${i % SENDERS}`) });
  return { ...activity, id: `bench-${run}-${i}` };
}

/** One baseline turn: resolves once the bot has answered the HTTP request (its reply is already posted). */
export async function baselineTurn(bot: TestBot, activity: Activity): Promise<void> {
  const res = await bot.send(activity);
  if (res.status !== 200) throw new Error(`baseline turn answered HTTP ${res.status}`);
}

/** Every turn of the phase got exactly one one-line hint, posted as a reply to its own activity. */
export function checkReplies(bot: TestBot, ids: readonly string[]): void {
  const replies = new Map<string, number>();
  for (const a of bot.connector.posts()) {
    if (!a.replyToId) continue;
    const text = a.body.text ?? '';
    if (!text.includes("I don't know") || text.includes('\n')) throw new Error(`baseline reply is not the one-line hint: ${text.slice(0, 80)}`);
    replies.set(a.replyToId, (replies.get(a.replyToId) ?? 0) + 1);
  }
  const missing = ids.filter((id) => replies.get(id) !== 1);
  if (missing.length > 0) throw new Error(`${missing.length} of ${ids.length} baseline turns did not get exactly one reply (first: ${missing[0]})`);
  if (bot.connector.posts().length !== ids.length) throw new Error(`expected ${ids.length} posts on the connector, saw ${bot.connector.posts().length}`);
}

type Measure = (count: number, concurrency: number, fn: (i: number) => Promise<void>) => Promise<LatencyStats>;

export async function measureBaseline(bot: TestBot, measure: Measure, options: BaselineOptions = DEFAULT_BASELINE): Promise<Baseline> {
  const run = randomBytes(4).toString('hex');
  const phase = async (label: string, count: number, concurrency: number): Promise<LatencyStats> => {
    bot.connector.reset();
    const activities = Array.from({ length: count }, (_, i) => baselineActivity(bot, `${run}-${label}`, i));
    const stats = await measure(count, concurrency, (i) => baselineTurn(bot, activities[i]!));
    checkReplies(
      bot,
      activities.map((a) => a.id),
    );
    bot.connector.reset();
    return stats;
  };
  // Concurrency 16 first: it warms the JIT and registers every conversation, so the short
  // concurrency-1 warm-up that follows gives a fair rate for planning the measured phases.
  const w16 = await phase('warmup-c16', options.warmupC16, 16);
  const w1 = await phase('warmup-c1', options.warmupC1, 1);
  const c1 = await phase('c1', plannedCount(w1.perSecond, options.c1.budgetSeconds, options.c1.min, options.c1.max), 1);
  const c16 = await phase('c16', plannedCount(w16.perSecond, options.c16.budgetSeconds, options.c16.min, options.c16.max), 16);
  return { c1, c16 };
}
