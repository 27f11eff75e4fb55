import { startTestBot, uniquePrefix, type TestBot } from '../support/harness';
import { ConnectorStandIn } from '../support/connector';
import { TENANT, ALICE } from '../support/activities';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { RunClaims, JOB_RUNS_TABLE } from '../../src/jobs/claims';
import { DIGEST_JOB } from '../../src/features/digest/delivery';
import { digestStrings } from '../../src/features/digest/strings';
import type { Clock } from '../../src/clock';

/**
 * A proactive post that Teams applied but did not answer in time (the outbound timeout ran out).
 * Teams has no idempotency key for posting an activity, so a retry would put a second digest in
 * the channel: the run is recorded as "unknown" (attempted, may have landed) and not sent again.
 */
class TestClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
}

const channel = (i: number): string => `19:unanswered-${i}@thread.tacv2`;
const TIMEOUT_MS = 800;

describe('digest delivery: a post sent and never answered', () => {
  const clock = new TestClock(new Date('2026-11-23T08:00:00Z'));
  const connector = new ConnectorStandIn();
  let bot: TestBot;

  beforeAll(async () => {
    await connector.start();
    const env = { STORAGE_TABLE_PREFIX: uniquePrefix(), DIGEST_RETRY_BASE_MS: '40', DIGEST_JOB_LEASE_SECONDS: '30', INSTANCE_LEASE_SECONDS: '6' };
    bot = await startTestBot({ env, connector, deps: { clock, outbound: { timeoutMs: TIMEOUT_MS } } });
  });
  afterAll(async () => {
    await bot.close();
    await connector.stop();
  });

  const digestPosts = (id: string) => connector.cards({ conversationId: id, method: 'POST' }).filter((c) => c.card.fallbackText === digestStrings.fallbackText);

  test('when Teams applies a digest post and answers after the timeout, then it is not posted again and the run says unknown', async () => {
    const ids = [channel(0), channel(1)];
    for (const id of ids) await bot.send(bot.teams.channelMessage('digest on monday 09:00 UTC', { conversationId: id, teamId: '19:team-unanswered@thread.tacv2', from: ALICE }));
    connector.reset();
    // Applied at once, answered well after the bot gave up waiting.
    connector.stallAfterApplying.set(ids[0]!, TIMEOUT_MS * 4);
    clock.at = new Date('2026-11-23T09:05:00Z');
    const delivery = digestRuntimeOf(bot.app.host).delivery;
    const report = await delivery.runPass();
    expect(report).toMatchObject({ sent: 1, unknown: 1, failed: 0 });
    // One request to the stalled channel: the post was not retried (it had landed).
    expect(connector.posts(ids[0]!)).toHaveLength(1);
    expect(digestPosts(ids[0]!)).toHaveLength(1);
    expect(digestPosts(ids[1]!)).toHaveLength(1);
    const claims = new RunClaims(bot.app.store.table(JOB_RUNS_TABLE), 'test');
    const run = (id: string) => ({ tenantId: TENANT, job: DIGEST_JOB, scope: id, runKey: '2026-W48' });
    expect(await claims.status(run(ids[0]!))).toBe('unknown');
    expect(await claims.status(run(ids[1]!))).toBe('done');
    // A later pass the same week leaves the unknown run alone.
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 4));
    clock.at = new Date('2026-11-23T15:00:00Z');
    const again = await delivery.runPass();
    expect(again).toMatchObject({ sent: 0, unknown: 0 });
    expect(digestPosts(ids[0]!)).toHaveLength(1);
    expect(connector.posts()).toHaveLength(2);
  }, 60_000);

  test('when a channel answers 500 then 200, then the post is retried (an answer means it was not applied)', async () => {
    const id = channel(2);
    clock.at = new Date('2026-11-23T08:00:00Z');
    await bot.send(bot.teams.channelMessage('digest on monday 09:00 UTC', { conversationId: id, teamId: '19:team-unanswered@thread.tacv2', from: ALICE }));
    connector.reset();
    let hits = 0;
    connector.respondWith((req) => (req.conversationId === id && req.method === 'POST' && hits++ === 0 ? { status: 500, body: { error: { code: 'ServiceError', message: 'down' } } } : undefined));
    clock.at = new Date('2026-11-23T09:05:00Z');
    const report = await digestRuntimeOf(bot.app.host).delivery.runPass();
    expect(report).toMatchObject({ sent: 1, unknown: 0 });
    expect(hits).toBe(2);
    expect(digestPosts(id)).toHaveLength(1);
  }, 60_000);
});
