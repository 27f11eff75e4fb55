import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { z } from 'zod';
import { errorFields, type Logger } from '../log';
import { sendInvokeResponse, tell } from './replies';
import { coreStrings } from './strings';
import { tenantOf } from './turn';

/**
 * Who a person is, and whether their organisation may take part (docs/customers.md).
 *
 * Tenants: HOST tenants (ALLOWED_TENANTS) are where the bot is installed and conversations live;
 * PARTNER tenants (PARTNER_TENANTS) are organisations whose people may take part in a host's
 * shared channels. A conversation outside the hosts (a partner's own included) is dropped
 * unprocessed, as before. A person whose home tenant is neither host nor partner is told so
 * plainly, before anything is stored (this runs ahead of the de-duplication row).
 *
 * Home tenants: Teams' message activities carry the conversation's (host) tenant and the
 * sender's object id, not the sender's own tenant. Guests have accounts in the host tenant, and
 * only shared channels can hold people from other tenants (B2B direct connect), so in a shared
 * channel (channelData.channel.type 'shared') the sender, and anyone @mentioned, are looked up
 * in the channel's roster (GET /v3/conversations/{channel}/members/{id}: a TeamsChannelAccount
 * with `tenantId`), cached for minutes. Everywhere else the home tenant is the conversation's.
 */
export const IDENTITY_KEY = Symbol('identity');

export interface Identity {
  /** The sender's home tenant. */
  homeTenantId: string;
  /** Home tenants of people @mentioned, by their Teams id, where it was looked up. */
  mentioned: ReadonlyMap<string, string>;
}

export function identityOf(context: TurnContext): Identity | undefined {
  return context.turnState.get(IDENTITY_KEY) as Identity | undefined;
}

const sharedChannelSchema = z.object({
  channelData: z.object({ channel: z.object({ type: z.string().optional(), membershipType: z.string().optional() }).passthrough().optional() }).passthrough().optional(),
  from: z.object({ id: z.string().min(1) }).passthrough().optional(),
});

export function isSharedChannel(activity: unknown): boolean {
  const parsed = sharedChannelSchema.safeParse(activity);
  const channel = parsed.success ? parsed.data.channelData?.channel : undefined;
  return channel?.type?.toLowerCase() === 'shared' || channel?.membershipType?.toLowerCase() === 'shared';
}

const memberSchema = z.object({ id: z.string().optional(), tenantId: z.string().min(1).optional(), userRole: z.string().optional() }).passthrough();

const CACHE_TTL_MS = 15 * 60_000;
const CACHE_MAX = 10_000;

export interface TenantPolicy {
  hosts: readonly string[];
  partners: readonly string[];
}

const lower = (list: readonly string[]): Set<string> => new Set(list.map((t) => t.toLowerCase()));

/** The two questions the policy answers, as pure functions (unit-tested). */
export function tenantRules(policy: TenantPolicy): { conversation(tenantId: string | undefined): boolean; person(homeTenantId: string): boolean } {
  const hosts = lower(policy.hosts);
  const partners = lower(policy.partners);
  return {
    conversation(tenantId) {
      if (!tenantId) return hosts.size === 0 && partners.size === 0;
      const t = tenantId.toLowerCase();
      if (hosts.size > 0) return hosts.has(t);
      return !partners.has(t);
    },
    person(homeTenantId) {
      if (hosts.size === 0) return true;
      const t = homeTenantId.toLowerCase();
      return hosts.has(t) || partners.has(t);
    },
  };
}

export function identify(policy: TenantPolicy, loggerOf: (context: TurnContext) => Logger, now: () => number = Date.now): Middleware {
  const rules = tenantRules(policy);
  const cache = new Map<string, { at: number; tenantId: string | undefined }>();

  /** The member's home tenant from the conversation's roster; undefined when Teams does not say. Throws when the roster cannot be read. */
  const homeTenantOf = async (context: TurnContext, memberId: string): Promise<string | undefined> => {
    const a = context.activity;
    const k = `${a.serviceUrl ?? ''}|${a.conversation?.id ?? ''}|${memberId}`;
    const hit = cache.get(k);
    if (hit && now() - hit.at < CACHE_TTL_MS) return hit.tenantId;
    const client = context.turnState.get(context.adapter.ConnectorClientKey) as ConnectorClient | undefined;
    const conversationId = (a.conversation?.id ?? '').split(';messageid=')[0] ?? '';
    if (!client || !conversationId) throw new Error('no connector client for the roster');
    const raw: unknown = await client.conversations.getConversationMember(conversationId, memberId);
    const member = memberSchema.safeParse(raw);
    const tenantId = member.success ? member.data.tenantId : undefined;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(k, { at: now(), tenantId });
    return tenantId;
  };

  return {
    async onTurn(context, next) {
      const a = context.activity;
      const turnLog = loggerOf(context);
      const tenant = tenantOf(a);
      if (!rules.conversation(tenant)) {
        turnLog.warn('tenant.rejected', { tenantId: tenant ?? 'missing' });
        if (a.type === ActivityTypes.Invoke) await sendInvokeResponse(context, 403);
        return;
      }
      // Only messages and invokes are someone's doing; lifecycle and meeting events are about the conversation.
      if (!tenant || (a.type !== ActivityTypes.Message && a.type !== ActivityTypes.Invoke)) return next();
      let homeTenantId = tenant;
      const mentioned = new Map<string, string>();
      if (isSharedChannel(a)) {
        const parsed = sharedChannelSchema.safeParse(a);
        const fromId = parsed.success ? parsed.data.from?.id : undefined;
        try {
          if (fromId) homeTenantId = (await homeTenantOf(context, fromId)) ?? tenant;
          for (const m of a.entities ?? []) {
            const id = m.type === 'mention' ? (m as { mentioned?: { id?: unknown } }).mentioned?.id : undefined;
            if (typeof id !== 'string' || !id || id === a.recipient?.id || mentioned.has(id)) continue;
            const home = await homeTenantOf(context, id).catch(() => undefined);
            if (home) mentioned.set(id, home);
          }
        } catch (err) {
          // Without the roster a partner member could be taken for a host member with the same object id: refuse, store nothing.
          turnLog.warn('identity.unknown', errorFields(err));
          await tell(context, coreStrings.identityUnknown);
          return;
        }
      }
      if (!rules.person(homeTenantId)) {
        turnLog.warn('person.rejected', { tenantId: tenant, homeTenantId });
        await tell(context, coreStrings.organisationNotAllowed);
        return;
      }
      context.turnState.set(IDENTITY_KEY, { homeTenantId, mentioned } satisfies Identity);
      await next();
    },
  };
}
