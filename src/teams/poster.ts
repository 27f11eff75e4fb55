import { TeamsInfo, TurnContext, type Activity, type CloudAdapter, type ConversationReference } from 'botbuilder';
import { parseRetryAfter } from '../jobs/limiter';
import type { Logger } from '../log';
import type { ConversationRef, OutMessage, Poster, PostResult, RosterMember } from './door';
import { toActivity } from './messages';
import { personKey, personParts } from '../people/model';

/**
 * Posting outside a turn, behind the door's Poster.
 *
 * post / update: through continueConversationAsync. A failure is thrown back to the caller:
 * inside continueConversationAsync an error would otherwise go to the adapter's onTurnError,
 * which answers "something went wrong" into the conversation: from a background job that would
 * post an apology nobody asked for, and the job would never learn that its post failed.
 *
 * attempt: exactly one request, for senders that retry themselves. Measured on this stack: one
 * `sendActivity` against a connector answering 429 or 5xx makes 4 requests over 3-5 s, because
 * ConnectorClient's core-client pipeline has a `defaultRetryPolicy` (3 retries; Retry-After for
 * 429/503, exponential for 5xx). Stacked under the digest's own retries that would be up to 20
 * requests per job and blind to its limiter. So one ConnectorClient per service URL is taken
 * from the adapter once (it carries the bot's credentials), its retry policy removed, and
 * reused for every attempt: a fan-out of thousands of posts does not build a client, run the
 * turn middleware and write a de-duplication row for each.
 */
const RETRY_POLICY = 'defaultRetryPolicy';

interface PipelineLike {
  removePolicy(options: { name: string }): unknown;
}

interface ConnectorLike {
  conversations: { sendToConversation(conversationId: string, activity: Partial<Activity>): Promise<{ id?: string }> };
}

function withoutClientRetries(context: TurnContext): boolean {
  const connector = context.turnState.get(context.adapter.ConnectorClientKey) as { client?: { pipeline?: PipelineLike } } | undefined;
  const pipeline = connector?.client?.pipeline;
  if (!pipeline || typeof pipeline.removePolicy !== 'function') return false;
  pipeline.removePolicy({ name: RETRY_POLICY });
  return true;
}

/**
 * Failures without an answer where the request surely never reached Teams: no connection was
 * made (refused, no such host, no route, a certificate refused before anything was written).
 * Any other failure without an answer (a timeout, a reset or hang-up after the request was
 * written) may have been applied by Teams: `unanswered`.
 */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

