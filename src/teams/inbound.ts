import { z } from 'zod';
import { tenantOf } from './turn';

/**
 * The door: every inbound activity of a type the bot handles is parsed here, after
 * authentication and before the turn pipeline (middleware, de-duplication, handlers) runs.
 * An activity that fails is answered 400 and never reaches a handler, so nothing downstream
 * posts or stores anything for it. Types the bot does not handle are answered 200 and dropped.
 *
 * Bounds (chosen, not Teams-documented; Teams' own values are far below them):
 * - ids (activity, conversation, from, recipient, tenant, team, mentioned): 1..512 characters.
 *   Teams' longest ids (personal chats, `;messageid=` thread ids) are ~150. Keys derived from
 *   them are shortened to a prefix plus a hash by store/keys.ts, so 512 always fits a 1 KiB key.
 * - names (people, conversations, teams): up to 256 characters (Teams' display-name limit).
 * - text: up to 100,000 characters (a Teams message is at most ~28 KB).
 * - fields are absent or of their type: Teams omits what it does not send, it never sends null.
 * - ids are printable ASCII without spaces, as every Teams id is (`19:...@thread.tacv2`, `29:...`,
 *   `a:...`, GUIDs). botbuilder puts ids in outbound HTTP headers and paths: a non-ASCII
 *   conversation id made the reply fail (ERR_INVALID_CHAR) after the turn had run.
 * - names may not contain control characters (C0, DEL, C1) or a lone UTF-16 surrogate: such
 *   strings cannot be stored safely, and a lone surrogate cannot be encoded as UTF-8.
 */
export const MAX_ID = 512;
export const MAX_NAME = 256;
export const MAX_TEXT = 100_000;
export const MAX_TYPE = 64;
export const MAX_ENTITIES = 64;
export const MAX_MEMBERS = 256;

/** The activity types some handler (or teams-ai route) acts on; everything else is ignored. */
export const HANDLED_TYPES = ['message', 'invoke', 'conversationUpdate', 'installationUpdate', 'event'] as const;

/** Of `event` activities, the bot handles Teams' meeting events only (meetingEvents.ts); others are ignored. */
export const HANDLED_EVENT_NAMES: readonly string[] = [
  'application/vnd.microsoft.meetingStart',
  'application/vnd.microsoft.meetingEnd',
  'application/vnd.microsoft.meetingParticipantJoin',
  'application/vnd.microsoft.meetingParticipantLeave',
];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const wellFormed = (s: string): boolean => !LONE_SURROGATE.test(s);
const clean = (s: string): boolean => wellFormed(s) && !CONTROL.test(s);

const timestamp = z.string().max(MAX_TYPE).refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');
const id = z.string().min(1).max(MAX_ID).regex(/^[\x21-\x7e]+$/, 'not printable ASCII');
const name = z.string().max(MAX_NAME).refine(clean, 'holds control characters or a lone surrogate');
const text = z.string().max(MAX_TEXT).refine(wellFormed, 'holds a lone surrogate');

const account = z
  .object({ id, name: name.optional(), aadObjectId: id.optional(), role: z.string().max(MAX_TYPE).optional() })
  .passthrough();

const mention = z
  .object({
    type: z.string().regex(/^mention$/i),
    mentioned: z.object({ id, name: name.optional() }).passthrough(),
    text: text.optional(),
    timezone: z.string().max(MAX_TYPE).optional(),
  })
  .passthrough();

function isMention(e: unknown): boolean {
  const type = typeof e === 'object' && e !== null ? (e as { type?: unknown }).type : undefined;
  return typeof type === 'string' && type.toLowerCase() === 'mention';
}

const entity = z.object({ type: z.string().max(MAX_TYPE), timezone: z.string().max(MAX_TYPE).optional() }).passthrough();

/** Mentions are checked in full (handlers read their ids); other entities need only a type. */
const entities = z
  .array(z.unknown())
  .max(MAX_ENTITIES)
  .superRefine((list, ctx) => {
    list.forEach((e, i) => {
      // botbuilder's getMentions compares the type lowercased: 'Mention' is a mention too.
      const shape = isMention(e) ? mention : entity;
      const r = shape.safeParse(e);
      if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: [i, ...issue.path] });
    });
  });

const members = z.array(account).max(MAX_MEMBERS);

const channelData = z
  .object({
    tenant: z.object({ id: id.optional() }).passthrough().optional(),
    team: z.object({ id: id.optional(), name: name.optional() }).passthrough().optional(),
    channel: z.object({ id: id.optional(), name: name.optional() }).passthrough().optional(),
  })
  .passthrough();

const common = {
  id: id.optional(),
  channelId: z.string().min(1).max(MAX_TYPE).refine(clean),
  serviceUrl: z.string().min(1).max(2048),
  from: account,
  recipient: account,
  conversation: z
    .object({
      id,
      tenantId: id.optional(),
      conversationType: z.string().max(MAX_TYPE).optional(),
      name: name.optional(),
      isGroup: z.boolean().optional(),
    })
    .passthrough(),
  channelData: channelData.optional(),
  entities: entities.optional(),
  replyToId: id.optional(),
  locale: z.string().max(MAX_TYPE).optional(),
  localTimezone: z.string().max(MAX_TYPE).optional(),
  text: text.optional(),
  timestamp: timestamp.optional(),
  localTimestamp: timestamp.optional(),
  expiration: timestamp.optional(),
};

