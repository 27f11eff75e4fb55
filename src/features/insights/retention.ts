import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../../clock';
import { RunClaims, JOB_RUNS_TABLE } from '../../jobs/claims';
import type { Job } from '../../jobs/runner';
import type { Logger } from '../../log';
import { decodeKeyPart } from '../../store/keys';
import { statusOf, type Store } from '../../store/tables';
import { AGENDA_TABLES } from '../agenda/repo';
import { STORIES_TABLE } from '../stories/repo';
import { StoriesService } from '../stories/service';
import { dayKey, INSIGHT_DAYS_TABLE } from './repo';
import { INSIGHT_VALUES_TABLE } from './valueRepo';

/**
 * Retention (RETENTION_MONTHS, off at 0): once a day, one instance (the run is claimed in
 * `jobruns`) deletes stories, call topics and notes, and insight counters older than N months.
 * Stories go through the stories service, so their indexes go with them. The job walks the
 * tables it cleans; it runs daily, off the request path.
 */
export const RETENTION_JOB = 'insights.retention';
const LEASE_MS = 30 * 60_000;

export function cutoffOf(now: Date, months: number): Date {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d;
}

async function deleteWhere(client: TableClient, filter: string, old: (row: Record<string, unknown>) => boolean): Promise<number> {
  let n = 0;
  for await (const row of client.listEntities<Record<string, unknown>>(filter ? { queryOptions: { filter } } : {})) {
    if (!old(row)) continue;
    await client.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '').catch((err: unknown) => {
      if (statusOf(err) !== 404) throw err;
    });
    n++;
  }
  return n;
}

export function retentionJob(store: Store, clock: Clock, months: number, log: Logger): Job {
  const claims = new RunClaims(store.table(JOB_RUNS_TABLE), `retention-${randomUUID()}`);
  const stories = new StoriesService(store, clock);
  return {
    name: RETENTION_JOB,
    async run(now) {
      if (months <= 0) return;
      const run = { tenantId: '*', job: RETENTION_JOB, scope: 'all', runKey: now.toISOString().slice(0, 10) };
      if (!(await claims.claim(run, now, LEASE_MS))) return;
      const cutoff = cutoffOf(now, months).getTime();
      const counts = { stories: 0, topics: 0, notes: 0, days: 0, values: 0 };
      for await (const row of store.table(STORIES_TABLE).listEntities<Record<string, unknown>>({ queryOptions: { filter: "RowKey ge 's|' and RowKey lt 's}'" } })) {
        if (row.deleted || Number(row.createdAt) >= cutoff) continue;
        const [tenantId = '', spaceId = ''] = (row.partitionKey ?? '').split('|').map(decodeKeyPart);
        // The teller may always delete their story: the job acts in their name.
        await stories.deleteStory({ tenantId, spaceId }, String(row.storyId), { userId: String(row.tellerId), userName: '' }).catch((err: unknown) => {
          if (statusOf(err) !== 404 && !(err instanceof Error && err.name === 'UserError')) throw err;
        });
        counts.stories++;
      }
      counts.topics = await deleteWhere(store.table(AGENDA_TABLES.topics), '', (r) => Number(r.proposedAt) < cutoff);
      counts.notes = await deleteWhere(store.table(AGENDA_TABLES.notes), '', (r) => Number(r.at) < cutoff);
      counts.days = await deleteWhere(store.table(INSIGHT_DAYS_TABLE), `RowKey lt '${dayKey(new Date(cutoff).toISOString().slice(0, 10))}'`, () => true);
      counts.values = await deleteWhere(store.table(INSIGHT_VALUES_TABLE), '', (r) => Number(r.at) < cutoff);
      await claims.complete(run, now);
      log.info('retention.done', { months, ...counts });
    },
  };
}