export function classifyPostError(err: unknown): PostResult {
  const e = err as { statusCode?: unknown; code?: unknown; name?: unknown; response?: { headers?: { get?(n: string): string | undefined } } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  // The outbound timeout (teams/http.ts) aborts the request: an AbortError without a code.
  const code = typeof e.code === 'string' ? e.code.slice(0, 80) : e.name === 'AbortError' ? 'Timeout' : undefined;
  const retryAfter = typeof e.response?.headers?.get === 'function' ? e.response.headers.get('retry-after') : undefined;
  const unanswered = status === undefined && !(code !== undefined && NEVER_SENT.has(code));
  return { ok: false, status, code, retryAfterMs: parseRetryAfter(retryAfter), ...(unanswered ? { unanswered } : {}) };
}

const asReference = (ref: ConversationRef): Partial<ConversationReference> => ref as Partial<ConversationReference>;

/** Teams shows user-specific views (refresh.userIds) to at most this many people per card. */
export const MAX_REFRESH_USERS = 60;
const ROSTER_TTL_MS = 10 * 60 * 1000;

export function createPoster(adapter: Pick<CloudAdapter, 'continueConversationAsync' | 'createConversationAsync'>, botAppId: string, log: Logger, now: () => number = Date.now): Poster {
  const run = async <T>(ref: ConversationRef, work: (ctx: TurnContext) => Promise<T>): Promise<T | undefined> => {
    let result: T | undefined;
    let failure: { error: unknown } | undefined;
    await adapter.continueConversationAsync(botAppId, asReference(ref), async (ctx) => {
      try {
        result = await work(ctx);
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
    return result;
  };

  const clients = new Map<string, Promise<ConnectorLike | undefined>>();
  const clientFor = (ref: ConversationRef): Promise<ConnectorLike | undefined> => {
    const serviceUrl = ref.serviceUrl;
    let client = clients.get(serviceUrl);
    if (!client) {
      client = (async () => {
        let found: ConnectorLike | undefined;
        await adapter.continueConversationAsync(botAppId, asReference(ref), async (context) => {
          const candidate = context.turnState.get(context.adapter.ConnectorClientKey) as (ConnectorLike & object) | undefined;
          if (!withoutClientRetries(context)) log.warn('poster.client_retries_not_removed');
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

  // Rosters change rarely; a card update must not cost a members call each time.
  const rosters = new Map<string, { at: number; ids: Promise<string[] | undefined> }>();
  const roster = (ref: ConversationRef): Promise<string[] | undefined> => {
    const k = `${ref.serviceUrl}|${ref.conversation.id}`;
    const hit = rosters.get(k);
    if (hit && now() - hit.at < ROSTER_TTL_MS) return hit.ids;
    const ids = run(ref, async (ctx) => {
      const page = await TeamsInfo.getPagedMembers(ctx, 100);
      if (page.continuationToken || page.members.length > MAX_REFRESH_USERS) return undefined;
      const ids = page.members.map((m) => m.id).filter((id): id is string => typeof id === 'string' && id.length > 0);
      return ids.length > 0 ? ids : undefined;
    }).catch((err: unknown) => {
      // No roster: cards fall back to Teams' manual refresh. Asked again after the TTL.
      log.warn('poster.roster_failed', classifyPostError(err));
      return undefined;
    });
    if (rosters.size > 5000) rosters.clear();
    rosters.set(k, { at: now(), ids });
    return ids;
  };

  return {
    async members(ref) {
      return (
        (await run(ref, async (ctx) => {
          const out: RosterMember[] = [];
          let token: string | undefined;
          // Pages of up to 500 (Teams' maximum); a guard against a connector that never ends.
          for (let page = 0; page < 200; page++) {
            const result = await TeamsInfo.getPagedMembers(ctx, 500, token);
            for (const m of result.members ?? []) {
              if (!m.id) continue;
              // Same identity as Turn.userId: a shared channel's roster names each member's own tenant.
              const email = m.email || m.userPrincipalName;
              out.push({ userId: personKey(m.aadObjectId || m.id, m.tenantId, ref.conversation.tenantId ?? ''), teamsId: m.id, name: m.name || m.givenName || 'Someone', ...(email ? { email } : {}) });
            }
            token = result.continuationToken || undefined;
            if (!token) break;
          }
          return out;
        })) ?? []
      );
    },
    audience: roster,
    async post(ref, message: OutMessage) {
      const response = await run(ref, (ctx) => ctx.sendActivity(toActivity(message)));
      return response?.id;
    },
    async update(ref, activityId, message) {
      await run(ref, async (ctx) => {
        await ctx.updateActivity({ ...toActivity(message), id: activityId });
      });
    },
    async openPersonalChat(at, userId) {
      // A person from another tenant is asked for in their own tenant; Teams refuses it (403/404) unless the bot is theirs too.
      const person = personParts(userId);
      const tenantId = person.homeTenantId ?? at.conversation.tenantId;
      if (!tenantId || !at.bot) throw new Error('the reference names no tenant or bot');
      let reference: Partial<ConversationReference> | undefined;
      const parameters = { isGroup: false, bot: { id: at.bot.id, name: at.bot.name ?? '' }, members: [{ id: person.objectId, name: '' }], tenantId, channelData: { tenant: { id: tenantId } } };
      await adapter.createConversationAsync(botAppId, 'msteams', at.serviceUrl, undefined as unknown as string, parameters, async (ctx) => {
        reference = TurnContext.getConversationReference(ctx.activity);
      });
      const id = reference?.conversation?.id;
      if (!reference || !id) throw new Error('the personal chat was not created');
      return {
        channelId: reference.channelId ?? 'msteams',
        serviceUrl: reference.serviceUrl ?? at.serviceUrl,
        conversation: { id, tenantId, conversationType: 'personal', isGroup: false },
        bot: at.bot,
      };
    },
    async attempt(ref, message) {
      const conversationId = ref.conversation?.id;
      if (!conversationId) return { ok: false, code: 'NoConversation' };
      try {
        const client = await clientFor(ref);
        if (!client) return { ok: false, code: 'NoConnectorClient' };
        const outgoing = TurnContext.applyConversationReference(toActivity(message), asReference(ref));
        const res = await client.conversations.sendToConversation(conversationId, outgoing);
        return { ok: true, activityId: res.id };
      } catch (err) {
        return classifyPostError(err);
      }
    },
  };
}
