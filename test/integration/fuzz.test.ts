import http from 'node:http';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createLogger } from '../../src/log';
import { startTestBot, type TestBot } from '../support/harness';
import { ActivityFuzzer } from '../support/fuzz';

/**
 * Generated activities over HTTP to the running bot: FUZZ_COUNT (default 10,000) valid Teams
 * activities with one to three fields mutated, seeded (FUZZ_SEED to replay; the seed is printed).
 * Holds: no 5xx, no error logged (no handler exception, no failed turn), no post for an activity
 * that was refused or is not a message, invoke or lifecycle event, the bot still healthy, and RSS
 * growth bounded.
 */
const COUNT = Number(process.env.FUZZ_COUNT ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 48);
const HANDLED = new Set(['message', 'invoke', 'conversationUpdate', 'installationUpdate']);

/**
 * A bare keep-alive HTTP client: ten thousand requests through fetch cost more than the bot's own
 * work. A kept-alive socket the server closed just as it was reused (ECONNRESET, a transport race
 * on a busy machine, not an answer) is retried once on a fresh socket; retries are counted and
 * printed. The bot de-duplicates by activity id, so a retry of a delivered activity posts nothing.
 */
function poster(url: string): { post(body: unknown): Promise<number>; close(): void; retries: () => number } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(url);
  let retries = 0;
  const once = (data: Buffer, useAgent: http.Agent | false): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path: '/api/messages', method: 'POST', agent: useAgent, headers: { 'content-type': 'application/json', 'content-length': data.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  return {
    retries: () => retries,
    async post(body) {
      const data = Buffer.from(JSON.stringify(body));
      try {
        return await once(data, agent);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ECONNRESET') throw err;
        retries += 1;
        return once(data, false);
      }
    },
    close: () => agent.destroy(),
  };
}

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/** Heap in use after a full collection. */
function liveHeap(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

describe('generated activities', () => {
  let bot: TestBot;
  const errors: string[] = [];
  let linesSeen = 0;

  beforeAll(async () => {
    // Every line is inspected as it is written and then dropped (10,000 turns of lines would
    // otherwise be the largest thing in memory).
    const sink = (line: string): void => {
      linesSeen += 1;
      const entry = JSON.parse(line) as { level?: string; event?: string };
      if (entry.level === 'error' && errors.length < 20) errors.push(line.slice(0, 500));
    };
    bot = await startTestBot({ deps: { log: createLogger('info', {}, sink) } });
  });
  afterAll(async () => {
    await bot.close();
  });

  test(`when ${COUNT} mutated activities arrive, then none is answered 5xx, nothing fails, and only real messages, invokes and lifecycle events get posts`, async () => {
    // eslint-disable-next-line no-console
    console.log(`generated activities: seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    const fuzzer = new ActivityFuzzer(SEED, bot.teams);
    const client = poster(bot.app.url);
    const started = Date.now();
    const statuses = new Map<number, number>();
    const fiveXx: string[] = [];
    const strayPosts: string[] = [];
    let rssAfterWarmup = 0;
    let heapAfterWarmup = 0;

    for (let done = 0; done < COUNT; ) {
      const batch = Array.from({ length: Math.min(CONCURRENCY * 8, COUNT - done) }, () => fuzzer.next());
      const answered: { status: number; g: (typeof batch)[number] }[] = [];
      for (let i = 0; i < batch.length; i += CONCURRENCY) {
        const slice = batch.slice(i, i + CONCURRENCY);
        const results = await Promise.all(slice.map((g) => client.post(g.activity)));
        results.forEach((status, j) => answered.push({ status, g: slice[j]! }));
      }
      // Posts are attributed by conversation id: each generated activity had its own.
      const accepted = new Set<string>();
      for (const { status, g } of answered) {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) fiveXx.push(`${status} ${g.mutations.join(' ; ')}`);
        const a = g.activity as { type?: unknown; conversation?: { id?: unknown } };
        const id = typeof a.conversation?.id === 'string' ? a.conversation.id.split(';messageid=')[0]! : undefined;
        if (status >= 200 && status < 300 && typeof a.type === 'string' && HANDLED.has(a.type) && id) accepted.add(id);
      }
      for (const post of bot.connector.activities) {
        if (!accepted.has(post.conversationId)) strayPosts.push(`${post.method} ${post.conversationId.slice(0, 80)}`);
      }
      bot.connector.reset();
      done += batch.length;
      if (rssAfterWarmup === 0 && done >= 1000) {
        heapAfterWarmup = liveHeap();
        rssAfterWarmup = process.memoryUsage().rss;
      }
    }
    // Work written beside the replies (expertise index, insight counters) drains, then what stays
    // live is measured after a full collection: a leak shows there, a transient backlog does not.
    await new Promise((r) => setTimeout(r, 3000));
    const heapGrowthMb = (liveHeap() - heapAfterWarmup) / 2 ** 20;

    const retries = client.retries();
    client.close();
    const rssGrowthMb = (process.memoryUsage().rss - rssAfterWarmup) / 2 ** 20;
    const summary = `seed ${SEED}: ${COUNT} activities in ${((Date.now() - started) / 1000).toFixed(1)} s (load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores), statuses ${JSON.stringify(Object.fromEntries(statuses))}, connection resets retried ${retries}, log lines ${linesSeen}, RSS growth after warm-up ${rssGrowthMb.toFixed(1)} MB, live heap growth ${heapGrowthMb.toFixed(1)} MB`;
    // eslint-disable-next-line no-console
    console.log(`generated activities: ${summary}`);

    expect({ seed: SEED, fiveXx: fiveXx.slice(0, 10) }).toEqual({ seed: SEED, fiveXx: [] });
    expect({ seed: SEED, errors }).toEqual({ seed: SEED, errors: [] });
    expect({ seed: SEED, strayPosts: strayPosts.slice(0, 10) }).toEqual({ seed: SEED, strayPosts: [] });
    // Both outcomes really happened: the mutations are neither all refused nor all accepted.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(COUNT / 10);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(COUNT / 10);
    const health = await fetch(`${bot.app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(heapGrowthMb).toBeLessThan(100);
    // RSS keeps the allocator's high-water mark of the burst (measured 49 MB before Connect and
    // Insights wrote beside the replies, 200-550 MB after with an unbounded backlog; 23 MB over
    // 4,000 activities at load 7 once the backlog was bounded, store/writes.ts WriteBehind):
    // bounded, not a leak check.
    // Both RSS readings follow a full collection. In a full run beside the three-instance test
    // (storage shared and slow) one run kept 372 MB of the allocator's pages with a live heap
    // 1 MB smaller: the live heap above is the leak check; this bound catches a backlog that
    // grows with the run (200-550 MB when it was unbounded).
    expect(rssGrowthMb).toBeLessThan(512);
  }, 600_000);
});
