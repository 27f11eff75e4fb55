import { z } from 'zod';
import type { Feature, FeatureHost } from '../feature';
import type { Notice, Turn } from '../../teams/door';
import type { AdaptiveCard } from '../../cards/types';
import { ORGANIZERS_TABLE, OrganizersRepo } from '../../people/organizers';
import { deletedCard, libraryCard, storyCard, themesCard, VERB } from './cards';
import { registerSaveAsStory } from './dialog';
import { personOf, recordContribution, spaceOf, storyContributed } from './replies';
import { statedValue } from '../insights/value';
import { STORY_ID, VISIBILITIES, type Story, type Visibility } from './model';
import { ConsentService } from './consent';
import { registerRetelling } from './retellRoutes';
import { UserError } from '../../errors';
import { STORY_NETWORK_TABLE } from './network';
import { parseCaptureText, parseTagList } from './parse';
import { STORIES_TABLE } from './repo';
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
/** `endorse` carries the intent; cards posted before it existed send none (answered with the true card, nothing changed). */
const endorseData = storyData.extend({ endorse: z.boolean().optional() });
const tagsData = storyData.extend({ tags: z.string().max(600).optional().default('') });
const visibilityData = storyData.extend({ visibility: z.enum(VISIBILITIES) });
/** Longer than a story may be is answered plainly by the service (not as a bad request). */
const editTextData = storyData.extend({ text: z.string().max(20_000).optional().default('') });
/** `story edit <id> <new text>`: an id the card shows (on a line, anything after it is the text). */
const EDIT_COMMAND = /^edit\s+(\S+)\s*([\s\S]*)$/i;
const pageData = z.object({ query: z.string().max(200).optional().default(''), page: z.coerce.number().int().min(0).max(10_000) });

export const storiesFeature: Feature = {
  name: 'stories',
  tables: [STORIES_TABLE, STORY_NETWORK_TABLE, STORY_THEMES_TABLE, THEME_CORRECTIONS_TABLE],
  create(host) {
    const service = new StoriesService(host.store, host.clock);
    const views = new StoryViews(host, service);
    registerCommands(host, service, views);
    registerCardActions(host, service, views);
    registerSaveAsStory(host, service, views);
    registerRetelling(host, views);
    return { stop: async () => undefined };
  },
};

/**
 * The two kinds of story card: the shared one every message holds (with `refresh`, so Teams
 * shows each member their own view) and a person's own view (their Inspiring, Delete when they
 * may, their notice).
 */
export class StoryViews {
  private readonly organizers: OrganizersRepo;

  readonly consent: ConsentService;

  constructor(
    private readonly host: FeatureHost,
    readonly service: StoriesService,
  ) {
    this.consent = new ConsentService(service, host.clock);
    this.organizers = new OrganizersRepo(host.store.table(ORGANIZERS_TABLE));
  }

  async shared(turn: Turn, story: Story): Promise<AdaptiveCard> {
    return storyCard(story, { refresh: true, userIds: await this.host.poster.audience(turn.reference) });
  }

  async personal(turn: Turn, story: Story, notice?: Notice): Promise<AdaptiveCard> {
    const [userIds, organizer] = await Promise.all([this.host.poster.audience(turn.reference), this.organizers.isOrganizer(spaceOf(turn), turn.userId)]);
    const teller = story.teller.userId === turn.userId;
    // The same rules the service applies: delete (teller, saver, organizer), curate (teller, organizer).
    const canDelete = teller || story.capturedBy.userId === turn.userId || organizer;
    const viewer = { userId: turn.userId, canDelete, canCurate: teller || organizer, canSeeTeller: canDelete, mayRetell: this.consent.mayRetell(story) };
    return storyCard(story, { viewer, notice, refresh: true, userIds });
  }
}

/** `visibility: network` as typed: a known word, or a plain answer saying which words there are. */
export function visibilityOfWord(word: string | undefined): Visibility | undefined {
  if (word === undefined) return undefined;
  if ((VISIBILITIES as readonly string[]).includes(word)) return word as Visibility;
  throw new UserError(s.visibilityUnknown(word));
}

/** Edits the text and tells Connect, whose theme shortlists quote it (their excerpt follows the edit). */
async function editStoryText(host: FeatureHost, service: StoriesService, turn: Turn, storyId: string, text: string): Promise<{ story: Story; changed: boolean }> {
  const { story, before, changed } = await service.editText(spaceOf(turn), storyId, personOf(turn), text);
  if (changed) {
    await host.events.emit('storyEdited', {
      tenantId: story.tenantId,
      spaceId: story.spaceId,
      storyId: story.storyId,
      text: story.text,
      themes: story.themes,
      formerThemes: before.themes,
    });
  }
  return { story, changed };
}

