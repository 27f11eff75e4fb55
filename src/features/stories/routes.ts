import { TurnContext, type TurnContext as Context } from 'botbuilder';
import { z } from 'zod';
import type { AdaptiveCard } from '../../cards/types';
import { errorFields } from '../../log';
import { turnLogger } from '../../teams/middleware';
import { turnOf, type Turn } from '../../teams/turn';
import type { Feature, FeatureHost } from '../feature';
import { deletedCard, libraryCard, storyCard, themesCard, VERB } from './cards';
import { registerSaveAsStory } from './dialog';
import { cardMessage, storyContributed, personOf, recordContribution, recordTelling, refuseBadRequest, spaceOf } from './replies';
import { STORY_ID, type Person, type Space } from './model';
import { parseCaptureText, parseTagList } from './parse';
import { STORIES_TABLE } from './repo';
import { statedValue } from '../insights/value';
import { StoriesService } from './service';
import { storyStrings as s } from './strings';
import { STORY_THEMES_TABLE } from './themesRepo';
import { THEME_CORRECTIONS_TABLE } from '../../themes';
import { whyLines, whyMessage } from './why';

/**
 * Stories in Teams: `@Coach story ...`, `@Coach stories ...`, `@Coach themes ...`, the story
 * card's buttons (Action.Execute, verbs `story.*`) and the "Save as story" message action.
 */
const storyData = z.object({ storyId: z.string().regex(STORY_ID) });
const tagsData = storyData.extend({ tags: z.string().max(600).optional().default('') });
const pageData = z.object({ query: z.string().max(200).optional().default(''), page: z.coerce.number().int().min(0).max(10_000) });

/** People @mentioned in the message with the text their mention shows ("@Dana" or "@Dana Example"). */
function mentionsOf(context: Context): { person: Person; shown: string }[] {
  const botId = context.activity.recipient?.id;
  return TurnContext.getMentions(context.activity)
    .filter((m) => m.mentioned?.id && m.mentioned.id !== botId)
    .map((m) => {
      const mentioned = m.mentioned as { id: string; name?: string; aadObjectId?: string };
      const shown = (m.text ?? '').replace(/<\/?at>/gi, '').trim() || mentioned.name || '';
      return { person: { userId: mentioned.aadObjectId ?? mentioned.id, userName: mentioned.name ?? shown }, shown };
    });
}

export const storiesFeature: Feature = {
  name: 'stories',
  tables: [STORIES_TABLE, STORY_THEMES_TABLE, THEME_CORRECTIONS_TABLE],
  register(host) {
    const service = new StoriesService(host.store, host.clock);
    registerCommands(host, service);
    registerCardActions(host, service);
    registerSaveAsStory(host, service);
  },
};

