import { randomUUID } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { Logger } from '../log';
import { errorFields } from '../log';
import { statusOf } from '../store/tables';
import { RunClaims } from './claims';
import type { Job } from './runner';

/**
 * Tables that would otherwise grow forever lose their expired rows here. Each swept table names
 * the numeric property (milliseconds since the epoch) that says when a row stops mattering and
 * how long the row protects something after that:
 * - `processed` (de-duplication, teams/middleware.ts): `at`, the first delivery. Teams
 *   re-delivers within minutes (~15 s when the bot is slow); a day is a wide margin.
 * - `jobruns` (run claims, jobs/claims.ts): `leaseUntil`, set on every claim. A run is only ever
 *   due in its own period (digest: the current week's slot; agenda: a due row that the run
 *   deletes), so a claim 35 days past its lease guards nothing. Finished claims (done, failed)
 *   keep the lease of their last claim, so they go the same way.
 * - `updateslots` (shared card-update pacing, jobs/updateSlots.ts): `slotAt`, the last slot's
 *   start. A slot matters for its interval (2 s) and a dead holder's stale time (10 s); a day
 *   later the card is long settled, and a card updated again just starts a fresh row.
 * - `instances` (heartbeats, jobs/instances.ts): `leaseUntil`. Live instances delete the dead
 *   rows they see; rows left when every instance stopped at once go an hour after their lease
 *   (a starved instance that comes back later writes its row again and rejoins).
 *
 * Cost: neither table's keys carry time (they are designed for the hot path: de-duplication
 * and "only one wins" are point inserts keyed by tenant, conversation and activity or run).
 * Azure Tables has no secondary index, so the query `<field> lt <cutoff>` is a server-side
 * filtered scan of the whole table, paged, returning only the keys. Because every row expires,
 * the table holds at most one window plus one sweep period of rows, so each scan is bounded by
 * that, not by the table's history. The alternative, a time-bucketed partition key, would make
 * the sweep a few partition deletes but costs either a hot partition per bucket or a second
 * read on every inbound activity (a re-delivery can cross a bucket boundary): not worth it at
 * these sizes. Each run deletes at most `maxDeletesPerRun` rows; the rest go next period.
 */
export const SWEEP_JOB = 'store.sweep';
export const SWEEP_PERIOD_MS = 60 * 60_000;
export const PROCESSED_RETENTION_MS = 24 * 60 * 60_000;
export const JOB_RUNS_RETENTION_MS = 35 * 24 * 60 * 60_000;
export const UPDATE_SLOTS_RETENTION_MS = 24 * 60 * 60_000;
export const INSTANCES_RETENTION_MS = 60 * 60_000;

export interface SweptTable {
  name: string;
  table: TableClient;
  /** Numeric property (ms since epoch) compared with the cutoff. */
  field: string;
  retentionMs: number;
}

export interface SweepResult {
  scanned: number;
  deleted: number;
  /** True when the run stopped at its budget with expired rows left. */
  more: boolean;
}

const PAGE_SIZE = 1000;
const TRANSACTION_MAX = 100;

/** Deletes every row of `target` whose `field` is older than `now - retentionMs`, up to `maxDeletes`. */
export async function sweepExpired(target: SweptTable, now: Date, maxDeletes: number): Promise<SweepResult> {
  const cutoff = now.getTime() - target.retentionMs;
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(target.field)) throw new Error(`invalid sweep field: ${target.field}`);
  const pages = target.table
    .listEntities({ queryOptions: { filter: `${target.field} lt ${cutoff}`, select: ['PartitionKey', 'RowKey'] } })
    .byPage({ maxPageSize: PAGE_SIZE });
  const result: SweepResult = { scanned: 0, deleted: 0, more: false };
  for await (const page of pages) {
    const byPartition = new Map<string, string[]>();
    for (const row of page) {
      if (row.partitionKey === undefined || row.rowKey === undefined) continue;
      result.scanned += 1;
      const rows = byPartition.get(row.partitionKey) ?? [];
      rows.push(row.rowKey);
      byPartition.set(row.partitionKey, rows);
    }
    for (const [partitionKey, rowKeys] of byPartition) {
      for (let i = 0; i < rowKeys.length; i += TRANSACTION_MAX) {
        if (result.deleted >= maxDeletes) return { ...result, more: true };
        const chunk = rowKeys.slice(i, Math.min(i + TRANSACTION_MAX, i + maxDeletes - result.deleted));
        result.deleted += await deleteRows(target.table, partitionKey, chunk);
      }
    }
  }
  return result;
}

/** One transaction per partition chunk; if a row vanished meanwhile (404 fails the batch), one by one. */
async function deleteRows(table: TableClient, partitionKey: string, rowKeys: readonly string[]): Promise<number> {
  if (rowKeys.length > 1) {
    try {
      const actions: TransactionAction[] = rowKeys.map((rowKey) => ['delete', { partitionKey, rowKey }]);
      await table.submitTransaction(actions);
      return rowKeys.length;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
  let deleted = 0;
  for (const rowKey of rowKeys) {
    try {
      await table.deleteEntity(partitionKey, rowKey);
      deleted += 1;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
  return deleted;
}

/** The period a time falls in, as a run key (one sweep per period across all instances). */
export function sweepRunKey(now: Date, periodMs: number = SWEEP_PERIOD_MS): string {
  return String(Math.floor(now.getTime() / periodMs));
}

export interface SweepJobOptions {
  claimsTable: TableClient;
  targets: readonly SweptTable[];
  log: Logger;
  periodMs?: number;
  maxDeletesPerRun?: number;
  owner?: string;
}

/** A JobRunner job: in each period, the one instance that claims the period sweeps every target. */
export function sweepJob(options: SweepJobOptions): Job {
  const periodMs = options.periodMs ?? SWEEP_PERIOD_MS;
  const maxDeletes = options.maxDeletesPerRun ?? 10_000;
  const claims = new RunClaims(options.claimsTable, options.owner ?? `sweep-${randomUUID().slice(0, 8)}`);
  return {
    name: SWEEP_JOB,
    async run(now) {
      // Not a tenant's job: the claim lives in one small 'system' partition, one row per period.
      const run = { tenantId: 'system', job: SWEEP_JOB, scope: 'all', runKey: sweepRunKey(now, periodMs) };
      if (!(await claims.claim(run, now, periodMs))) return;
      try {
        for (const target of options.targets) {
          const r = await sweepExpired(target, now, maxDeletes);
          options.log.info('sweep.done', { table: target.name, scanned: r.scanned, deleted: r.deleted, more: r.more });
        }
        await claims.complete(run, now);
      } catch (err) {
        options.log.error('sweep.failed', errorFields(err));
        await claims.fail(run, now, 'error').catch(() => undefined);
      }
    },
  };
}
