import { TurnContext as TC, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { UserError } from '../errors';
import type { ConversationRef, ConversationType, Mention, Turn } from './door';
import { personKey } from '../people/model';
import { identityOf } from './identity';
import { htmlToText } from './text';

/**
 * Who and where a turn is: the plain values every feature service works with (types in door.ts),
 * parsed once from the activity with zod, so services never touch Teams types.
 */
export type { ConversationType, Turn, Mention, ConversationRef } from './door';

const activitySchema = z.object({
  id: z.string().optional(),
  from: z.object({ id: z.string().min(1), name: z.string().optional(), aadObjectId: z.string().optional() }).optional(),
  conversation: z.object({
    id: z.string().min(1),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
  }),
  channelData: z
    .object({
      tenant: z.object({ id: z.string() }).partial().optional(),
      team: z.object({ id: z.string() }).partial().optional(),
    })
    .passthrough()
    .optional(),
  localTimezone: z.string().optional(),
  locale: z.string().optional(),
  entities: z.array(z.object({ type: z.string().optional(), timezone: z.string().optional() }).passthrough()).optional(),
});

export function tenantOf(activity: unknown): string | undefined {
  const parsed = activitySchema.safeParse(activity);
  if (!parsed.success) return undefined;
  return parsed.data.conversation.tenantId ?? parsed.data.channelData?.tenant?.id;
}

export function baseConversationId(id: string): string {
  const cut = id.indexOf(';messageid=');
  return cut >= 0 ? id.slice(0, cut) : id;
}

const timeZoneValidity = new Map<string, boolean>();

/** True for an IANA zone this runtime knows. Answers are cached: building a formatter is costly. */
export function isValidTimeZone(tz: string): boolean {
  const known = timeZoneValidity.get(tz);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    valid = true;
  } catch {
    valid = false;
  }
  if (timeZoneValidity.size < 1000) timeZoneValidity.set(tz, valid);
  return valid;
}

export function turnOf(context: TurnContext): Turn {
  const parsed = activitySchema.safeParse(context.activity);
  if (!parsed.success) throw new UserError('That message did not come from a conversation I can work with.');
  const a = parsed.data;
  const tenantId = a.conversation.tenantId ?? a.channelData?.tenant?.id;
  if (!tenantId) throw new UserError('I can only work inside a Microsoft Teams tenant.');
  const type = a.conversation.conversationType;
  const conversationType: ConversationType = type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal';
  const conversationId = baseConversationId(a.conversation.id);
  const teamId = conversationType === 'channel' ? a.channelData?.team?.id : undefined;
  const clientTz = a.entities?.find((e) => e.type === 'clientInfo')?.timezone;
  const tzCandidate = a.localTimezone ?? clientTz;
  return {
    tenantId,
    conversationId,
    conversationType,
    teamId,
    spaceId: teamId ?? conversationId,
    // Object id with the home tenant (people/model.ts): unchanged for members and guests of the host.
    userId: personKey(a.from?.aadObjectId ?? a.from?.id ?? 'unknown', identityOf(context)?.homeTenantId, tenantId),
    userName: a.from?.name ?? 'Someone',
    activityId: a.id,
    threadRootId: /;messageid=([^;]+)$/.exec(a.conversation.id)?.[1],
    timeZone: tzCandidate && isValidTimeZone(tzCandidate) ? tzCandidate : 'UTC',
    locale: a.locale,
    replyToId: typeof context.activity.replyToId === 'string' ? context.activity.replyToId : undefined,
    mentions: mentionsOf(context),
    reference: referenceOf(context),
  };
}

/** The message text without the bot's @mention, as plain text. */
export function messageText(context: TurnContext): string {
  const raw = typeof context.activity.text === 'string' ? context.activity.text : '';
  // teams-ai removes the recipient mention before routing; do it again in case it was not.
  const withoutBot = context.activity.recipient ? raw.split(`<at>${context.activity.recipient.name ?? ''}</at>`).join(' ') : raw;
  return htmlToText(withoutBot);
}

/** People @mentioned in the message, other than the bot, with the text each mention shows. */
export function mentionsOf(context: TurnContext): Mention[] {
  const botId = context.activity.recipient?.id;
  const tenantId = tenantOf(context.activity) ?? '';
  const homes = identityOf(context)?.mentioned;
  const out: Mention[] = [];
  for (const m of TC.getMentions(context.activity)) {
    const mentioned = m.mentioned as { id?: unknown; name?: unknown; aadObjectId?: unknown } | undefined;
    if (!mentioned || typeof mentioned.id !== 'string' || !mentioned.id || mentioned.id === botId) continue;
    const objectId = typeof mentioned.aadObjectId === 'string' && mentioned.aadObjectId ? mentioned.aadObjectId : mentioned.id;
    const userId = personKey(objectId, homes?.get(mentioned.id), tenantId);
    const name = typeof mentioned.name === 'string' ? mentioned.name : '';
    const shown = (typeof m.text === 'string' ? m.text : '').replace(/<\/?at>/gi, '').trim() || name;
    if (!out.some((p) => p.userId === userId)) out.push({ userId, userName: name || shown || 'Someone', shown });
  }
  return out;
}

/** The stored reference of this turn's conversation (the root, not the thread it was called from). */
export function referenceOf(context: TurnContext): ConversationRef {
  const a = context.activity;
  const conversation = a.conversation ?? { id: '' };
  return {
    channelId: a.channelId ?? 'msteams',
    serviceUrl: a.serviceUrl ?? '',
    conversation: {
      id: baseConversationId(conversation.id ?? ''),
      ...(conversation.tenantId ? { tenantId: conversation.tenantId } : {}),
      ...(conversation.conversationType ? { conversationType: conversation.conversationType } : {}),
      ...(typeof conversation.isGroup === 'boolean' ? { isGroup: conversation.isGroup } : {}),
    },
    ...(a.recipient?.id ? { bot: { id: a.recipient.id, ...(a.recipient.name ? { name: a.recipient.name } : {}) } } : {}),
    ...(a.locale ? { locale: a.locale } : {}),
  };
}

