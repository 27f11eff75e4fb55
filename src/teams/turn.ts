import type { TurnContext } from 'botbuilder';
import type { ConversationReference } from 'botbuilder';
import { TurnContext as TC } from 'botbuilder';
import { z } from 'zod';
import { UserError } from '../errors';
import { htmlToText } from './text';

/**
 * Who and where a turn is: the plain values every feature service works with, parsed once from
 * the activity with zod, so services never touch Teams types.
 */
export type ConversationType = 'channel' | 'groupChat' | 'personal';

export interface Turn {
  tenantId: string;
  /** The conversation, without a thread's `;messageid=` suffix. */
  conversationId: string;
  conversationType: ConversationType;
  /** The team, for channel conversations. */
  teamId?: string;
  /** Where shared data lives: the team for channels (all its channels), else the conversation. */
  spaceId: string;
  userId: string;
  userName: string;
  activityId?: string;
  /** IANA time zone of the sender's client, else UTC. */
  timeZone: string;
  locale?: string;
}

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
    userId: a.from?.aadObjectId ?? a.from?.id ?? 'unknown',
    userName: a.from?.name ?? 'Someone',
    activityId: a.id,
    timeZone: tzCandidate && isValidTimeZone(tzCandidate) ? tzCandidate : 'UTC',
    locale: a.locale,
  };
}

/** The message text without the bot's @mention, as plain text. */
export function messageText(context: TurnContext): string {
  const raw = typeof context.activity.text === 'string' ? context.activity.text : '';
  // teams-ai removes the recipient mention before routing; do it again in case it was not.
  const withoutBot = context.activity.recipient ? raw.split(`<at>${context.activity.recipient.name ?? ''}</at>`).join(' ') : raw;
  return htmlToText(withoutBot);
}

/** People @mentioned in the message, other than the bot. */
export function mentionedPeople(context: TurnContext): { id: string; name: string }[] {
  const botId = context.activity.recipient?.id;
  const out: { id: string; name: string }[] = [];
  for (const m of TC.getMentions(context.activity)) {
    const id = (m.mentioned as { aadObjectId?: string; id: string }).aadObjectId ?? m.mentioned.id;
    if (!m.mentioned.id || m.mentioned.id === botId) continue;
    if (!out.some((p) => p.id === id)) out.push({ id, name: m.mentioned.name ?? 'Someone' });
  }
  return out;
}

export function referenceOf(context: TurnContext): Partial<ConversationReference> {
  const ref = TC.getConversationReference(context.activity);
  // Proactive posts go to the conversation (channel root), not to the thread we were called from.
  if (ref.conversation) ref.conversation = { ...ref.conversation, id: baseConversationId(ref.conversation.id) };
  delete ref.activityId;
  return ref;
}
