import { z } from 'zod';
import type { OutMessage } from '../../teams/door';
import { RunClaims, type HeldClaim, type RunId } from '../../jobs/claims';
import type { JobQueue, QueuedMessage } from '../../jobs/queue';
import type { SendLimiter } from '../../jobs/limiter';
import { errorFields, type Logger } from '../../log';
import { digestCard, type VoteAction } from './cards';
import type { DigestRepo, SlotRow, Subscription } from './repo';
import { bucketsToScan, dueSlot, latestSlotAt, runKeyOf } from './schedule';
import { deliver, type DeliveryOutcome } from './sender';
import type { Poster } from '../../teams/door';
import type { Curated, DigestService, SharedReads } from './service';

/**
 * Weekly delivery, exactly once per channel and week with any number of instances:
 *
 * 1. The scheduler pass (every instance, every tick, or `npm run digest`) reads the schedule
 *    buckets around now, and for each subscription whose slot passed less than 24 h ago and
 *    whose week is not done, claims "enqueue digest/<channel>/<week>" (an insert only one
 *    instance wins; an unfinished claim can be taken over after its lease) and enqueues one job.
 * 2. Any instance receives jobs from the shared queue (each leased to it by the queue's
 *    visibility timeout), checks the delivery record first (done or failed: delete the job),
 *    claims "digest/<channel>/<week>" (the same insert-wins claim), curates, posts through the
 *    limiter with retries, records the run as done, then deletes the job.
 * A job abandoned by a crash shows up again after its lease; the claim's lease has run out by
 * then, so another instance takes over. The one window left is a crash after Teams accepted
 * the post and before the record was written (milliseconds): that digest would be sent again.
 *
 * Leases are short and renewed while a job is held (the message's visibility and the claim's
 * lease, every third of a lease), so that work nobody holds any more comes back quickly: a
 * receive whose answer was lost (storage busy: the queue handed messages to a request that timed
 * out), a job that failed on storage trouble (given back at once), an instance that died. A pass
 * waits for such work while the queue still holds messages, so nothing due is left behind.
 * At the drain deadline, the jobs not yet posted are given back at once (`releaseHeld`).
 */
export const DIGEST_JOB = 'digest';
export const DIGEST_ENQUEUE_JOB = 'digest-enqueue';
export const DIGEST_NOW_JOB = 'digest-now';
export const MAX_ATTEMPTS = 5;
/** The longest one post can take: the timeout on calls to Teams (OUTBOUND_TIMEOUT_MS in teams/http.ts). */
const POST_ALLOWANCE_MS = 15_000;
/** A job whose run another instance holds comes back after this long. */
const BUSY_RETRY_SECONDS = 5;

const jobSchema = z.object({
  v: z.literal(1),
  tenantId: z.string().min(1).max(200),
  conversationId: z.string().min(1).max(1024),
  runKey: z.string().regex(/^\d{4}-W\d{2}$/),
  slotAt: z.number().int().positive(),
});
export type DigestJob = z.infer<typeof jobSchema>;

export interface DeliverySettings {
  leaseSeconds: number;
  concurrency: number;
  retryBaseMs: number;
  /**
   * Sends per second this instance may make now (its share of the tenant budget), if known.
   * An instance takes no more jobs while about HOLD_SECONDS of sends already wait for its limiter:
   * more would only wait there while other instances run dry at the end of a pass (the tail of
   * a fan-out). Jobs still being claimed and curated do not count (storage latency overlaps).
   */
  sendsPerSecond?: () => number | undefined;
}

/** Seconds of sends, at this instance's share, that may wait for its limiter (see DeliverySettings). */
const HOLD_SECONDS = 1;
/** At least this many may wait. */
const MIN_HOLD = 4;

export interface PassReport {
  enqueued: number;
  /** How long finding and enqueueing the due digests took (delivery runs alongside). */
  enqueueMs: number;
  sent: number;
  failed: number;
  deactivated: number;
  skipped: number;
  /** Posted and never answered (a timeout): may have landed, not retried, recorded as unknown. */
  unknown: number;
}

