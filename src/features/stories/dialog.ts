import { CardFactory, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { htmlToText } from '../../teams/text';
import { turnLogger } from '../../teams/middleware';
import { turnOf } from '../../teams/turn';
import type { FeatureHost } from '../feature';
import { saveStoryDialog, storyCard, storyPreviewCard } from './cards';
import type { Person } from './model';
import { MAX_CUSTOMER_LENGTH, parseTagList } from './parse';
import { statedValue } from '../insights/value';
import { cardMessage, personOf, recordTelling, refuseBadRequest, spaceOf, storyContributed } from './replies';
import type { StoriesService } from './service';
import { storyStrings as s } from './strings';

/**
 * "Save as story", the message action (command id `saveStory`): fetchTask opens a dialog
 * prefilled from the message; submitAction saves the story, posts its card in the conversation
 * and closes the dialog.
 */
export const SAVE_STORY_COMMAND = 'saveStory';

const messagePayload = z.object({
  id: z.string().min(1).max(500),
  linkToMessage: z.string().optional(),
  body: z.object({ contentType: z.string().optional(), content: z.string().optional().default('') }).optional(),
  from: z
    .object({
      user: z.object({ id: z.string().min(1), displayName: z.string().optional() }).nullish(),
    })
    .nullish(),
});

const dialogData = z.object({
  text: z.string().max(100_000),
  customer: z.string().max(1_000).optional().default(''),
  tags: z.string().max(2_000).optional().default(''),
});

function payloadOf(context: TurnContext): z.infer<typeof messagePayload> | undefined {
  const value = z.object({ messagePayload: messagePayload }).safeParse(context.activity.value);
  return value.success ? value.data.messagePayload : undefined;
}

/** The author of the message is the teller; a message without a person (a bot's) is told by whoever saves it. */
function tellerOf(payload: z.infer<typeof messagePayload>, saver: Person): Person {
  const user = payload.from?.user;
  return user ? { userId: user.id, userName: user.displayName?.trim() || saver.userName } : saver;
}

function textOf(payload: z.infer<typeof messagePayload>): string {
  const content = payload.body?.content ?? '';
  return payload.body?.contentType?.toLowerCase() === 'text' ? content.trim() : htmlToText(content);
}

const dialog = (title: string, c: ReturnType<typeof CardFactory.adaptiveCard>) => ({ title, card: c, width: 'medium' as const, height: 'large' as const });

export function registerSaveAsStory(host: FeatureHost, service: StoriesService): void {
  const { app } = host;
  app.messageExtensions.fetchTask(SAVE_STORY_COMMAND, async (context) => {
    const turn = turnOf(context);
    const payload = payloadOf(context);
    if (!payload) {
      await refuseBadRequest(context);
      return s.badRequest;
    }
    const existing = await service.findBySourceMessage(spaceOf(turn), payload.id);
    if (existing) return dialog(s.duplicateDialogTitle, CardFactory.adaptiveCard(storyPreviewCard(existing, s.duplicate)));
    const text = textOf(payload);
    if (!text) return s.noText;
    const teller = tellerOf(payload, personOf(turn));
    const tags = await service.suggestTags(spaceOf(turn), text);
    return dialog(s.dialogTitle, CardFactory.adaptiveCard(saveStoryDialog({ text, tellerName: teller.userName, tags })));
  });

  app.messageExtensions.submitAction(SAVE_STORY_COMMAND, async (context, _state, raw) => {
    const turn = turnOf(context);
    const payload = payloadOf(context);
    const data = dialogData.safeParse(raw);
    if (!payload || !data.success) {
      await refuseBadRequest(context);
      return s.badRequest;
    }
    const teller = tellerOf(payload, personOf(turn));
    const text = service.validateText(data.data.text);
    const value = statedValue(text);
    const input = {
      where: spaceOf(turn),
      conversationId: turn.conversationId,
      text,
      teller,
      capturedBy: personOf(turn),
      customer: data.data.customer.replace(/\s+/g, ' ').trim().slice(0, MAX_CUSTOMER_LENGTH) || undefined,
      chosenTags: parseTagList(data.data.tags),
      sourceMessageId: payload.id,
      sourceLink: payload.linkToMessage,
    };
    const [result] = await Promise.all([service.captureStory(input), recordTelling(context, host, service, input.where, teller)]);
    turnLogger(context, host.log).info('story.captured', { storyId: result.story.storyId, duplicate: result.duplicate, fromMessage: true });
    if (result.duplicate) return dialog(s.duplicateDialogTitle, CardFactory.adaptiveCard(storyPreviewCard(result.story, s.duplicate)));
    await context.sendActivity(cardMessage(storyCard(result.story)));
    await storyContributed(host, result.story, teller, 'story', value);
    // Nothing to show in the dialog: it closes, and the card is in the conversation.
    return undefined;
  });
}
