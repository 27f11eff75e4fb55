import { AsyncLocalStorage } from 'node:async_hooks';
import type { TableClient } from '@azure/data-tables';

/**
 * Which writes a unit of work (a turn) may have made, so what the bot says after a failure is
 * true: "nothing was saved" only when no write reached storage. The store notifies the tracker
 * of the current async context (AsyncLocalStorage) around every table write. A write counts
 * unless storage answered that it did not happen (400, 404, 409, 412): a write that failed
 * with a network error or a 5xx may have been applied.
 */
export class WriteTracker {
  /** Writes that happened or may have happened. */
  writes = 0;
}

const current = new AsyncLocalStorage<WriteTracker>();

export function trackWrites<T>(tracker: WriteTracker, work: () => Promise<T>): Promise<T> {
  return current.run(tracker, work);
}

/** Runs bookkeeping (the conversation registry before a turn) outside the turn's tracking. */
export function untracked<T>(work: () => Promise<T>): Promise<T> {
  return current.exit(work);
}

const WRITE_METHODS = new Set(['createEntity', 'upsertEntity', 'updateEntity', 'deleteEntity', 'submitTransaction']);
const NOT_WRITTEN = new Set([400, 404, 409, 412]);

function statusOf(err: unknown): number | undefined {
  const s = typeof err === 'object' && err !== null ? (err as { statusCode?: unknown }).statusCode : undefined;
  return typeof s === 'number' ? s : undefined;
}

/** The client with every write reported to the tracker of the calling context (if any). */
export function trackedClient(client: TableClient): TableClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !WRITE_METHODS.has(prop) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const tracker = current.getStore();
        if (tracker) tracker.writes++;
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (err) {
          const status = statusOf(err);
          if (tracker && status !== undefined && NOT_WRITTEN.has(status)) tracker.writes--;
          throw err;
        }
      };
    },
  });
}

/**
 * Work written beside the replies (counters, indexes: bookkeeping a turn does not wait for),
 * with a bounded backlog. When storage is slower than the inbound rate, the backlog would grow
 * without bound (measured: 200-550 MB of RSS in the fuzz test); here, once `max` writes are
 * pending, the next caller waits until one finishes before its own starts: the turn that made it
 * waits for room before answering (back-pressure, as a slower storage would make it anyway), and
 * nothing is dropped.
 */
export class WriteBehind {
  private readonly pending = new Set<Promise<void>>();
  private waiters: (() => void)[] = [];
  /** How many callers had to wait for room (for tests and logs). */
  waited = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.pending.size;
  }

  /** Starts `work` (which handles its own errors) once there is room; resolves when it has started. */
  async add(work: () => Promise<void>): Promise<void> {
    if (this.pending.size >= this.max) this.waited++;
    while (this.pending.size >= this.max) await new Promise<void>((resolve) => this.waiters.push(resolve));
    const p = work().catch(() => undefined);
    this.pending.add(p);
    void p.finally(() => {
      this.pending.delete(p);
      const next = this.waiters.shift();
      if (next) next();
    });
  }

  /** Every write started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

/** Pending writes beside the replies per feature before a turn waits for room. */
export const WRITE_BEHIND_MAX = 256;