type HandleResult = 'sent' | 'failed' | 'deactivated' | 'skipped' | 'unknown' | 'busy' | 'error';

/** A job this instance holds: its message and (once claimed) its run, both renewed while held. */
interface Holding {
  message: QueuedMessage;
  claim?: HeldClaim;
  /** Until when (this clock) the claim is surely ours, leaving room for the post itself. */
  ownedUntil: number;
  /** The post has started: the job finishes here and is never given back. */
  posting: boolean;
  /** Given back (drain deadline) or lost (a renewal found it taken): do not post. */
  released: boolean;
  /** The renewal in flight, if any. */
  renewal?: Promise<void>;
  /** Aborted when the job is given back or lost: its wait for the limiter ends. */
  gone: AbortController;
  /** Being deleted from the queue: no more renewals (they would change its pop receipt). */
  finishing?: boolean;
  /** Curated, waiting for the limiter to let its post through. */
  waiting?: boolean;
}

export class DigestDelivery {
  private queueReady: Promise<void> | undefined;
  private readonly held = new Set<Holding>();

  constructor(
    private readonly deps: {
      repo: DigestRepo;
      service: DigestService;
      claims: RunClaims;
      queue: JobQueue;
      poster: Poster;
      limiter: SendLimiter;
      log: Logger;
      settings: DeliverySettings;
      now: () => Date;
      voteAction?: VoteAction;
      /** True when the process is draining: take no new jobs, finish the ones held. */
      stopping?: () => boolean;
    },
  ) {}

  /** One scheduler pass: enqueue what is due, then work the queue until it is empty. */
  async runPass(): Promise<PassReport> {
    // Delivery starts while the scheduler is still enqueueing: the first digests go out at once.
    let producing = true;
    let enqueueMs = 0;
    const started = Date.now();
    const enqueue = this.enqueueDue(this.deps.now()).finally(() => {
      producing = false;
      enqueueMs = Date.now() - started;
    });
    const [enqueued, report] = await Promise.all([enqueue, this.drain(() => producing, new Map())]);
    return { ...report, enqueued, enqueueMs };
  }

  async ensureQueue(): Promise<void> {
    this.queueReady ??= this.deps.queue.ensure().catch((err: unknown) => {
      this.queueReady = undefined;
      throw err;
    });
    await this.queueReady;
  }

  /** How many held jobs may wait for the limiter before no more are taken: fewer when this instance's share of sends is small. */
  private waitLimit(concurrency: number): number {
    const rate = this.deps.settings.sendsPerSecond?.();
    if (rate === undefined) return concurrency;
    if (!(rate > 0)) return Math.min(concurrency, MIN_HOLD);
    return Math.min(concurrency, Math.max(MIN_HOLD, Math.ceil(rate * HOLD_SECONDS)));
  }

  private get leaseMs(): number {
    return this.deps.settings.leaseSeconds * 1000;
  }

  /** Claims are a little shorter than the queue lease, so a job that reappears finds its claim free. */
  private get claimLeaseMs(): number {
    return this.leaseMs - Math.min(5000, this.leaseMs / 4);
  }

