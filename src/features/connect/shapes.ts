import type { ConversationRef, OutMessage, Turn } from '../../teams/door';
import { mentionOf } from './cards';
import type { FeatureHost } from '../feature';
import type { Person, Question } from './model';

/**
 * The shapes Connect's routes hand to the door, as plain values: where a question's answers go
 * (the thread it was asked in) and a message that @mentions people.
 */

/** The thread of a message in a channel (`;messageid=` names its root); a chat is one thread. */
export function threadRef(turn: Turn, messageId: string | undefined): ConversationRef {
  const ref = turn.reference;
  // A message inside a thread answers in that thread; a top-level message is its own root.
  const rootId = turn.threadRootId ?? messageId;
  if (turn.conversationType !== 'channel' || !rootId || ref.conversation.id.includes(';messageid=')) return ref;
  return { ...ref, conversation: { ...ref.conversation, id: `${ref.conversation.id};messageid=${rootId}` } };
}

/** The thread a message the bot posted at the top of a conversation starts (a chat is one thread). */
export function threadOfPost(ref: ConversationRef, activityId: string | undefined): ConversationRef {
  const channel = ref.conversation.conversationType === 'channel' || /@thread\.(tacv2|skype)$/.test(ref.conversation.id);
  if (!channel || !activityId || ref.conversation.id.includes(';messageid=')) return ref;
  return { ...ref, conversation: { ...ref.conversation, id: `${ref.conversation.id};messageid=${activityId}` } };
}

/** A message that @mentions people (Teams notifies them). */
export function mentioning(text: string, people: Person[]): OutMessage {
  return { text, mentions: people.map(mentionOf) };
}

/** Insights counts questions and their themes. */
export async function asked(host: FeatureHost, q: Question): Promise<void> {
  await host.events.emit('contributed', { tenantId: q.tenantId, spaceId: q.spaceId, personId: q.asker.userId, name: q.asker.userName, kind: 'question', at: new Date(q.createdAt), themes: q.themes });
}
