import { z } from 'zod';
import type { FeatureHost } from '../feature';
import type { DialogAnswer, MessagePayload } from '../../teams/door';
import { saveStoryDialog, storyCard, storyPreviewCard } from './cards';
import { VISIBILITIES, type Person } from './model';
import { MAX_CUSTOMER_LENGTH, parseTagList } from './parse';
import { personOf, recordContribution, spaceOf, storyContributed } from './replies';
import { statedValue } from '../insights/value';
import type { StoriesService } from './service';
import type { StoryViews } from './routes';
import { storyStrings as s } from './strings';

/**
 * "Save as story", the message action (command id `saveStory`): fetch opens a dialog
 * prefilled from the message; submit saves the story, posts its card in the conversation
 * and closes the dialog.
 */
export const SAVE_STORY_COMMAND = 'saveStory';

const dialogData = z.object({
  text: z.string().max(100_000),
  customer: z.string().max(1_000).optional().default(''),
  tags: z.string().max(2_000).optional().default(''),
  // `outside` is not offered: it needs consent first (refused in plain words if sent).
  visibility: z.enum(VISIBILITIES).optional().default('team'),
  anonymous: z.enum(['true', 'false']).optional().default('false'),
  standIn: z.string().max(1_000).optional().default(''),
});

/** The author of the message is the teller; a message without a person (a bot's) is told by whoever saves it. */
function tellerOf(message: MessagePayload, saver: Person): Person {
  const user = message.from;
  return user ? { userId: user.userId, userName: user.userName?.trim() || saver.userName } : saver;
}

const dialog = (title: string, card: ReturnType<typeof storyCard>): DialogAnswer => ({ dialog: { title, card, width: 'medium', height: 'large' } });

export function registerSaveAsStory(host: FeatureHost, service: StoriesService, views: StoryViews): void {
  host.door.messageAction({
    commandId: SAVE_STORY_COMMAND,
    schema: dialogData,
    strings: { badData: s.badRequest },
    async fetch(turn, message) {
      const existing = await service.findBySourceMessage(spaceOf(turn), message.id);
      if (existing) return dialog(s.duplicateDialogTitle, storyPreviewCard(existing, s.duplicate));
      if (!message.text) return { text: s.noText };
      const teller = tellerOf(message, personOf(turn));
      const tags = await service.suggestTags(spaceOf(turn), message.text);
      return dialog(s.dialogTitle, saveStoryDialog({ text: message.text, tellerName: teller.userName, tags }));
    },
    async submit(turn, message, data, reply) {
      const teller = tellerOf(message, personOf(turn));
      const text = service.validateText(data.text);
      const value = statedValue(text);
      const input = {
        where: spaceOf(turn),
        conversationId: turn.conversationId,
        text,
        teller,
        capturedBy: personOf(turn),
        customer: data.customer.replace(/\s+/g, ' ').trim().slice(0, MAX_CUSTOMER_LENGTH) || undefined,
        chosenTags: parseTagList(data.tags),
        sourceMessageId: message.id,
        sourceLink: message.linkToMessage,
        visibility: data.visibility,
        ...(data.anonymous === 'true' ? { anonymous: { standIn: service.validateStandIn(data.standIn) } } : {}),
      };
      const [result] = await Promise.all([service.captureStory(input), input.anonymous ? undefined : recordContribution(reply, () => service.recordTelling(input.where, teller))]);
      reply.log.info('story.captured', { storyId: result.story.storyId, duplicate: result.duplicate, fromMessage: true });
      if (result.duplicate) return dialog(s.duplicateDialogTitle, storyPreviewCard(result.story, s.duplicate));
      await Promise.all([reply.card(await views.shared(turn, result.story)), storyContributed(host, result.story, teller, 'story', value)]);
      // A valid submitAction answer (Teams shows "Invalid response" for `{}`): the dialog closes
      // with this line, and the story's card is in the conversation.
      return { text: s.savedFromDialog };
    },
  });
}
