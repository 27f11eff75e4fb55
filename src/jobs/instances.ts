import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { errorFields, type Logger } from '../log';
import { key } from '../store/keys';
import { statusOf } from '../store/tables';

/**
 * The instances that are alive, so that a budget they share (Teams' per-tenant send limit) can
 * be divided among them and follow instances joining and dying.
 *
 * Each instance keeps one heartbeat row, in its own partition (an instance only ever writes its
 * own row: no hot partition, no contention), renewed every third of the lease; a row whose lease
 * ran out is dead (and is deleted by whoever sees it, guarded by its eTag so a late renewal wins).
 * Counting reads the whole table, which holds one small row per live instance.
 *
 * Never more than the whole budget, even while the count changes:
 * - A view of the count is trusted for one renewal period (plus half of one) after the read
 *   that made it. An instance that cannot renew (storage unreachable) stops sending instead of
 *   keeping a share that the others may already have taken over.
 * - A joining instance that sees others waits until each of them has re-read the count (one and
 *   a half renewal periods) and their sends at the old, larger share have left the limiter's
 *   1-second window, before it takes its share.
 * - A dead instance's share is unused until its lease runs out: slower, never over.
 * Leases compare times written by different machines: clock skew between instances (NTP-synced
 * hosts: milliseconds) eats into the grace period.
 */
export const INSTANCES_TABLE = 'instances';
const ROW = 'heartbeat';
/** The longest limiter window a share is enforced over (the per-tenant window is 1 s). */
const WINDOW_MS = 1000;

interface HeartbeatRow {
  host: string;
  startedAt: number;
  leaseUntil: number;
}

/** What the rest of the app needs: how many instances share a budget now (undefined: take no share now). */
export interface LiveInstances {
  readonly id: string;
  sharers(): number | undefined;
}

export class InstanceRegistry implements LiveInstances {
  readonly id: string;
  private timer: NodeJS.Timeout | undefined;
  private live = 1;
  /** Start time of the read the current count comes from. */
  private viewAt = 0;
  /** Before this time the instance takes no share (it is joining others). */
  private warmUntil = 0;
  private renewing: Promise<void> | undefined;
  private stopped = false;
  private startedAt = 0;
  /** Lease of the row as last written. */
  private leaseUntil = 0;

  constructor(
    private readonly table: TableClient,
    private readonly leaseMs: number,
    private readonly log: Logger,
    private readonly now: () => number = () => Date.now(),
    id?: string,
  ) {
    this.id = id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  get renewMs(): number {
    return Math.floor(this.leaseMs / 3);
  }

  /**
   * How long past a renewal period a count is still trusted: room for a slow renewal (storage
   * busy) before the instance stops taking a share. A joiner waits this much longer too.
   */
  get graceMs(): number {
    return Math.max(500, Math.floor(this.renewMs / 2));
  }

  /** Registers this instance and reads the count; renews on a timer from then on. */
  async start(): Promise<void> {
    const started = this.now();
    this.startedAt = started;
    await this.renew();
    // Others were already there: they must see us before we take a share.
    if (this.live > 1) this.warmUntil = started + this.renewMs + this.graceMs + WINDOW_MS;
    this.log.info('instances.joined', { instance: this.id, live: this.live, warmUpMs: Math.max(0, this.warmUntil - started) });
    this.timer = setInterval(() => void this.tick(), this.renewMs);
    this.timer.unref();
  }

  sharers(): number | undefined {
    const now = this.now();
    if (this.stopped || now < this.warmUntil) return undefined;
    if (now > this.viewAt + this.renewMs + this.graceMs) return undefined;
    return this.live;
  }

  /** Live instances as last counted (for logs, tests and the bench). */
  count(): number {
    return this.live;
  }

  /** Leaves: the row is deleted, so the others take over this share at their next renewal. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    try {
      await this.table.deleteEntity(key(this.id), ROW);
    } catch (err) {
      if (statusOf(err) !== 404) this.log.warn('instances.leave_failed', errorFields(err));
    }
    this.log.info('instances.left', { instance: this.id });
  }

  private async tick(): Promise<void> {
    if (this.renewing || this.stopped) return;
    this.renewing = this.renew()
      .catch((err: unknown) => this.log.warn('instances.renew_failed', errorFields(err)))
      .finally(() => {
        this.renewing = undefined;
      });
    await this.renewing;
  }

  private async renew(): Promise<void> {
    const readAt = this.now();
    const row: HeartbeatRow = { host: hostname(), startedAt: this.startedAt, leaseUntil: readAt + this.leaseMs };
    // Our previous row had run out (this process was starved or storage was unreachable): the
    // others may have counted us dead and taken our share. Come back as a joining instance.
    const previousLease = this.leaseUntil;
    await this.table.upsertEntity({ partitionKey: key(this.id), rowKey: ROW, ...row }, 'Merge');
    const rejoining = previousLease > 0 && this.now() >= previousLease;
    this.leaseUntil = row.leaseUntil;
    if (rejoining) {
      this.warmUntil = readAt + this.renewMs + this.graceMs + WINDOW_MS;
      this.log.warn('instances.rejoined', { instance: this.id, lateMs: readAt - this.viewAt });
    }
    let live = 0;
    const expired: { partitionKey: string; etag: string }[] = [];
    for await (const e of this.table.listEntities<HeartbeatRow>({ queryOptions: { filter: `RowKey eq '${ROW}'` } })) {
      if (e.partitionKey === key(this.id) || e.leaseUntil > readAt) live++;
      else expired.push({ partitionKey: e.partitionKey ?? '', etag: e.etag });
    }
    if (this.stopped) return;
    const before = this.live;
    this.live = Math.max(1, live);
    this.viewAt = readAt;
    if (before !== this.live) this.log.info('instances.changed', { instance: this.id, live: this.live, was: before });
    for (const dead of expired) {
      await this.table.deleteEntity(dead.partitionKey, ROW, { etag: dead.etag }).catch(() => undefined);
    }
  }
}

/** One instance on its own (a one-shot process that registers nothing, unit tests). */
export const soloInstance: LiveInstances = { id: 'solo', sharers: () => 1 };