  async enqueueDue(now: Date): Promise<number> {
    await this.ensureQueue();
    const due: { bucket: string; row: SlotRow; runKey: string; slotAt: number }[] = [];
    await inParallel(bucketsToScan(now), 8, async (bucket) => {
      for (const row of await this.deps.repo.slotsIn(bucket)) {
        const slot = dueSlot(row, now, new Date(row.since));
        if (slot && row.lastRunKey !== slot.runKey) due.push({ bucket, row, runKey: slot.runKey, slotAt: slot.slotAt.toMillis() });
      }
    });
    // Earliest slots first: the longest-waiting channels are served first.
    due.sort((x, y) => x.slotAt - y.slotAt);
    let enqueued = 0;
    const marks = new Map<string, { row: SlotRow; runKey: string }[]>();
    await inParallel(due, 16, async ({ bucket, row, runKey, slotAt }) => {
      try {
        // The enqueue claim is the scheduler's "only one of us": never completed, it simply
        // expires; the index row's lastRunKey is what stops later passes from trying again.
        // A crash between claim and mark means a takeover after the lease and possibly a second
        // job for the same run, which the delivery claim turns into a no-op.
        const enqueueRun: RunId = { tenantId: row.tenantId, job: DIGEST_ENQUEUE_JOB, scope: row.conversationId, runKey };
        if (!(await this.deps.claims.claim(enqueueRun, now, this.claimLeaseMs))) return;
        const job: DigestJob = { v: 1, tenantId: row.tenantId, conversationId: row.conversationId, runKey, slotAt };
        await this.deps.queue.enqueue(job);
        marks.set(bucket, [...(marks.get(bucket) ?? []), { row, runKey }]);
        enqueued++;
      } catch (err) {
        this.deps.log.error('digest.enqueue_failed', { tenantId: row.tenantId, runKey, ...errorFields(err) });
      }
    });
    // Marked in batches afterwards: a crash before this only costs the next pass a failed claim per row.
    for (const [bucket, list] of marks) {
      await this.deps.repo.markEnqueuedMany(bucket, list).catch((err: unknown) => this.deps.log.warn('digest.mark_failed', errorFields(err)));
    }
    if (enqueued) this.deps.log.info('digest.enqueued', { count: enqueued });
    return enqueued;
  }

  /**
   * Works the queue until nothing is visible (and, with `producing`, until the producer is done);
   * several instances may drain at once. Work this instance knows will come back soon is waited
   * for: messages handed to a receive whose answer was lost (invisible for a lease), and jobs it
   * gave back (storage trouble, a claim that ran out while waiting), so a pass leaves nothing
   * due behind. Jobs held by other instances are theirs to finish.
   */
  async drain(producing: () => boolean = () => false, shared: SharedReads = new Map()): Promise<Omit<PassReport, 'enqueued' | 'enqueueMs'>> {
    await this.ensureQueue();
    const report = { sent: 0, failed: 0, deactivated: 0, skipped: 0, unknown: 0 };
    const inFlight = new Set<Promise<void>>();
    const { concurrency, leaseSeconds } = this.deps.settings;
    const pollMs = Math.min(1000, Math.max(100, this.leaseMs / 10));
    const expect = { backUntil: 0 };
    for (;;) {
      if (this.deps.stopping?.()) {
        // Draining: what is not received stays in the queue for the other instances.
        await Promise.all(inFlight);
        break;
      }
      const waiting = [...this.held].filter((h) => h.waiting && !h.posting).length;
      const room = waiting >= this.waitLimit(concurrency) ? 0 : concurrency - inFlight.size;
      if (room > 0) {
        // Read before receiving: if the producer had finished, an empty receive means all is done.
        const stillProducing = producing();
        let batch: QueuedMessage[];
        try {
          batch = await this.deps.queue.receive(Math.min(32, room), leaseSeconds);
        } catch (err) {
          // Storage busy: what that receive was handed (if anything) comes back after its lease.
          this.deps.log.warn('digest.receive_failed', errorFields(err));
          expect.backUntil = Math.max(expect.backUntil, Date.now() + this.leaseMs + 1000);
          await sleep(pollMs);
          continue;
        }
        for (const message of batch) {
          const p = this.handle(message, shared, expect).then((r) => {
            if (r === 'sent' || r === 'failed' || r === 'deactivated' || r === 'skipped' || r === 'unknown') report[r]++;
          });
          const tracked = p.finally(() => inFlight.delete(tracked));
          inFlight.add(tracked);
        }
        if (batch.length > 0) continue;
        if (inFlight.size === 0) {
          if (!stillProducing && (Date.now() > expect.backUntil || (await this.queueEmpty()))) break;
          await sleep(stillProducing ? 100 : pollMs);
          continue;
        }
      }
      // (Nothing of this pass in flight while others' jobs wait: look again shortly.)
      await (inFlight.size > 0 ? Promise.race(inFlight) : sleep(pollMs));
    }
    return report;
  }

