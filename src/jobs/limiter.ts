/**
 * Client-side rate limiting for posts to Teams, and the backoff used when Teams still says no.
 *
 * Teams counts sends per conversation (7 per second, 60 per 30 seconds) and per app and tenant
 * (about 30 per second). This limiter keeps, per key, the times of recent sends and admits a new
 * send only when every window it belongs to has room: a sliding window, stricter than a token
 * bucket (a full bucket would allow a burst of 30 right after 30, i.e. 60 in one second of
 * Teams' own window). A send counts from the moment it starts until it completes, and is then
 * stamped with its completion time: the connector receives it no later than that, so two
 * windows seen from here never overlap on the connector's side.
 *
 * The windows are in-process. With N instances each has its own, and the tenant budget is divided
 * by the instances alive (jobs/instances.ts): a window's limit can be a function, read at each
 * decision, so the share follows instances joining and dying. A limit of 0 means "not now".
 */
export interface RateWindow {
  limit: number | (() => number);
  perMs: number;
}

/** How often a send held back by a zero limit looks again. */
const ZERO_LIMIT_POLL_MS = 250;

function limitOf(w: RateWindow): number {
  return typeof w.limit === 'function' ? w.limit() : w.limit;
}

export interface LimiterPolicy {
  perConversation: RateWindow[];
  perTenant: RateWindow[];
}

export const TEAMS_CONVERSATION_WINDOWS: RateWindow[] = [
  { limit: 7, perMs: 1000 },
  { limit: 60, perMs: 30_000 },
];

/**
 * Teams' windows, the tenant's divided by `sharers()`: the instances alive (undefined: this
 * instance may take no share right now, e.g. while it joins others).
 */
export function teamsPolicy(tenantSendsPerSecond: number, sharers: () => number | undefined = () => 1): LimiterPolicy {
  return {
    perConversation: TEAMS_CONVERSATION_WINDOWS,
    perTenant: [
      {
        limit: () => {
          const n = sharers();
          return n === undefined ? 0 : Math.max(1, Math.floor(tenantSendsPerSecond / Math.max(1, n)));
        },
        perMs: 1000,
      },
    ],
  };
}

class KeyWindows {
  inFlight = 0;
  /** Completion times of recent sends, ascending. */
  readonly stamps: number[] = [];
  pausedUntil = 0;

  constructor(readonly windows: RateWindow[]) {}

  /** 0 when a send may start at `now`, else how long to wait (Infinity: wait for a completion). */
  waitMs(now: number): number {
    if (this.pausedUntil > now) return this.pausedUntil - now;
    let wait = 0;
    for (const w of this.windows) {
      const limit = limitOf(w);
      if (limit <= 0) {
        wait = Math.max(wait, ZERO_LIMIT_POLL_MS);
        continue;
      }
      const recent = this.stamps.filter((s) => s > now - w.perMs);
      if (this.inFlight + recent.length < limit) continue;
      // The window is full: room comes when the oldest stamp leaves it, or (if sends in flight
      // fill it) when one of them completes.
      const needed = this.inFlight + recent.length - limit + 1;
      const leaving = recent[needed - 1];
      wait = Math.max(wait, leaving === undefined ? Number.POSITIVE_INFINITY : leaving + w.perMs - now + 1);
    }
    return wait;
  }

  prune(now: number): void {
    const longest = Math.max(...this.windows.map((w) => w.perMs));
    while (this.stamps.length && (this.stamps[0] ?? 0) <= now - longest) this.stamps.shift();
  }

  idle(now: number): boolean {
    this.prune(now);
    return this.inFlight === 0 && this.stamps.length === 0 && this.pausedUntil <= now;
  }
}

export interface Permit {
  /** Call when the send has completed (successfully or not). */
  release(): void;
}

export class SendLimiter {
  private readonly keys = new Map<string, KeyWindows>();
  private wakers: (() => void)[] = [];

  constructor(
    private readonly policy: LimiterPolicy,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Waits until a send to this conversation may start, and reserves it. */
  async acquire(tenantId: string, conversationId: string): Promise<Permit> {
    return (await this.acquireUnless(tenantId, conversationId)) as Permit;
  }

  /** As `acquire`, but gives up (undefined, nothing reserved) once `signal` is aborted: the send is no longer wanted. */
  async acquireUnless(tenantId: string, conversationId: string, signal?: AbortSignal): Promise<Permit | undefined> {
    const tenant = this.windowsOf(`t|${tenantId}`, this.policy.perTenant);
    const conversation = this.windowsOf(`c|${tenantId}|${conversationId}`, this.policy.perConversation);
    for (;;) {
      if (signal?.aborted) return undefined;
      const now = this.now();
      const wait = Math.max(tenant.waitMs(now), conversation.waitMs(now));
      if (wait === 0) {
        tenant.inFlight++;
        conversation.inFlight++;
        let released = false;
        return {
          release: () => {
            if (released) return;
            released = true;
            const done = this.now();
            for (const k of [tenant, conversation]) {
              k.inFlight--;
              k.stamps.push(done);
              k.prune(done);
            }
            this.wakeAll();
          },
        };
      }
      await this.sleep(wait, signal);
    }
  }

  /** Teams answered 429 with Retry-After: nothing more to this conversation (or tenant) until then. */
  pause(tenantId: string, conversationId: string | undefined, ms: number): void {
    const k = conversationId
      ? this.windowsOf(`c|${tenantId}|${conversationId}`, this.policy.perConversation)
      : this.windowsOf(`t|${tenantId}`, this.policy.perTenant);
    k.pausedUntil = Math.max(k.pausedUntil, this.now() + ms);
  }

  /** Number of keys held (for tests: idle keys are dropped). */
  size(): number {
    const now = this.now();
    for (const [name, k] of this.keys) if (k.idle(now)) this.keys.delete(name);
    return this.keys.size;
  }

  private windowsOf(name: string, windows: RateWindow[]): KeyWindows {
    let k = this.keys.get(name);
    if (!k) {
      k = new KeyWindows(windows);
      this.keys.set(name, k);
      if (this.keys.size > 10_000) this.size();
    }
    return k;
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        this.wakers = this.wakers.filter((w) => w !== wake);
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(wake, Math.max(1, ms));
      signal?.addEventListener('abort', wake, { once: true });
      this.wakers.push(wake);
    });
  }

  private wakeAll(): void {
    const list = this.wakers;
    this.wakers = [];
    for (const w of list) w();
  }
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1): Retry-After when the
 * server gave one, else exponential from `baseMs` with "equal jitter" (half fixed, half random),
 * so that many senders that failed together do not retry together. Capped at `maxMs`.
 */
export function backoffMs(attempt: number, baseMs: number, retryAfterMs?: number, maxMs = 60_000, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(maxMs, retryAfterMs + Math.floor(random() * Math.min(250, baseMs)));
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(exp / 2 + random() * (exp / 2));
}

/** Retry-After as milliseconds: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | undefined | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
