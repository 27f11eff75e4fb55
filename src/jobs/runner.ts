import type { Clock } from '../clock';
import { errorFields, type Logger } from '../log';

/**
 * A small in-process ticker for scheduled work. Jobs must be safe to run on every instance at
 * every tick: they decide what is due and claim each run through RunClaims, so any number of
 * instances (or an external timer calling `runOnce`) do each piece of work exactly once.
 */
export interface Job {
  name: string;
  run(now: Date): Promise<void>;
}

export class JobRunner {
  private readonly jobs: Job[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopRequested = false;
  private readonly passes = new Set<Promise<void>>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  add(job: Job): void {
    this.jobs.push(job);
  }

  names(): string[] {
    return this.jobs.map((j) => j.name);
  }

  /**
   * One pass over every job (or the named ones); a failing job does not stop the others.
   * Every pass in progress (the ticker's or a direct call) is waited for by `stop`.
   */
  runOnce(only?: readonly string[]): Promise<void> {
    const pass = this.pass(only);
    this.passes.add(pass);
    void pass.finally(() => this.passes.delete(pass));
    return pass;
  }

  private async pass(only?: readonly string[]): Promise<void> {
    if (this.stopRequested) return;
    const now = this.clock.now();
    for (const job of this.jobs) {
      if (only && !only.includes(job.name)) continue;
      const started = Date.now();
      try {
        await job.run(now);
        this.log.debug('job.ran', { job: job.name, ms: Date.now() - started });
      } catch (err) {
        this.log.error('job.failed', { job: job.name, ...errorFields(err) });
      }
    }
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    const tick = (): void => {
      if (this.running) return;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
      });
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  /** True once stopping began: long-running jobs take no new work (they finish what they hold). */
  get stopping(): boolean {
    return this.stopRequested;
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await Promise.all([...this.passes]);
  }
}