  /** True when the queue holds no message at all (visible or not); false when unsure. */
  private async queueEmpty(): Promise<boolean> {
    try {
      return (await this.deps.queue.approximateCount()) === 0;
    } catch {
      return false;
    }
  }

  /**
   * The drain deadline: every held job not yet posting is given back at once (its claim's lease
   * ends now, its message is visible now), so another instance takes it over without waiting
   * for the lease. Its handler sees it released and posts nothing. Returns how many.
   */
  async releaseHeld(): Promise<number> {
    const now = this.deps.now();
    const giving = [...this.held].filter((h) => !h.posting && !h.released);
    for (const h of giving) {
      h.released = true;
      h.gone.abort();
    }
    await Promise.all(giving.map((h) => this.giveBack(h, now, 0)));
    if (giving.length) this.deps.log.info('digest.released', { jobs: giving.length });
    return giving.length;
  }

  private async giveBack(h: Holding, now: Date, delaySeconds: number, expect?: { backUntil: number }): Promise<void> {
    // A renewal in flight would change the message's pop receipt under us: let it finish.
    await h.renewal;
    if (expect) expect.backUntil = Math.max(expect.backUntil, Date.now() + delaySeconds * 1000 + 1000);
    if (h.claim) await this.deps.claims.release(h.claim, now).catch((err: unknown) => this.deps.log.warn('digest.release_failed', errorFields(err)));
    await this.deps.queue.release(h.message, delaySeconds).catch((err: unknown) => this.deps.log.warn('digest.release_failed', errorFields(err)));
  }

