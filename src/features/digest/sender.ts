import { backoffMs, type SendLimiter } from '../../jobs/limiter';
import type { ConversationRef, OutMessage, Poster, PostResult } from '../../teams/door';

/**
 * Posting a digest to Teams, with this module as the only retry layer: each attempt goes
 * through the door's `poster.attempt` (exactly one request: the Teams edge removes the SDK's
 * own retry policy, see src/teams/poster.ts), through the limiter, with backoff and jitter,
 * honouring Retry-After, at most `maxAttempts` requests.
 */
export type { PostResult } from '../../teams/door';

/** 403 and 404: the bot is not in the conversation, is blocked, or the conversation is gone. */
export function isPermanent(status: number | undefined): boolean {
  return status === 403 || status === 404;
}

/** Teams' transient answers, and network failures (no status) where nothing was sent (see `unanswered`). */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 429 || status === 412 || status === 500 || status === 502 || status === 503 || status === 504;
}

export type DeliveryOutcome =
  | { kind: 'sent'; activityId?: string; attempts: number }
  | { kind: 'gone'; status: number; reason: string; attempts: number }
  /** Not posted: the claim ran out while waiting (another instance may have the run now). */
  | { kind: 'lost'; attempts: number }
  /**
   * Sent, and no answer came (a timeout, a cut connection): it may have landed. Not retried:
   * Teams has no idempotency key for a POST of an activity, and the bot cannot list a channel's
   * messages to check, so a retry would risk a second digest in the channel.
   */
  | { kind: 'unknown'; reason: string; attempts: number }
  | { kind: 'failed'; reason: string; attempts: number };

export interface DeliveryOptions {
  maxAttempts: number;
  baseMs: number;
  /** Never wait longer than this between attempts (a longer Retry-After fails the job instead). */
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Checked right before each attempt (after the limiter let it through): false when this
   * instance's claim on the run has run out meanwhile, so another instance may hold it now.
   */
  stillOwned?: () => boolean;
  /** Aborted when the post is no longer wanted (the job was given back): stop waiting for the limiter. */
  signal?: AbortSignal;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function reasonOf(result: Extract<PostResult, { ok: false }>): string {
  return [result.status ?? 'network', result.code].filter((x) => x !== undefined).join(' ');
}

/** One post, retried: every attempt goes through the limiter; 429's Retry-After also pauses the conversation. */
export async function deliver(
  poster: Poster,
  limiter: SendLimiter,
  target: { tenantId: string; conversationId: string; reference: ConversationRef },
  message: OutMessage,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  const sleep = options.sleep ?? defaultSleep;
  let last = 'not sent';
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    const permit = await limiter.acquireUnless(target.tenantId, target.conversationId, options.signal);
    if (!permit) return { kind: 'lost', attempts: attempt - 1 };
    if (options.stillOwned && !options.stillOwned()) {
      permit.release();
      return { kind: 'lost', attempts: attempt - 1 };
    }
    let result: PostResult;
    try {
      result = await poster.attempt(target.reference, message);
    } catch {
      result = { ok: false };
    } finally {
      permit.release();
    }
    if (result.ok) return { kind: 'sent', activityId: result.activityId, attempts: attempt };
    last = reasonOf(result);
    if (isPermanent(result.status)) return { kind: 'gone', status: result.status ?? 0, reason: last, attempts: attempt };
    if (result.unanswered) return { kind: 'unknown', reason: `${last}: sent, no answer`, attempts: attempt };
    if (!isRetryable(result.status) || attempt === options.maxAttempts) return { kind: 'failed', reason: last, attempts: attempt };
    const wait = backoffMs(attempt, options.baseMs, result.retryAfterMs, Number.POSITIVE_INFINITY);
    if (wait > options.maxWaitMs) return { kind: 'failed', reason: `${last} (retry after ${Math.round(wait / 1000)} s)`, attempts: attempt };
    if (result.status === 429 && result.retryAfterMs !== undefined) limiter.pause(target.tenantId, target.conversationId, result.retryAfterMs);
    await sleep(wait);
  }
  return { kind: 'failed', reason: last, attempts: options.maxAttempts };
}
