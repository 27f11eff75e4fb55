import { startTestBot, storageConnectionString, uniquePrefix, type TestBot } from '../support/harness';
import { ConnectorStandIn } from '../support/connector';
import { StorageProxy } from '../support/storageProxy';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { digestStrings } from '../../src/features/digest/strings';
import type { Clock } from '../../src/clock';

/**
 * The digest pass when storage answers late: requests that Azurite applied but whose answer
 * never came back (what a storage call that times out under load looks like), staged by proxies
 * in front of Azurite's tables and queues, at the worst moments: the queue handing out a batch
 * of jobs, the claims that say "this run is mine", the delete of a finished job. However the
 * answers are lost, every channel gets its digest exactly once within the pass.
 */
jest.setTimeout(90_000);

class FixedClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
}

const TENANT = 'stall-tenant';
const CHANNELS = 24;

describe('digest delivery when storage answers are lost', () => {
  const clock = new FixedClock(new Date('2026-11-23T08:00:00Z'));
  const connector = new ConnectorStandIn();
  let tables: StorageProxy;
  let queues: StorageProxy;
  let bots: TestBot[] = [];

  beforeAll(async () => {
    await connector.start();
    const cs = storageConnectionString();
    tables = await new StorageProxy(new URL(/TableEndpoint=(http:\/\/[^;]+)/.exec(cs)![1]!)).start();
    queues = await new StorageProxy(new URL(/QueueEndpoint=(http:\/\/[^;]+)/.exec(cs)![1]!)).start();
    const env = {
      STORAGE_CONNECTION_STRING: queues.rewriteQueue(tables.rewrite(cs)),
      STORAGE_TABLE_PREFIX: uniquePrefix(),
      DIGEST_RETRY_BASE_MS: '40',
      DIGEST_JOB_LEASE_SECONDS: '6',
      INSTANCE_LEASE_SECONDS: '6',
      LOG_LEVEL: process.env.STALL_LOG ?? 'silent',
    };
    bots = [await startTestBot({ env, connector, deps: { clock } }), await startTestBot({ env, connector, deps: { clock } })];
  });
  afterAll(async () => {
    for (const b of bots) await b.close();
    await connector.stop();
    await tables.stop();
    await queues.stop();
  });

  test('when answers to receives, claims, completions and deletes are lost, then every channel gets exactly one digest within the pass', async () => {
    const ids = Array.from({ length: CHANNELS }, (_, i) => `19:stall-${i}@thread.tacv2`);
    const { repo } = digestRuntimeOf(bots[0]!.app.host);
    for (const id of ids) {
      await repo.subscribe(
        {
          tenantId: TENANT,
          conversationId: id,
          conversationType: 'channel',
          spaceId: '19:stall-team@thread.tacv2',
          reference: { serviceUrl: connector.url, channelId: 'msteams', conversation: { id, isGroup: true, conversationType: 'channel', tenantId: TENANT } as never, bot: { id: '28:bot', name: 'Coach' } },
          day: 1,
          hour: 9,
          minute: 0,
          timeZone: 'UTC',
          subscribedBy: 'test',
        },
        clock.now(),
      );
    }
    connector.reset();
    connector.enforceLimits();

    // Every third claim insert (enqueue and delivery claims alike), the first two claim updates
    // (done), the first two queue receives (the jobs they were handed become invisible to all),
    // and the first two deletes of finished jobs: applied, answer lost.
    let claimInserts = 0;
    tables.loseAnswers((method, path) => method === 'POST' && /jobruns(\?|$)/.test(path) && ++claimInserts % 3 === 0, 6);
    tables.loseAnswers((method, path) => method !== 'GET' && /jobruns\(/.test(path), 2);
    queues.loseAnswers((method, path) => method === 'GET' && /\/messages\?.*numofmessages/i.test(path), 2);
    queues.loseAnswers((method, path) => method === 'DELETE' && /\/messages\//.test(path), 2);

    clock.at = new Date('2026-11-23T09:01:00Z');
    const reports = await Promise.all(bots.map((b) => digestRuntimeOf(b.app.host).delivery.runPass()));

    expect(tables.lossesLeft + queues.lossesLeft).toBe(0);
    const perChannel = new Map<string, number>();
    for (const c of connector.cards({ method: 'POST' })) {
      if (c.card.fallbackText === digestStrings.fallbackText) perChannel.set(c.record.conversationId, (perChannel.get(c.record.conversationId) ?? 0) + 1);
    }
    expect(ids.filter((id) => perChannel.get(id) !== 1).map((id) => `${id}: ${perChannel.get(id) ?? 0}`)).toEqual([]);
    expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(CHANNELS);
    expect(connector.throttled).toHaveLength(0);
  });
});