  /** Renews the message's and the claim's leases while the job is held, every quarter of a lease. */
  private keep(h: Holding): () => void {
    const timer = setInterval(() => {
      if (h.renewal || h.released || h.finishing) return;
      const started = Date.now();
      h.renewal = (async () => {
        const messageKept = await this.deps.queue.extend(h.message, this.deps.settings.leaseSeconds);
        const claimKept = h.claim && !h.released ? await this.deps.claims.extend(h.claim, this.deps.now(), this.claimLeaseMs) : true;
        if (!messageKept || !claimKept) {
          // Taken over (or finished meanwhile): not ours to post any more.
          if (!h.posting) {
            this.deps.log.warn('digest.job_lost', { messageKept, claimKept });
            h.released = true;
            h.gone.abort();
          }
          return;
        }
        if (h.claim) h.ownedUntil = started + this.claimLeaseMs - this.postAllowanceMs;
      })()
        .catch((err: unknown) => this.deps.log.warn('digest.renew_failed', errorFields(err)))
        .finally(() => {
          h.renewal = undefined;
        });
    }, Math.max(500, Math.floor(this.leaseMs / 4)));
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The job is done with: removed from the queue once no renewal is in flight. */
  private async finish(h: Holding): Promise<void> {
    h.finishing = true;
    await h.renewal;
    await this.deps.queue.delete(h.message);
  }

  private get postAllowanceMs(): number {
    return Math.min(POST_ALLOWANCE_MS, this.claimLeaseMs / 3);
  }

  /** One job: check the record, claim, curate, post, record. Never throws. */
  async handle(message: QueuedMessage, shared?: SharedReads, expect?: { backUntil: number }): Promise<HandleResult> {
    const { log } = this.deps;
    const parsed = jobSchema.safeParse(message.body);
    if (!parsed.success) {
      log.warn('digest.job_malformed', { messageId: message.messageId });
      await this.deps.queue.delete(message).catch(() => undefined);
      return 'skipped';
    }
    const job = parsed.data;
    const holding: Holding = { message, ownedUntil: 0, posting: false, released: false, gone: new AbortController() };
    this.held.add(holding);
    const stopKeeping = this.keep(holding);
    const jobLog = log.child({ tenantId: job.tenantId, runKey: job.runKey });
    try {
      return await this.handleHeld(job, holding, jobLog, shared, expect);
    } catch (err) {
      // Storage trouble or a bug: give the job back for a retry soon (later each time it
      // fails), rather than leaving it with this instance for a whole lease.
      jobLog.error('digest.job_error', errorFields(err));
      if (!holding.posting && !holding.released) {
        holding.released = true;
        await this.giveBack(holding, this.deps.now(), Math.min(this.deps.settings.leaseSeconds, 2 ** Math.min(6, message.dequeueCount)), expect);
      }
      return 'error';
    } finally {
      stopKeeping();
      this.held.delete(holding);
    }
  }

  private async handleHeld(job: DigestJob, holding: Holding, jobLog: Logger, shared?: SharedReads, expect?: { backUntil: number }): Promise<HandleResult> {
    const { claims, repo } = this.deps;
    const { message } = holding;
    const run: RunId = { tenantId: job.tenantId, job: DIGEST_JOB, scope: job.conversationId, runKey: job.runKey };
    const now = this.deps.now();
    if (message.dequeueCount > MAX_ATTEMPTS) {
      const was = await claims.status(run);
      if (was !== 'done' && was !== 'unknown') await claims.fail(run, now, `gave up after ${message.dequeueCount - 1} interrupted attempts`);
      await this.finish(holding);
      jobLog.error('digest.job_abandoned', { dequeueCount: message.dequeueCount });
      return 'failed';
    }
    // The record first: a run already done (or given up) is never sent again.
    const claimedAt = Date.now();
    const claim = await claims.hold(run, now, this.claimLeaseMs);
    if (!claim) {
      const status = await claims.status(run);
      if (status === 'done' || status === 'failed' || status === 'unknown') {
        await this.finish(holding);
        return 'skipped';
      }
      // Another instance holds the run (or held it and died: its claim runs out later). Not
      // ours: visible again in a few seconds rather than after a whole lease, for whoever can
      // take it then.
      holding.finishing = true;
      await holding.renewal;
      await this.deps.queue.release(message, Math.min(this.deps.settings.leaseSeconds, BUSY_RETRY_SECONDS)).catch(() => undefined);
      return 'busy';
    }
    holding.claim = claim;
    holding.ownedUntil = claimedAt + this.claimLeaseMs - this.postAllowanceMs;
    if (holding.released) {
      // Given back while the claim was being written: give the claim back too.
      await claims.release(claim, now).catch(() => undefined);
      return 'busy';
    }
    const sub = await repo.get(job.tenantId, job.conversationId);
    const stillDue = sub?.active === true && runKeyOf(latestSlotAt(sub, new Date(Math.max(job.slotAt, now.getTime())))) === job.runKey;
    if (!sub || !stillDue) {
      await claims.fail(run, now, sub?.active ? 'skipped: the schedule changed' : `skipped: not subscribed (${sub?.inactiveReason ?? 'no subscription'})`);
      await this.finish(holding);
      return 'skipped';
    }
    const curated = await this.deps.service.curateWeek(sub, new Date(job.slotAt), shared);
    // Waiting for the limiter can outlast the claim (a long queue, a small share; renewals move
    // it on): post only while it is surely still ours and not given back, leaving room for the
    // post itself, else leave it to whoever takes the run over. Checked right before the request.
    const stillOwned = (): boolean => {
      if (holding.released || Date.now() >= holding.ownedUntil) return false;
      holding.posting = true;
      return true;
    };
    holding.waiting = true;
    const outcome = await this.post(sub, curated, false, stillOwned, holding.gone.signal).finally(() => {
      holding.waiting = false;
    });
    if (outcome.kind === 'lost') {
      jobLog.warn('digest.claim_ran_out', { waitedMs: Date.now() - claimedAt, released: holding.released });
      // Never attempted: whatever of it is still ours goes back at once, for whoever is free.
      // After an attempt (one that failed without an answer may have landed) it stays claimed
      // and comes back only after its lease, as after a crash.
      if (!holding.released && !holding.posting) {
        holding.released = true;
        await this.giveBack(holding, this.deps.now(), 0, expect);
      }
      return 'busy';
    }
    const result = await this.record(sub, run, curated, outcome);
    await this.finish(holding);
    jobLog.info('digest.delivered', { result, attempts: outcome.attempts, quiet: curated.content.quiet, stories: curated.storyIds.length });
    return result;
  }

  /** `digest now`: its own run, claimed like the weekly one (a double press sends once). */
  async claimNow(run: RunId, now: Date): Promise<boolean> {
    return this.deps.claims.claim(run, now, this.claimLeaseMs);
  }

  /** Posts a curated digest to the subscription's conversation, through the limiter, with retries. */
  async post(sub: Subscription, curated: Curated, preview: boolean, stillOwned?: () => boolean, signal?: AbortSignal): Promise<DeliveryOutcome> {
    const message = digestMessage(curated, preview, this.deps.voteAction);
    return deliver(this.deps.poster, this.deps.limiter, sub, message, {
      maxAttempts: MAX_ATTEMPTS,
      baseMs: this.deps.settings.retryBaseMs,
      maxWaitMs: Math.max(1000, Math.min(60_000, this.claimLeaseMs / (MAX_ATTEMPTS * 2))),
      stillOwned,
      signal,
    });
  }

  /**
   * Records the outcome of a post: done (and what it featured), deactivated (403/404), unknown
   * (sent, never answered: it may be in the channel; not sent again), or failed.
   */
  async record(sub: Subscription, run: RunId, curated: Curated, outcome: DeliveryOutcome): Promise<'sent' | 'failed' | 'deactivated' | 'unknown'> {
    const { claims, repo, log } = this.deps;
    const now = this.deps.now();
    if (outcome.kind === 'sent') {
      await claims.complete(run, now);
      try {
        await repo.recordFeatured(sub.tenantId, sub.conversationId, curated.storyIds, run.runKey, now);
        await repo.recordDelivered(sub.tenantId, sub.conversationId, run.runKey, curated.figures, curated.resurfacedId);
      } catch (err) {
        log.error('digest.record_featured_failed', { tenantId: sub.tenantId, ...errorFields(err) });
      }
      return 'sent';
    }
    if (outcome.kind === 'gone') {
      await repo.deactivate(sub.tenantId, sub.conversationId, `Teams answered ${outcome.reason}`, now);
      await claims.fail(run, now, `conversation unreachable: ${outcome.reason}`);
      log.warn('digest.subscription_deactivated', { tenantId: sub.tenantId, status: outcome.status });
      return 'deactivated';
    }
    if (outcome.kind === 'unknown') {
      await claims.unknown(run, now, `${outcome.reason} after ${outcome.attempts} attempts; may have been posted, not retried`);
      log.warn('digest.delivery_unknown', { tenantId: sub.tenantId, attempts: outcome.attempts, reason: outcome.reason });
      return 'unknown';
    }
    if (outcome.kind === 'lost') return 'failed';
    await claims.fail(run, now, `${outcome.reason} after ${outcome.attempts} attempts`);
    log.error('digest.delivery_failed', { tenantId: sub.tenantId, attempts: outcome.attempts, reason: outcome.reason });
    return 'failed';
  }
}

export function digestMessage(curated: Curated, preview: boolean, voteAction?: VoteAction): OutMessage {
  return { card: digestCard(curated.content, { preview, voteAction }) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