function editNotice(story: Story, changed: boolean): Notice {
  if (!changed) return { text: s.textUnchanged, tone: 'good' };
  const withdrawnNow = story.approvalWithdrawnAt !== undefined && story.editedAt !== undefined && story.approvalWithdrawnAt.getTime() === story.editedAt.getTime();
  return { text: withdrawnNow ? s.textSavedApprovalWithdrawn : s.textSaved, tone: withdrawnNow ? 'attention' : 'good' };
}

function registerCommands(host: FeatureHost, service: StoriesService, views: StoryViews): void {
  const { door } = host;
  door.command({
    name: 'story',
    usage: s.storyUsage,
    summary: s.storySummary,
    group: s.group,
    // The story's own transaction de-duplicates a re-delivery (a pointer keyed by the activity
    // id): the door skips its separate `processed` row for this command.
    deduplicatesItself: true,
    async handle(turn, args, reply) {
      const edit = EDIT_COMMAND.exec(args.trim());
      if (edit && (STORY_ID.test(edit[1] ?? '') || /^\d{13}-/.test(edit[1] ?? ''))) {
        // A re-delivery finds the text already saved and changes nothing (the answer says so).
        const id = edit[1] ?? '';
        if (!STORY_ID.test(id)) return void (await reply.text(s.notFound));
        const { story, changed } = await editStoryText(host, service, turn, id, edit[2] ?? '');
        reply.log.info('story.edited', { storyId: story.storyId, changed, approvalWithdrawn: Boolean(story.approvalWithdrawnAt && changed) });
        const notice = editNotice(story, changed);
        await reply.card(await views.personal(turn, story, notice));
        return;
      }
      if (/^edit\s*$/i.test(args.trim())) return void (await reply.text(s.editUsage));
      const parsed = parseCaptureText(args, turn.mentions.map((m) => m.shown));
      const mentioned = turn.mentions.find((m) => m.shown === parsed.tellerName);
      const teller = mentioned ? { userId: mentioned.userId, userName: mentioned.userName } : personOf(turn);
      const text = service.validateText(parsed.text);
      const visibility = visibilityOfWord(parsed.visibility);
      const anonymous = parsed.anonymous ? { standIn: service.validateStandIn(parsed.anonymous.standIn) } : undefined;
      const value = statedValue(text);
      const input = { where: spaceOf(turn), conversationId: turn.conversationId, text, teller, capturedBy: personOf(turn), customer: parsed.customer, hashtags: parsed.hashtags, visibility, anonymous };
      // Saving + answering, and recording the teller's contribution, do not depend on each other:
      // side by side, the turn takes the longer of the two instead of their sum.
      await Promise.all([
        service.captureOnce(input, turn.activityId).then(async (result) => {
          // A re-delivery of this activity: its first delivery stored the story and answers.
          if (!result) return void reply.log.info('activity.duplicate', { activityId: turn.activityId });
          reply.log.info('story.captured', { storyId: result.story.storyId, duplicate: result.duplicate, tags: result.story.themes.length + result.story.tags.length, visibility: result.story.visibility, anonymous: Boolean(result.story.anonymous) });
          await Promise.all([
            reply.card(await views.shared(turn, result.story), result.duplicate ? s.duplicate : undefined),
            result.duplicate ? undefined : storyContributed(host, result.story, teller, 'story', value),
          ]);
        }),
        // An anonymous teller is not named among the week's new voices either.
        anonymous ? undefined : recordContribution(reply, () => service.recordTelling(input.where, teller)),
      ]);
    },
  });

  door.command({
    name: 'stories',
    usage: s.storiesUsage,
    summary: s.storiesSummary,
    group: s.group,
    async handle(turn, args, reply) {
      await reply.card(libraryCard(await service.library(spaceOf(turn), args, 0)));
    },
  });

  door.command({
    name: 'themes',
    usage: s.themesUsage,
    summary: s.themesSummary,
    group: s.group,
    async handle(turn, args, reply) {
      const where = spaceOf(turn);
      const why = /^why\b\s*([\s\S]*)$/i.exec(args.trim());
      if (why) return void (await reply.text(await whyMessage(service, where, why[1] ?? '')));
      const m = /^(add|set|change|remove)\b\s*([\s\S]*)$/i.exec(args.trim());
      if (!args.trim()) {
        await reply.card(themesCard(await service.themes(where)));
        return;
      }
      if (!m) {
        await reply.text(s.themeUsage);
        return;
      }
      const verb = (m[1] ?? '').toLowerCase();
      const rest = (m[2] ?? '').trim();
      if (verb === 'remove') {
        const removed = await service.removeTheme(where, rest, personOf(turn));
        await reply.text(s.themeRemoved(removed.name));
        return;
      }
      const colon = rest.indexOf(':');
      if (colon <= 0) {
        await reply.text(s.themeUsage);
        return;
      }
      const theme = await service.saveTheme(where, rest.slice(0, colon), rest.slice(colon + 1).split(','), verb === 'add' ? 'add' : 'set', personOf(turn));
      await reply.text(s.themeSaved(theme.name, theme.phrases.length));
    },
  });
}

