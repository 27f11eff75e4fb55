import type { TableClient } from '@azure/data-tables';
import { JobRunner } from '../../src/jobs/runner';
import { JOB_RUNS_TABLE, RunClaims } from '../../src/jobs/claims';
import { INSTANCES_RETENTION_MS, JOB_RUNS_RETENTION_MS, PROCESSED_RETENTION_MS, SWEEP_JOB, SWEEP_PERIOD_MS, sweepJob, UPDATE_SLOTS_RETENTION_MS, type SweptTable } from '../../src/jobs/sweep';
import { UPDATE_SLOTS_TABLE } from '../../src/jobs/updateSlots';
import { INSTANCES_TABLE } from '../../src/jobs/instances';
import { createLogger } from '../../src/log';
import { key } from '../../src/store/keys';
import { openStore, type Store } from '../../src/store/tables';
import { PROCESSED_TABLE } from '../../src/teams/middleware';
import { TENANT } from '../support/activities';
import { startTestBot, storageConnectionString, uniquePrefix } from '../support/harness';

/**
 * De-duplication rows and run claims expire: the sweep (a JobRunner job, claimed per period)
 * deletes rows older than the window each protects, on the real Azurite, with a controlled clock.
 */
const T0 = Date.parse('2026-11-30T12:00:00Z');