function registerCommands(host: FeatureHost, service: StoriesService): void {
  const { commands } = host;
  commands.add({
    name: 'story',
    usage: s.storyUsage,
    summary: s.storySummary,
    group: s.group,
    async handle(context, turn, args) {
      const mentions = mentionsOf(context);
      const parsed = parseCaptureText(args, mentions.map((m) => m.shown));
      const teller = mentions.find((m) => m.shown === parsed.tellerName)?.person ?? personOf(turn);
      const text = service.validateText(parsed.text);
      const value = statedValue(text);
      const input = { where: spaceOf(turn), conversationId: turn.conversationId, text, teller, capturedBy: personOf(turn), customer: parsed.customer, hashtags: parsed.hashtags };
      // Saving + answering, and recording the teller's contribution, do not depend on each other:
      // side by side, the turn takes the longer of the two instead of their sum.
      await Promise.all([
        service.captureStory(input).then(async (result) => {
          turnLogger(context, host.log).info('story.captured', { storyId: result.story.storyId, duplicate: result.duplicate, tags: result.story.themes.length + result.story.tags.length });
          await Promise.all([context.sendActivity(cardMessage(storyCard(result.story), result.duplicate ? s.duplicate : undefined)), result.duplicate ? undefined : storyContributed(host, result.story, teller, 'story', value)]);
        }),
        recordTelling(context, host, service, input.where, teller),
      ]);
    },
  });

  commands.add({
    name: 'stories',
    usage: s.storiesUsage,
    summary: s.storiesSummary,
    group: s.group,
    async handle(context, turn, args) {
      await context.sendActivity(cardMessage(libraryCard(await service.library(spaceOf(turn), args, 0))));
    },
  });

  commands.add({
    name: 'themes',
    usage: s.themesUsage,
    summary: s.themesSummary,
    group: s.group,
    async handle(context, turn, args) {
      const where = spaceOf(turn);
      const why = /^why\b\s*([\s\S]*)$/i.exec(args.trim());
      if (why) return void (await context.sendActivity(await whyMessage(service, where, why[1] ?? '')));
      const m = /^(add|set|change|remove)\b\s*([\s\S]*)$/i.exec(args.trim());
      if (!args.trim()) {
        await context.sendActivity(cardMessage(themesCard(await service.themes(where))));
        return;
      }
      if (!m) {
        await context.sendActivity(s.themeUsage);
        return;
      }
      const verb = (m[1] ?? '').toLowerCase();
      const rest = (m[2] ?? '').trim();
      if (verb === 'remove') {
        const removed = await service.removeTheme(where, rest, personOf(turn));
        await context.sendActivity(s.themeRemoved(removed.name));
        return;
      }
      const colon = rest.indexOf(':');
      if (colon <= 0) {
        await context.sendActivity(s.themeUsage);
        return;
      }
      const theme = await service.saveTheme(where, rest.slice(0, colon), rest.slice(colon + 1).split(','), verb === 'add' ? 'add' : 'set', personOf(turn));
      await context.sendActivity(s.themeSaved(theme.name, theme.phrases.length));
    },
  });
}

function registerCardActions(host: FeatureHost, service: StoriesService): void {
  const { app } = host;

  /** Shared changes (count, tags, deletion) are shown to everyone: the posted card is updated too. */
  const showEveryone = async (context: Context, c: AdaptiveCard): Promise<AdaptiveCard> => {
    const id = context.activity.replyToId;
    if (id) {
      try {
        await context.updateActivity({ ...cardMessage(c), id });
      } catch (err) {
        // The person who pressed still gets the new card in the invoke response.
        turnLogger(context, host.log).warn('story.card_update_failed', errorFields(err));
      }
    }
    return c;
  };

  /** An Action.Execute route whose data is parsed first: data the bot never sent gets a 400, nothing changed. */
  const execute = <T>(verb: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, handle: (context: Context, turn: Turn, data: T) => Promise<AdaptiveCard>): void => {
    app.adaptiveCards.actionExecute(verb, async (context, _state, raw) => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        await refuseBadRequest(context);
        return s.badRequest;
      }
      return handle(context, turnOf(context), parsed.data);
    });
  };

  execute(VERB.endorse, storyData, async (context, turn, data) => {
    const { story, endorsed } = await service.toggleEndorsement(spaceOf(turn), data.storyId, personOf(turn));
    const [card] = await Promise.all([
      showEveryone(context, storyCard(story)),
      endorsed ? recordContribution(context, host, () => service.recordEndorsement(spaceOf(turn), personOf(turn))) : undefined,
      endorsed ? storyContributed(host, story, personOf(turn), 'endorse') : undefined,
    ]);
    return card;
  });

  execute(VERB.tags, tagsData, async (context, turn, data) => {
    const story = await service.editTags(spaceOf(turn), data.storyId, parseTagList(data.tags));
    return showEveryone(context, storyCard(story));
  });

  // Why these themes: the reader's own view, nothing changes.
  execute(VERB.why, storyData, async (_context, turn, data) => {
    const { story, scores } = await service.explainThemes(spaceOf(turn), data.storyId);
    return storyCard(story, whyLines(story, scores));
  });

  execute(VERB.delete, storyData, async (context, turn, data) => {
    await service.deleteStory(spaceOf(turn), data.storyId, personOf(turn));
    return showEveryone(context, deletedCard(turn.userName));
  });

  // Paging is the reader's own view: only their copy of the card changes.
  execute(VERB.page, pageData, async (_context, turn, data) => libraryCard(await service.library(spaceOf(turn), data.query, data.page)));
}