function registerCardActions(host: FeatureHost, service: StoriesService, views: StoryViews): void {
  const { door } = host;
  const strings = { badData: s.badRequest };
  const subject = (data: { storyId: string }) => `story:${data.storyId}`;
  /** The story as it is stored now, for the presser (their own Inspiring state) with a notice. */
  const current = async (turn: Turn, data: { storyId: string }, notice: Notice) => {
    const story = await service.getStory(spaceOf(turn), data.storyId);
    return story ? views.personal(turn, story, notice) : undefined;
  };

  // The card's refresh: each member's own view (Teams asks), with the notice of their last press.
  door.cardAction({
    verb: VERB.view,
    schema: storyData,
    strings,
    subject,
    view: true,
    current,
    async handle(turn, data, _reply, context) {
      const story = await service.getStory(spaceOf(turn), data.storyId);
      if (!story) return { card: deletedCard() };
      return { card: await views.personal(turn, story, context.notice) };
    },
  });

  // Shared changes (count, tags, deletion) are shown to everyone: the pressed card is updated too.
  door.cardAction({
    verb: VERB.endorse,
    schema: endorseData,
    strings,
    subject,
    shared: 'pressed',
    current,
    async handle(turn, data, reply) {
      if (data.endorse === undefined) {
        // An older card's toggle: its meaning is unknown, so change nothing and show the truth.
        const story = await service.getStory(spaceOf(turn), data.storyId);
        if (!story) return { text: s.notFound };
        const notice = { text: s.olderCard, tone: 'attention' as const };
        return { card: await views.personal(turn, story, notice), everyone: await views.shared(turn, story), notice };
      }
      const { story, changed } = await service.setEndorsement(spaceOf(turn), data.storyId, personOf(turn), data.endorse);
      if (changed && data.endorse) await Promise.all([recordContribution(reply, () => service.recordEndorsement(spaceOf(turn), personOf(turn))), storyContributed(host, story, personOf(turn), 'endorse')]);
      const notice = { text: data.endorse ? s.endorsed : s.unendorsed, tone: 'good' as const };
      return { card: await views.personal(turn, story, notice), everyone: await views.shared(turn, story), notice, unchanged: !changed };
    },
  });

  door.cardAction({
    verb: VERB.tags,
    schema: tagsData,
    strings,
    subject,
    shared: 'pressed',
    current,
    async handle(turn, data) {
      const story = await service.editTags(spaceOf(turn), data.storyId, parseTagList(data.tags));
      const notice = { text: s.tagsSaved, tone: 'good' as const };
      return { card: await views.personal(turn, story, notice), everyone: await views.shared(turn, story), notice };
    },
  });

  // Who may see it: set-state (the button names the visibility), teller or organizer.
  door.cardAction({
    verb: VERB.visibility,
    schema: visibilityData,
    strings,
    subject,
    shared: 'pressed',
    current,
    async handle(turn, data, reply) {
      const { story, changed } = await service.setVisibility(spaceOf(turn), data.storyId, personOf(turn), data.visibility);
      reply.log.info('story.visibility', { storyId: story.storyId, visibility: data.visibility, changed });
      const name = s.visibilityNames[data.visibility];
      const notice = { text: changed ? s.visibilitySet(name) : s.visibilityUnchanged(name), tone: 'good' as const };
      return { card: await views.personal(turn, story, notice), everyone: await views.shared(turn, story), notice, unchanged: !changed };
    },
  });

  // The text, replaced by the teller (or who saved it, or an organizer): everyone sees the new text.
  door.cardAction({
    verb: VERB.editText,
    schema: editTextData,
    strings,
    subject,
    shared: 'pressed',
    current,
    async handle(turn, data, reply) {
      const { story, changed } = await editStoryText(host, service, turn, data.storyId, data.text);
      reply.log.info('story.edited', { storyId: story.storyId, changed, approvalWithdrawn: Boolean(story.approvalWithdrawnAt && changed) });
      const notice = editNotice(story, changed);
      return { card: await views.personal(turn, story, notice), everyone: await views.shared(turn, story), notice, unchanged: !changed };
    },
  });

  // Why these themes: the reader's own view, nothing changes.
  door.cardAction({
    verb: VERB.why,
    schema: storyData,
    strings,
    async handle(turn, data) {
      const { story, scores } = await service.explainThemes(spaceOf(turn), data.storyId);
      return { card: storyCard(story, { why: whyLines(story, scores) }) };
    },
  });

  door.cardAction({
    verb: VERB.delete,
    schema: storyData,
    strings,
    subject,
    shared: 'pressed',
    current,
    async handle(turn, data) {
      await service.deleteStory(spaceOf(turn), data.storyId, personOf(turn));
      return { card: deletedCard(turn.userName) };
    },
  });

  // Paging is the reader's own view: only their copy of the card changes.
  door.cardAction({
    verb: VERB.page,
    schema: pageData,
    strings,
    async handle(turn, data) {
      return { card: libraryCard(await service.library(spaceOf(turn), data.query, data.page)) };
    },
  });
}
