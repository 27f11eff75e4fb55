import { startTestBot, uniquePrefix, type TestBot } from '../support/harness';
import { ConnectorStandIn } from '../support/connector';
import { TENANT, ALICE } from '../support/activities';
import { expectValidCard } from '../support/cards';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { openQueue } from '../../src/jobs/queue';
import { RunClaims, JOB_RUNS_TABLE } from '../../src/jobs/claims';
import { DIGEST_JOB } from '../../src/features/digest/delivery';
import type { Clock } from '../../src/clock';
import { digestStrings } from '../../src/features/digest/strings';

/**
 * Weekly delivery over real HTTP and one Azurite (tables and queues): two bot instances share
 * the prefix (so the tables and the queue), each runs its own scheduler pass.
 */
class TestClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
  set(iso: string): void {
    this.at = new Date(iso);
  }
}

// Monday 23 Nov 2026 (ISO week 48). Subscriptions are made before 09:00 UTC, passes run after.
const BEFORE = '2026-11-23T08:00:00Z';
const AFTER = '2026-11-23T09:05:00Z';
const channel = (name: string, i: number): string => `19:${name}-${i}@thread.tacv2`;
const team = (name: string): string => `19:team-${name}@thread.tacv2`;

describe('digest delivery: exactly once per channel and week, through the shared queue', () => {
  const clock = new TestClock(new Date(BEFORE));
  const connector = new ConnectorStandIn();
  let a: TestBot;
  let b: TestBot;

  beforeAll(async () => {
    await connector.start();
    const env = { STORAGE_TABLE_PREFIX: uniquePrefix(), DIGEST_RETRY_BASE_MS: '40', DIGEST_JOB_LEASE_SECONDS: '30', INSTANCE_LEASE_SECONDS: '6' };
    a = await startTestBot({ env, connector, deps: { clock } });
    b = await startTestBot({ env, connector, deps: { clock } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await connector.stop();
  });
  beforeEach(() => {
    connector.reset();
    clock.set(BEFORE);
  });

  const passBoth = async (): Promise<void> => {
    await Promise.all([digestRuntimeOf(a.app.host).delivery.runPass(), digestRuntimeOf(b.app.host).delivery.runPass()]);
  };
  const subscribe = async (ids: string[], teamName: string, args = 'monday 09:00 UTC'): Promise<void> => {
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(ids.slice(i, i + 10).map((id) => a.send(a.teams.channelMessage(`digest on ${args}`, { conversationId: id, teamId: team(teamName), from: ALICE }))));
    }
  };
  // Digest cards (command replies are plain text; the settings card has no fallback text).
  const digestPosts = (id: string) => connector.cards({ conversationId: id, method: 'POST' }).filter((c) => c.card.fallbackText === digestStrings.fallbackText);
  const runStatus = (id: string, runKey = '2026-W48') =>
    new RunClaims(a.app.store.table(JOB_RUNS_TABLE), 'test').status({ tenantId: TENANT, job: DIGEST_JOB, scope: id, runKey });

  test('when two scheduler instances run at once with Teams limits enforced, then each of 50 channels gets exactly one digest', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => channel('fifty', i));
    await subscribe(ids, 'fifty');
    connector.reset();
    connector.enforceLimits();
    clock.set(AFTER);
    const t0 = Date.now();
    await passBoth();
    const ms = Date.now() - t0;
    for (const id of ids) expect(digestPosts(id)).toHaveLength(1);
    expect(connector.posts()).toHaveLength(50);
    // The two instances see each other's heartbeat and each takes half the tenant budget, so the
    // limit-enforcing connector never had to say 429.
    expect([a.app.instances.count(), b.app.instances.count()]).toEqual([2, 2]);
    expect(connector.throttled).toHaveLength(0);
    // About 50 / 30 per second plus curation; generous, because the test machine is shared.
    expect(ms).toBeLessThan(30_000);
    expectValidCard(digestPosts(ids[0]!)[0]!.card);
    // Later passes (the same week) send nothing more.
    clock.set('2026-11-23T15:00:00Z');
    await passBoth();
    expect(connector.posts()).toHaveLength(50);
    expect(await runStatus(ids[7]!)).toBe('done');
  }, 60_000);

  test('when one channel answers 403 and one 404, then both are deactivated with the reason and the others are delivered', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => channel('gone', i));
    await subscribe(ids, 'gone');
    connector.reset();
    connector.failConversation(ids[1]!, 403);
    connector.failConversation(ids[3]!, 404);
    clock.set(AFTER);
    await passBoth();
    for (const i of [0, 2, 4]) expect(digestPosts(ids[i]!)).toHaveLength(1);
    const repo = digestRuntimeOf(a.app.host).repo;
    const forbidden = await repo.get(TENANT, ids[1]!);
    expect(forbidden?.active).toBe(false);
    expect(forbidden?.inactiveReason).toMatch(/403/);
    expect((await repo.get(TENANT, ids[3]!))?.inactiveReason).toMatch(/404/);
    expect(await runStatus(ids[1]!)).toBe('failed');
    expect((await repo.get(TENANT, ids[0]!))?.active).toBe(true);
  });

  test('when a worker dequeues a job and dies before sending, then another instance delivers it exactly once after the lease', async () => {
    const id = channel('crash', 0);
    await subscribe([id], 'crash');
    connector.reset();
    clock.set(AFTER);
    const runtime = digestRuntimeOf(a.app.host);
    expect(await runtime.delivery.enqueueDue(clock.now())).toBe(1);
    // The crashed worker: took the job (1 s lease) and claimed the run, then vanished.
    const queue = openQueue(a.app.store.options, 'digest');
    const [taken] = await queue.receive(1, 1);
    expect(taken).toBeDefined();
    const crashed = new RunClaims(a.app.store.table(JOB_RUNS_TABLE), 'crashed-instance');
    expect(await crashed.claim({ tenantId: TENANT, job: DIGEST_JOB, scope: id, runKey: '2026-W48' }, clock.now(), 800)).toBe(true);
    await passBoth();
    expect(digestPosts(id)).toHaveLength(0);
    // The queue's lease (real time) and the claim's lease (the bots' clock) both run out.
    // If a pass met the job while the crashed claim still held it (a slow first pass), the job
    // was given back for a few seconds (BUSY_RETRY_SECONDS), so passes run until it is delivered.
    await new Promise((r) => setTimeout(r, 1300));
    clock.set('2026-11-23T09:05:02Z');
    const until = Date.now() + 10_000;
    do {
      await passBoth();
      if (digestPosts(id).length > 0 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() <= until);
    expect(digestPosts(id)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    await passBoth();
    expect(digestPosts(id)).toHaveLength(1);
    expect(await queue.approximateCount()).toBe(0);
  });

  test('when a channel keeps answering 500, then the job ends failed with its reason after exactly 5 requests', async () => {
    const id = channel('flaky', 0);
    await subscribe([id], 'flaky');
    connector.reset();
    let hits = 0;
    connector.respondWith((req) => {
      if (req.conversationId !== id || req.method !== 'POST') return undefined;
      hits++;
      return { status: 500, body: { error: { code: 'ServiceError', message: 'down' } } };
    });
    clock.set(AFTER);
    await passBoth();
    // 5 = our attempts; the connector client's own retry policy is off (it would make 4 requests per attempt).
    expect(hits).toBe(5);
    expect(await runStatus(id)).toBe('failed');
    expect((await digestRuntimeOf(a.app.host).repo.get(TENANT, id))?.active).toBe(true);
  });

  test('when Teams answers 429 with Retry-After, then the post is retried after that wait and delivered once', async () => {
    const id = channel('throttled', 0);
    await subscribe([id], 'throttled');
    connector.reset();
    const seen: number[] = [];
    connector.respondWith((req) => {
      if (req.conversationId !== id || req.method !== 'POST') return undefined;
      seen.push(Date.now());
      return seen.length === 1 ? { status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } }, headers: { 'Retry-After': '1' } } : undefined;
    });
    clock.set(AFTER);
    await passBoth();
    expect(seen).toHaveLength(2);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(950);
    expect(digestPosts(id)).toHaveLength(1);
  });

  test('when the bot was down at the slot, then the missed digest is sent within 24 h, and not after', async () => {
    const late = channel('late', 0);
    await subscribe([late], 'late', 'wednesday 10:00 UTC');
    // The slot was Wednesday 25 Nov 10:00 UTC; the first pass since runs Thursday 09:30 (23.5 h later).
    connector.reset();
    clock.set('2026-11-26T09:30:00Z');
    await digestRuntimeOf(b.app.host).delivery.runPass();
    expect(digestPosts(late)).toHaveLength(1);
    // A slot 25 h before the first pass is not sent any more.
    const missed = channel('late', 1);
    clock.set('2026-11-26T12:00:00Z');
    await subscribe([missed], 'late', 'friday 08:00 UTC');
    connector.reset();
    clock.set('2026-11-28T09:00:00Z');
    await digestRuntimeOf(b.app.host).delivery.runPass();
    expect(digestPosts(missed)).toHaveLength(0);
    expect(connector.posts()).toHaveLength(0);
  });

  test('when the bot is removed from the team, then the subscriptions of its channels are deactivated', async () => {
    const teamId = team('leaving');
    const ids = [teamId, channel('leaving', 1)];
    await subscribe(ids, 'leaving');
    await a.send(a.teams.botRemoved('channel', { conversationId: teamId, teamId }));
    const repo = digestRuntimeOf(a.app.host).repo;
    for (const id of ids) expect((await repo.get(TENANT, id))?.active).toBe(false);
    connector.reset();
    clock.set(AFTER);
    await passBoth();
    expect(connector.posts()).toHaveLength(0);
  });
});
