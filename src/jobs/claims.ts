import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { key } from '../store/keys';
import { getEntityOrUndefined, insertIfAbsent, statusOf } from '../store/tables';

/**
 * "This run happens once": a run (job + scope + run key, e.g. digest/channel/2026-W48) is
 * claimed by inserting its row; only one instance can win the insert (the others get 409).
 * A claim whose lease ran out without being completed can be taken over, guarded by the eTag.
 *
 * Every claim write carries a token of its own. A write whose answer was lost (a timeout, a cut
 * connection: storage busy) may still have been applied, and the SDK's retry of it then gets 409
 * (or 412): the token read back says whether the row is ours. Without it the run would be held by
 * nobody until its lease ran out (a job "lost" for a lease).
 */
export const JOB_RUNS_TABLE = 'jobruns';

export interface RunId {
  tenantId: string;
  job: string;
  scope: string;
  runKey: string;
}

interface RunRow {
  /** unknown: the work was attempted and its outcome is not known (a post that got no answer); never run again. */
  status: 'claimed' | 'done' | 'failed' | 'unknown';
  owner: string;
  /** This claim's own token (one per claim write): whose the row is, even after a lost answer. */
  token?: string;
  leaseUntil: number;
  attempts: number;
  reason?: string;
  finishedAt?: number;
}

const pk = (r: RunId): string => key(r.tenantId, r.job);
const rk = (r: RunId): string => key(r.scope, r.runKey);

/** A claim this instance holds: what `extend` and `release` need. */
export interface HeldClaim {
  run: RunId;
  token: string;
  attempt: number;
}

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
    return (await this.hold(run, now, leaseMs))?.attempt;
  }

  /** Claims the run; the held claim (to extend or release it) or undefined when another instance has it. */
  async hold(run: RunId, now: Date, leaseMs: number): Promise<HeldClaim | undefined> {
    const token = randomUUID();
    const row: RunRow = { status: 'claimed', owner: this.owner, token, leaseUntil: now.getTime() + leaseMs, attempts: 1 };
    if (await insertIfAbsent(this.table, { partitionKey: pk(run), rowKey: rk(run), ...row })) return { run, token, attempt: 1 };
    const current = await getEntityOrUndefined<RunRow>(this.table, pk(run), rk(run));
    // Our insert was applied and its answer lost: the retry found our own row.
    if (current?.token === token) return { run, token, attempt: current.attempts ?? 1 };
    if (!current || current.status !== 'claimed' || current.leaseUntil > now.getTime()) return undefined;
    const attempt = (current.attempts ?? 1) + 1;
    try {
      await this.table.updateEntity({ partitionKey: pk(run), rowKey: rk(run), ...row, attempts: attempt }, 'Replace', { etag: current.etag });
      return { run, token, attempt };
    } catch (err) {
      if (statusOf(err) !== 412) throw err;
      const after = await getEntityOrUndefined<RunRow>(this.table, pk(run), rk(run));
      return after?.token === token ? { run, token, attempt } : undefined;
    }
  }

  /**
   * Moves a held claim's lease on (long work keeps its run). False when the claim is no longer
   * ours (taken over, finished): the holder must then stop.
   */
  async extend(held: HeldClaim, now: Date, leaseMs: number): Promise<boolean> {
    const current = await getEntityOrUndefined<RunRow>(this.table, pk(held.run), rk(held.run));
    if (!current || current.token !== held.token || current.status !== 'claimed') return false;
    const leaseUntil = now.getTime() + leaseMs;
    try {
      await this.table.updateEntity({ partitionKey: pk(held.run), rowKey: rk(held.run), leaseUntil }, 'Merge', { etag: current.etag });
      return true;
    } catch (err) {
      if (statusOf(err) !== 412) throw err;
      // Changed meanwhile, or our own write applied with its answer lost: read which.
      const after = await getEntityOrUndefined<RunRow>(this.table, pk(held.run), rk(held.run));
      return after?.token === held.token && after.status === 'claimed' && after.leaseUntil === leaseUntil;
    }
  }

  /**
   * Gives a held claim back at once (its lease ends now), so another instance takes the run over
   * without waiting for the lease: what a stopping instance does with work it did not finish.
   * A claim no longer ours (or finished) is left as it is.
   */
  async release(held: HeldClaim, now: Date): Promise<void> {
    const current = await getEntityOrUndefined<RunRow>(this.table, pk(held.run), rk(held.run));
    if (!current || current.token !== held.token || current.status !== 'claimed') return;
    try {
      await this.table.updateEntity({ partitionKey: pk(held.run), rowKey: rk(held.run), leaseUntil: now.getTime(), reason: 'released' }, 'Merge', { etag: current.etag });
    } catch (err) {
      if (statusOf(err) !== 412) throw err;
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

  /** Attempted, outcome not known (e.g. a post sent that got no answer): finished, with the reason, never retried. */
  async unknown(run: RunId, now: Date, reason: string): Promise<void> {
    await this.table.updateEntity(
      { partitionKey: pk(run), rowKey: rk(run), status: 'unknown', finishedAt: now.getTime(), reason: reason.slice(0, 500) },
      'Merge',
    );
  }

  async status(run: RunId): Promise<RunRow['status'] | undefined> {
    return (await getEntityOrUndefined<RunRow>(this.table, pk(run), rk(run)))?.status;
  }
}