async function allKeys(table: TableClient): Promise<string[]> {
  const out: string[] = [];
  for await (const e of table.listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'] } })) out.push(`${e.partitionKey}/${e.rowKey}`);
  return out.sort();
}

describe('the expiry sweep', () => {
  let store: Store;
  let processed: TableClient;
  let jobRuns: TableClient;
  const log = createLogger('silent');
  let clockNow = new Date(T0);
  const clock = { now: () => clockNow };

  const targets = (): SweptTable[] => [
    { name: PROCESSED_TABLE, table: processed, field: 'at', retentionMs: PROCESSED_RETENTION_MS },
    { name: JOB_RUNS_TABLE, table: jobRuns, field: 'leaseUntil', retentionMs: JOB_RUNS_RETENTION_MS },
  ];
  const runner = (owner: string, maxDeletesPerRun?: number): JobRunner => {
    const r = new JobRunner(clock, log);
    r.add(sweepJob({ claimsTable: jobRuns, targets: targets(), log, owner, maxDeletesPerRun }));
    return r;
  };

  beforeEach(async () => {
    store = await openStore({ connectionString: storageConnectionString(), tablePrefix: uniquePrefix() }, [PROCESSED_TABLE, JOB_RUNS_TABLE]);
    processed = store.table(PROCESSED_TABLE);
    jobRuns = store.table(JOB_RUNS_TABLE);
    clockNow = new Date(T0);
  });

  async function seedProcessed(conversations: number, perConversation: number, at: number, tag: string): Promise<void> {
    for (let c = 0; c < conversations; c++) {
      const partitionKey = key(TENANT, `19:conv-${c}@thread.tacv2`);
      const rows = Array.from({ length: perConversation }, (_, i) => ['create', { partitionKey, rowKey: key('message', `${tag}-${i}`), at }] as const);
      for (let i = 0; i < rows.length; i += 100) await processed.submitTransaction(rows.slice(i, i + 100).map((r) => [...r]));
    }
  }

  test('when de-duplication rows are older than a day, then the sweep deletes them (across partitions, over 100 per partition) and keeps the recent ones', async () => {
    await seedProcessed(3, 150, T0 - PROCESSED_RETENTION_MS - 60_000, 'old');
    await seedProcessed(2, 5, T0 - PROCESSED_RETENTION_MS + 60_000, 'recent');
    await runner('a').runOnce([SWEEP_JOB]);
    const left = await allKeys(processed);
    expect(left).toHaveLength(10);
    expect(left.every((k) => k.includes('recent'))).toBe(true);
  });

  test('when claims are past their lease by more than the retention, then they are deleted; live and recent claims stay, and a deleted run can be claimed again', async () => {
    const claims = new RunClaims(jobRuns, 'test');
    const old = { tenantId: TENANT, job: 'digest.deliver', scope: '19:a@thread.tacv2', runKey: '2026-W40' };
    const oldUnfinished = { ...old, job: 'digest.enqueue' };
    const recent = { ...old, runKey: '2026-W48' };
    const longAgo = new Date(T0 - JOB_RUNS_RETENTION_MS - SWEEP_PERIOD_MS);
    expect(await claims.claim(old, longAgo, 60_000)).toBe(true);
    await claims.complete(old, longAgo);
    expect(await claims.claim(oldUnfinished, longAgo, 60_000)).toBe(true);
    expect(await claims.claim(recent, new Date(T0 - 60_000), 60_000)).toBe(true);

    await runner('a').runOnce([SWEEP_JOB]);

    expect(await claims.status(old)).toBeUndefined();
    expect(await claims.status(oldUnfinished)).toBeUndefined();
    expect(await claims.status(recent)).toBe('claimed');
    // The sweep's own claim for this period is there (and expires the same way later).
    const own = (await allKeys(jobRuns)).filter((k) => k.includes(SWEEP_JOB));
    expect(own).toHaveLength(1);
    expect(await claims.claim(old, new Date(T0), 60_000)).toBe(true);
  });

  test('when two instances run the sweep in the same period, then only one sweeps; in the next period the other may', async () => {
    const a = runner('a');
    const b = runner('b');
    await Promise.all([a.runOnce([SWEEP_JOB]), b.runOnce([SWEEP_JOB])]);
    // Rows that expired after this period's sweep wait for the next period.
    await seedProcessed(1, 3, T0 - PROCESSED_RETENTION_MS - 1, 'late');
    await b.runOnce([SWEEP_JOB]);
    expect(await allKeys(processed)).toHaveLength(3);
    clockNow = new Date(T0 + SWEEP_PERIOD_MS);
    await b.runOnce([SWEEP_JOB]);
    expect(await allKeys(processed)).toHaveLength(0);
    const sweepRuns = (await allKeys(jobRuns)).filter((k) => k.includes(SWEEP_JOB));
    expect(sweepRuns).toHaveLength(2);
  });

  test('when more rows expired than one run may delete, then the run stops at its budget and the next period finishes', async () => {
    await seedProcessed(2, 120, T0 - PROCESSED_RETENTION_MS - 1, 'old');
    await runner('a', 150).runOnce([SWEEP_JOB]);
    expect(await allKeys(processed)).toHaveLength(90);
    clockNow = new Date(T0 + SWEEP_PERIOD_MS);
    await runner('a', 150).runOnce([SWEEP_JOB]);
    expect(await allKeys(processed)).toHaveLength(0);
  });

  test('when the running bot de-duplicates a message, then its row carries the time the sweep reads, and the bot registers the sweep', async () => {
    const bot = await startTestBot();
    try {
      const activity = bot.teams.channelMessage('help');
      expect((await bot.send(activity)).status).toBe(200);
      const rows: { at?: unknown }[] = [];
      for await (const e of bot.app.store.table(PROCESSED_TABLE).listEntities<{ at?: unknown }>()) rows.push(e);
      expect(rows).toHaveLength(1);
      expect(typeof rows[0]!.at).toBe('number');
      expect(Math.abs(Number(rows[0]!.at) - Date.now())).toBeLessThan(60_000);
      expect(bot.app.bot.jobs.names()).toContain(SWEEP_JOB);
    } finally {
      await bot.close();
    }
  });

  test('when the running bot sweeps, then card-update slots older than a day and heartbeats of instances dead for over an hour are deleted; recent slots and its own heartbeat stay', async () => {
    const bot = await startTestBot();
    try {
      const now = Date.now();
      const slots = bot.app.store.table(UPDATE_SLOTS_TABLE);
      const partitionKey = key(TENANT, '19:slots@thread.tacv2');
      await slots.createEntity({ partitionKey, rowKey: 'old-card', holder: 'x', slotAt: now - UPDATE_SLOTS_RETENTION_MS - 60_000, endAt: now - UPDATE_SLOTS_RETENTION_MS - 59_000 });
      await slots.createEntity({ partitionKey, rowKey: 'recent-card', holder: 'x', slotAt: now - 60_000, endAt: now - 59_000 });
      const heartbeats = bot.app.store.table(INSTANCES_TABLE);
      await heartbeats.createEntity({ partitionKey: key('dead-instance'), rowKey: 'heartbeat', host: 'gone', startedAt: 0, leaseUntil: now - INSTANCES_RETENTION_MS - 60_000 });
      await bot.app.bot.jobs.runOnce([SWEEP_JOB]);
      expect(await allKeys(slots)).toEqual([`${partitionKey}/recent-card`]);
      expect(await allKeys(heartbeats)).toEqual([`${key(bot.app.instances.id)}/heartbeat`]);
    } finally {
      await bot.close();
    }
  });
});
