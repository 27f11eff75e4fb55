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