/**
 * A card submit's or an invoke's data. teams-ai reads `value[verb]` whenever `typeof value` is
 * 'object', so a null value threw inside its router: it must be an object when present.
 */
const value = z.record(z.unknown()).optional();

const activitySchemas = {
  message: z
    .object({ ...common, type: z.literal('message'), value })
    .passthrough()
    // Removing the bot's mention calls `text.replace(...)`: a message with mentions needs text.
    .refine((a) => typeof a.text === 'string' || !a.entities?.some(isMention), { path: ['text'], message: 'mentions without text' }),
  invoke: z.object({ ...common, type: z.literal('invoke'), name: z.string().min(1).max(MAX_NAME).refine(clean), value }).passthrough(),
  conversationUpdate: z
    .object({ ...common, type: z.literal('conversationUpdate'), membersAdded: members.optional(), membersRemoved: members.optional() })
    .passthrough(),
  installationUpdate: z
    .object({ ...common, type: z.literal('installationUpdate'), action: z.string().max(MAX_TYPE).optional() })
    .passthrough(),
  // The event's own fields (value, channelData.meeting) are read by meetingEvents.ts, which drops what does not read.
  event: z.object({ ...common, type: z.literal('event'), name: z.string().min(1).max(MAX_NAME).refine(clean), value: z.unknown().optional() }).passthrough(),
} satisfies Record<(typeof HANDLED_TYPES)[number], z.ZodTypeAny>;

export interface DoorPolicy {
  /** Plain http service URLs are allowed to loopback only, and only when this is true. */
  allowLoopbackHttp: boolean;
}

export type DoorVerdict =
  | { kind: 'accept' }
  /** A type the bot does not handle: answer 200, run nothing. */
  | { kind: 'ignore'; type: string }
  /** Malformed: answer 400. `path` names the first offending field (never its value). */
  | { kind: 'reject'; reason: string; path: string };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https always; http only to a loopback host, and only when the policy allows it. */
export function serviceUrlAllowed(raw: string, policy: DoorPolicy): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && policy.allowLoopbackHttp && LOOPBACK.has(url.hostname);
}

export const MAX_DEPTH = 32;

/**
 * Anywhere in the body (card data, message payloads, channel data): no string with a lone
 * surrogate (a UTF-8 sender such as Teams cannot produce one; botbuilder's URL encoding throws
 * on it, e.g. a message action whose payload named such a user), and no nesting deeper than
 * MAX_DEPTH. Returns the path of the first offence.
 */
function firstUnencodable(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'string') return wellFormed(value) ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) return path;
  for (const [k, v] of Object.entries(value)) {
    if (!wellFormed(k)) return `${path}.<key>`;
    const found = firstUnencodable(v, path ? `${path}.${k}` : k, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function checkActivity(body: unknown, policy: DoorPolicy): DoorVerdict {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'reject', reason: 'not an object', path: '' };
  const type = (body as { type?: unknown }).type;
  if (typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE) return { kind: 'reject', reason: 'no activity type', path: 'type' };
  if (!(HANDLED_TYPES as readonly string[]).includes(type)) return { kind: 'ignore', type: CONTROL.test(type) || !wellFormed(type) ? 'unprintable' : type };
  const eventName = (body as { name?: unknown }).name;
  if (type === 'event' && !(typeof eventName === 'string' && HANDLED_EVENT_NAMES.includes(eventName))) return { kind: 'ignore', type };
  const unencodable = firstUnencodable(body, '', 0);
  if (unencodable !== undefined) return { kind: 'reject', reason: 'lone surrogate or too deep', path: unencodable.slice(0, 100) };
  const parsed = activitySchemas[type as (typeof HANDLED_TYPES)[number]].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'reject', reason: issue?.code ?? 'invalid', path: issue?.path.join('.').slice(0, 100) ?? '' };
  }
  const a = parsed.data;
  if (!serviceUrlAllowed(a.serviceUrl, policy)) return { kind: 'reject', reason: 'service url not allowed', path: 'serviceUrl' };
  const tenants = [a.conversation.tenantId, a.channelData?.tenant?.id].filter((t): t is string => typeof t === 'string');
  // Teams always names the tenant; everything the bot stores is partitioned by it. tenantOf
  // reads it as every handler will (turn.ts): if that reading fails, no handler could work.
  if (tenants.length === 0 || !tenantOf(body)) return { kind: 'reject', reason: 'no tenant id', path: 'channelData.tenant.id' };
  if (tenants.length === 2 && tenants[0]!.toLowerCase() !== tenants[1]!.toLowerCase()) {
    return { kind: 'reject', reason: 'tenant ids disagree', path: 'conversation.tenantId' };
  }
  return { kind: 'accept' };
}
