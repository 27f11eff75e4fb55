import type { TableClient } from '@azure/data-tables';
import { key } from '../store/keys';
import { getEntityOrUndefined, insertIfAbsent, statusOf } from '../store/tables';

/**
 * "This run happens once": a run (job + scope + run key, e.g. digest/channel/2026-W48) is
 * claimed by inserting its row; only one instance can win the insert (the others get 409).
 * A claim whose lease ran out without being completed can be taken over, guarded by the eTag.
 */
export const JOB_RUNS_TABLE = 'jobruns';

export interface RunId {
  tenantId: string;
  job: string;
  scope: string;
  runKey: string;
}

interface RunRow {
  status: 'claimed' | 'done' | 'failed';
  owner: string;
  leaseUntil: number;
  attempts: number;
  reason?: string;
  finishedAt?: number;
}

const pk = (r: RunId): string => key(r.tenantId, r.job);
const rk = (r: RunId): string => key(r.scope, r.runKey);

export class RunClaims {
  constructor(
    private readonly table: TableClient,
    private readonly owner: string,
  ) {}

  /** True when this instance now owns the run. */
  async claim(run: RunId, now: Date, leaseMs: number): Promise<boolean> {
    return (await this.claimAttempt(run, now, leaseMs)) !== undefined;
  }

  /** The attempt this instance now owns (1 for the first), or undefined when it does not own the run. */
  async claimAttempt(run: RunId, now: Date, leaseMs: number): Promise<number | undefined> {
    const row: RunRow = { status: 'claimed', owner: this.owner, leaseUntil: now.getTime() + leaseMs, attempts: 1 };
    if (await insertIfAbsent(this.table, { partitionKey: pk(run), rowKey: rk(run), ...row })) return 1;
    const current = await getEntityOrUndefined<RunRow>(this.table, pk(run), rk(run));
    if (!current || current.status !== 'claimed' || current.leaseUntil > now.getTime()) return undefined;
    const attempt = (current.attempts ?? 1) + 1;
    try {
      await this.table.updateEntity({ partitionKey: pk(run), rowKey: rk(run), ...row, attempts: attempt }, 'Replace', { etag: current.etag });
      return attempt;
    } catch (err) {
      if (statusOf(err) === 412) return undefined;
      throw err;
    }
  }

  /**
   * Gives the run back for a later attempt: it stays claimed, with a lease that runs out in
   * `delayMs`, after which any instance's pass takes it over (as after a crash).
   */
  async retryLater(run: RunId, now: Date, delayMs: number, reason: string): Promise<void> {
    await this.table.updateEntity(
      { partitionKey: pk(run), rowKey: rk(run), leaseUntil: now.getTime() + delayMs, reason: reason.slice(0, 500) },
      'Merge',
    );
  }

  async complete(run: RunId, now: Date): Promise<void> {
    await this.table.updateEntity(
      { partitionKey: pk(run), rowKey: rk(run), status: 'done', finishedAt: now.getTime() },
      'Merge',
    );
  }

  async fail(run: RunId, now: Date, reason: string): Promise<void> {
    await this.table.updateEntity(
      { partitionKey: pk(run), rowKey: rk(run), status: 'failed', finishedAt: now.getTime(), reason: reason.slice(0, 500) },
      'Merge',
    );
  }

  async status(run: RunId): Promise<RunRow['status'] | undefined> {
    return (await getEntityOrUndefined<RunRow>(this.table, pk(run), rk(run)))?.status;
  }
}
