/**
 * The one vocabulary for who and where, used by every room:
 * - Person: someone, by user id (Entra object id when Teams gives one) and display name.
 * - Space: where shared data lives: the team for channel conversations (all its channels),
 *   else the chat itself. Organizers, contributions, stories and themes live per space.
 * - Conversation: one channel or chat inside its space. Agenda calls and digests live per
 *   conversation; ConversationKey is the part of it their tables are keyed by.
 */
export interface Person {
  userId: string;
  userName: string;
}

export interface Space {
  tenantId: string;
  /** The team for channel conversations, else the conversation. */
  spaceId: string;
}

export interface Conversation extends Space {
  conversationId: string;
}

export type ConversationKey = Pick<Conversation, 'tenantId' | 'conversationId'>;

/**
 * A person's identity is their Entra object id together with their home tenant. Object ids are
 * unique only within a tenant: in a host's shared channel a partner-tenant member may carry the
 * same GUID as a host member. The user id every room stores is therefore:
 * - the object id alone when the person's home tenant is the conversation's (host) tenant:
 *   members and guests (a guest's account lives in the host tenant). Rows stored before
 *   identities carried a tenant keep their keys, no migration needed;
 * - `objectId@homeTenantId` for a person from another tenant (B2B direct connect).
 */
export const TENANT_SEPARATOR = '@';

export function personKey(objectId: string, homeTenantId: string | undefined, conversationTenantId: string): string {
  if (!homeTenantId || homeTenantId.toLowerCase() === conversationTenantId.toLowerCase()) return objectId;
  return `${objectId}${TENANT_SEPARATOR}${homeTenantId.toLowerCase()}`;
}

/** The parts of a stored user id: the object id Teams knows, and the home tenant when it is not the host's. */
export function personParts(userId: string): { objectId: string; homeTenantId?: string } {
  const cut = userId.lastIndexOf(TENANT_SEPARATOR);
  // Only a GUID-shaped tenant counts: MRIs and test ids never end in "@<guid>".
  if (cut > 0 && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(userId.slice(cut + 1))) {
    return { objectId: userId.slice(0, cut), homeTenantId: userId.slice(cut + 1) };
  }
  return { objectId: userId };
}

/** True when the person belongs to another tenant than the host's (a shared channel's external member). */
export const isExternal = (userId: string): boolean => personParts(userId).homeTenantId !== undefined;
