import { TurnContext, type Activity, type BotAdapter, type ConversationReference } from 'botbuilder';
import { backoffMs, parseRetryAfter, type SendLimiter } from '../../jobs/limiter';
import type { Logger } from '../../log';

/**
 * Posting a digest to Teams, with this module as the only retry layer.
 *
 * Measured on this stack: one `sendActivity` against a connector answering 429 or 5xx makes 4
 * requests over 3-5 s, because ConnectorClient's core-client pipeline has a `defaultRetryPolicy`
 * (3 retries; Retry-After for 429/503, exponential for 5xx). Stacked under our own retries that
 * would be up to 20 requests per job and blind to our limiter. So each post removes that policy
 * from the (per-call) connector client, and retries here: through the limiter, with backoff
 * and jitter, honouring Retry-After, at most `maxAttempts` requests.
 *
 * We do not use host.proactive.send: inside continueConversation an error goes to the adapter's
 * onTurnError (which would try to post an apology to the same failing conversation) and is not
 * returned to the caller; here the error is caught and classified.
 */
export type PostResult =
  | { ok: true; activityId?: string }
  | { ok: false; status?: number; code?: string; retryAfterMs?: number };

export interface Poster {
  post(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<PostResult>;
}

const RETRY_POLICY = 'defaultRetryPolicy';

interface PipelineLike {
  removePolicy(options: { name: string }): unknown;
}

function withoutClientRetries(context: TurnContext): boolean {
  const connector = context.turnState.get(context.adapter.ConnectorClientKey) as { client?: { pipeline?: PipelineLike } } | undefined;
  const pipeline = connector?.client?.pipeline;
  if (!pipeline || typeof pipeline.removePolicy !== 'function') return false;
  pipeline.removePolicy({ name: RETRY_POLICY });
  return true;
}

function classify(err: unknown): PostResult {
  const e = err as { statusCode?: unknown; code?: unknown; response?: { headers?: { get?(n: string): string | undefined } } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code.slice(0, 80) : undefined;
  const retryAfter = typeof e.response?.headers?.get === 'function' ? e.response.headers.get('retry-after') : undefined;
  return { ok: false, status, code, retryAfterMs: parseRetryAfter(retryAfter) };
}

interface ConnectorLike {
  conversations: { sendToConversation(conversationId: string, activity: Partial<Activity>): Promise<{ id?: string }> };
}

/**
 * One ConnectorClient per service URL, taken from the adapter once (so it carries the bot's
 * credentials) with its retry policy removed, then reused for every post: a fan-out of
 * thousands of digests does not build a client, run the turn middleware and write a
 * de-duplication row for each post.
 */
export function createPoster(adapter: Pick<BotAdapter, 'continueConversationAsync'>, botAppId: string, log: Logger): Poster {
  const clients = new Map<string, Promise<ConnectorLike | undefined>>();
  const clientFor = (reference: Partial<ConversationReference>): Promise<ConnectorLike | undefined> => {
    const serviceUrl = reference.serviceUrl ?? '';
    let client = clients.get(serviceUrl);
    if (!client) {
      client = (async () => {
        let found: ConnectorLike | undefined;
        await adapter.continueConversationAsync(botAppId, reference, async (context) => {
          const candidate = context.turnState.get(context.adapter.ConnectorClientKey) as (ConnectorLike & object) | undefined;
          if (!withoutClientRetries(context)) log.warn('digest.client_retries_not_removed');
          if (candidate && typeof candidate.conversations?.sendToConversation === 'function') found = candidate;
        });
        if (!found) clients.delete(serviceUrl);
        return found;
      })();
      client.catch(() => clients.delete(serviceUrl));
      clients.set(serviceUrl, client);
    }
    return client;
  };
  return {
    async post(reference, activity) {
      const conversationId = reference.conversation?.id;
      if (!conversationId) return { ok: false, code: 'NoConversation' };
      try {
        const client = await clientFor(reference);
        if (!client) return { ok: false, code: 'NoConnectorClient' };
        const outgoing = TurnContext.applyConversationReference({ ...activity }, reference);
        const res = await client.conversations.sendToConversation(conversationId, outgoing);
        return { ok: true, activityId: res.id };
      } catch (err) {
        return classify(err);
      }
    },
  };
}

/** 403 and 404: the bot is not in the conversation, is blocked, or the conversation is gone. */
export function isPermanent(status: number | undefined): boolean {
  return status === 403 || status === 404;
}

/** Teams' transient answers, and network failures (no status). */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 429 || status === 412 || status === 500 || status === 502 || status === 503 || status === 504;
}

export type DeliveryOutcome =
  | { kind: 'sent'; activityId?: string; attempts: number }
  | { kind: 'gone'; status: number; reason: string; attempts: number }
  | { kind: 'failed'; reason: string; attempts: number };

export interface DeliveryOptions {
  maxAttempts: number;
  baseMs: number;
  /** Never wait longer than this between attempts (a longer Retry-After fails the job instead). */
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function reasonOf(result: Extract<PostResult, { ok: false }>): string {
  return [result.status ?? 'network', result.code].filter((x) => x !== undefined).join(' ');
}

/** One post, retried: every attempt goes through the limiter; 429's Retry-After also pauses the conversation. */
export async function deliver(
  poster: Poster,
  limiter: SendLimiter,
  target: { tenantId: string; conversationId: string; reference: Partial<ConversationReference> },
  activity: Partial<Activity>,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  const sleep = options.sleep ?? defaultSleep;
  let last = 'not sent';
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    const permit = await limiter.acquire(target.tenantId, target.conversationId);
    let result: PostResult;
    try {
      result = await poster.post(target.reference, activity);
    } catch (err) {
      result = classify(err);
    } finally {
      permit.release();
    }
    if (result.ok) return { kind: 'sent', activityId: result.activityId, attempts: attempt };
    last = reasonOf(result);
    if (isPermanent(result.status)) return { kind: 'gone', status: result.status ?? 0, reason: last, attempts: attempt };
    if (!isRetryable(result.status) || attempt === options.maxAttempts) return { kind: 'failed', reason: last, attempts: attempt };
    const wait = backoffMs(attempt, options.baseMs, result.retryAfterMs, Number.POSITIVE_INFINITY);
    if (wait > options.maxWaitMs) return { kind: 'failed', reason: `${last} (retry after ${Math.round(wait / 1000)} s)`, attempts: attempt };
    if (result.status === 429 && result.retryAfterMs !== undefined) limiter.pause(target.tenantId, target.conversationId, result.retryAfterMs);
    await sleep(wait);
  }
  return { kind: 'failed', reason: last, attempts: options.maxAttempts };
}
