import type { TableClient } from '@azure/data-tables';
import { key, odataString } from '../store/keys';
import { getEntityOrUndefined, insertIfAbsent, statusOf } from '../store/tables';

/**
 * Long work done in bounded steps, each step's progress recorded, so the work survives the
 * process dying and never holds up a turn: a turn only records that the work is wanted.
 *
 * The work is a state (plain JSON) and a step function from state to state. After every step
 * the new state is written under the row's eTag, with the owner's lease extended. Whoever runs
 * the work holds the lease; when an owner dies, its lease runs out and the next pass of any
 * instance (`resume`) takes the work over from the last recorded state. A step may therefore
 * run twice (the step that was in flight when the owner died): steps must be idempotent.
 * When the work is done, its row is deleted.
 *
 * Table `steppedjobs`. PartitionKey: tenant. RowKey: kind|job id (random). The table holds only
 * work in progress, so `resume` lists it whole.
 */
export const STEPPED_JOBS_TABLE = 'steppedjobs';

export interface StepResult<S> {
  state: S;
  done: boolean;
}

export interface SteppedWork<S> {
  kind: string;
  /** One bounded step. Idempotent: it may run again from the same state after a crash. */
  step(state: S): Promise<StepResult<S>>;
}

interface Row {
  kind: string;
  tenantId: string;
  jobId: string;
  state: string;
  owner: string;
  leaseUntil: number;
  steps: number;
}

export type RunOutcome = 'done' | 'more' | 'elsewhere';

export interface JobRef {
  tenantId: string;
  id: string;
}

export class SteppedJobs<S> {
  constructor(
    private readonly table: TableClient,
    private readonly work: SteppedWork<S>,
    private readonly owner: string,
    private readonly now: () => number,
    private readonly leaseMs = 2 * 60_000,
  ) {}

  private rk(id: string): string {
    return key(this.work.kind, id);
  }

  /** Records new work, owned by this instance (it is expected to `run` it now). */
  async start(job: JobRef, state: S): Promise<void> {
    const row: Row = { kind: this.work.kind, tenantId: job.tenantId, jobId: job.id, state: JSON.stringify(state), owner: this.owner, leaseUntil: this.now() + this.leaseMs, steps: 0 };
    if (!(await insertIfAbsent(this.table, { partitionKey: key(job.tenantId), rowKey: this.rk(job.id), ...row }))) throw new Error('stepped job already exists');
  }

  /** The states of this kind's work in progress (the table holds only running work). */
  async inProgress(tenantId: string): Promise<S[]> {
    const out: S[] = [];
    for await (const row of this.table.listEntities<Row>({ queryOptions: { filter: `PartitionKey eq ${odataString(key(tenantId))}` } })) {
      if (row.kind === this.work.kind) out.push(JSON.parse(row.state) as S);
    }
    return out;
  }

  /**
   * Runs the work until it is done, or `maxSteps` steps were taken (then it stays recorded,
   * owned by this instance until its lease runs out: 'more'). Takes the work over first if
   * another owner's lease ran out; does nothing if another owner holds it ('elsewhere').
   */
  async run(job: JobRef, maxSteps = Infinity): Promise<RunOutcome> {
    const pk = key(job.tenantId);
    const rk = this.rk(job.id);
    const row = await getEntityOrUndefined<Row>(this.table, pk, rk);
    if (!row) return 'done';
    if (row.owner !== this.owner && row.leaseUntil > this.now()) return 'elsewhere';
    let etag = row.etag;
    let state = JSON.parse(row.state) as S;
    let steps = Number(row.steps ?? 0);
    // Claim (or renew) the lease before the first step: of two instances, one wins the eTag.
    try {
      etag = (await this.table.updateEntity({ partitionKey: pk, rowKey: rk, owner: this.owner, leaseUntil: this.now() + this.leaseMs }, 'Merge', { etag })).etag ?? etag;
    } catch (err) {
      if (statusOf(err) === 412) return 'elsewhere';
      throw err;
    }
    for (let taken = 0; taken < maxSteps; taken++) {
      const result = await this.work.step(state);
      state = result.state;
      steps++;
      if (result.done) {
        await this.table.deleteEntity(pk, rk, { etag }).catch((err: unknown) => {
          if (statusOf(err) !== 404 && statusOf(err) !== 412) throw err;
        });
        return 'done';
      }
      try {
        const res = await this.table.updateEntity({ partitionKey: pk, rowKey: rk, state: JSON.stringify(state), owner: this.owner, leaseUntil: this.now() + this.leaseMs, steps }, 'Merge', { etag });
        etag = res.etag ?? etag;
      } catch (err) {
        // Another instance took the work over (our lease ran out): it carries on from the last record.
        if (statusOf(err) === 412) return 'elsewhere';
        throw err;
      }
    }
    return 'more';
  }

  /** One pass: every piece of this kind's work whose owner's lease ran out is taken over and run (up to `maxSteps` steps each). */
  async resume(maxSteps = Infinity): Promise<number> {
    let resumed = 0;
    const now = this.now();
    const stale: JobRef[] = [];
    for await (const row of this.table.listEntities<Row>()) {
      if (row.kind !== this.work.kind || row.leaseUntil > now) continue;
      stale.push({ tenantId: row.tenantId, id: row.jobId });
    }
    for (const job of stale) {
      await this.run(job, maxSteps);
      resumed++;
    }
    return resumed;
  }
}
