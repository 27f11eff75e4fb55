import { z } from 'zod';
import type { FeatureHost } from '../feature';
import { askDialog, questionCard } from './cards';
import { QUESTION_VISIBILITIES, type Question } from './model';
import type { ConnectService } from './service';
import { asked, threadRef } from './shapes';
import { connectStrings as s } from './strings';

/**
 * "Ask the network", the message action (command id `askNetwork`): fetch opens a dialog with
 * the message as the question; submit asks it, and the question card is posted in that
 * message's thread (where the conversation already is).
 */
export const ASK_NETWORK_COMMAND = 'askNetwork';

const dialogData = z.object({ question: z.string().max(20_000), visibility: z.enum(QUESTION_VISIBILITIES).optional().default('team') }).passthrough();
const here = (type: string): boolean => type === 'channel' || type === 'groupChat';

export function registerAskTheNetwork(host: FeatureHost, service: ConnectService, crossPost: (q: Question) => void): void {
  host.door.messageAction({
    commandId: ASK_NETWORK_COMMAND,
    schema: dialogData,
    strings: { badData: s.badRequest },
    async fetch(turn, message) {
      if (!here(turn.conversationType)) return { text: s.askNotHere };
      return { dialog: { title: s.askDialogTitle, card: askDialog(message.text.trim()), width: 'medium', height: 'medium' } };
    },
    async submit(turn, message, data, reply) {
      if (!here(turn.conversationType)) return { text: s.askNotHere };
      const ref = threadRef(turn, message.id);
      const question = await service.ask({ tenantId: turn.tenantId, spaceId: turn.spaceId, conversationId: turn.conversationId }, { userId: turn.userId, userName: turn.userName }, data.question, JSON.stringify(ref), data.visibility);
      reply.log.info('connect.asked', { questionId: question.questionId, fromMessage: true, suggested: question.suggested.length, visibility: question.visibility ?? 'team' });
      let posted: string | undefined;
      try {
        posted = await host.poster.post(ref, { card: questionCard(question) });
      } finally {
        service.recordAsked(question, posted);
      }
      crossPost(question);
      await asked(host, question);
      // The dialog closes; the question card is in the thread.
      return { close: true };
    },
  });
}
