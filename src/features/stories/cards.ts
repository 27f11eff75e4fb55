import { card, type AdaptiveCard, type CardAction, type CardElement } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import { noticeBlock, type Notice } from '../../cards/notice';
import { withRefresh } from '../../cards/layout';
import { fitToBudget } from '../../cards/size';
import type { LibraryPage } from './library';
import { MAX_STORY_LENGTH } from './parse';
import { allTags, type Story } from './model';
import { storyStrings as s } from './strings';
import type { Theme } from './taxonomy';

/**
 * Story cards, each a typed function of its data. Every text that came from people goes
 * through safeText/safeLine (no injected links, mentions or markup).
 */
export const VERB = {
  endorse: 'story.endorse',
  tags: 'story.tags',
  delete: 'story.delete',
  page: 'story.page',
  why: 'story.why',
  /** The card's refresh: a person's own view (nothing changes). */
  view: 'story.view',
} as const;

/** Longer stories show this much, with "Show more". */
export const SHORT_LENGTH = 400;

function tagLine(tags: readonly string[]): string {
  return tags.length ? tags.map((t) => `#${t}`).join('  ') : s.noTags;
}

function shortened(text: string, length: number): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  const space = cut.lastIndexOf(' ');
  return `${(space > length * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function storyText(story: Story, fullLength = story.text.length): CardElement[] {
  if (story.text.length <= SHORT_LENGTH) return [{ type: 'TextBlock', text: safeText(story.text), wrap: true }];
  const full = fullLength < story.text.length ? `${safeText(shortened(story.text, fullLength))}\n\n${s.storyCut}` : safeText(story.text);
  return [
    { type: 'TextBlock', id: 'storyShort', text: safeText(shortened(story.text, SHORT_LENGTH)), wrap: true },
    { type: 'TextBlock', id: 'storyFull', text: full, wrap: true, isVisible: false },
    {
      type: 'ActionSet',
      id: 'storyMore',
      actions: [{ type: 'Action.ToggleVisibility', title: s.showMore, targetElements: ['storyShort', 'storyFull', 'storyMore', 'storyLess'] }],
    },
    {
      type: 'ActionSet',
      id: 'storyLess',
      isVisible: false,
      actions: [{ type: 'Action.ToggleVisibility', title: s.showLess, targetElements: ['storyShort', 'storyFull', 'storyMore', 'storyLess'] }],
    },
  ];
}

function facts(story: Story): CardElement {
  const list = [{ title: s.toldBy, value: safeLine(story.teller.userName) }];
  if (story.customer) list.push({ title: s.customer, value: safeLine(story.customer) });
  if (story.capturedBy.userId !== story.teller.userId) list.push({ title: s.savedBy, value: safeLine(story.capturedBy.userName) });
  return { type: 'FactSet', facts: list };
}

function header(story: Story, afterNotice = false): CardElement[] {
  return [
    { type: 'TextBlock', text: s.cardKicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true, ...(afterNotice ? { spacing: 'Medium' as const } : {}) },
    ...(story.customer ? [{ type: 'TextBlock' as const, text: safeLine(story.customer), size: 'Medium' as const, weight: 'Bolder' as const, wrap: true, spacing: 'None' as const }] : []),
  ];
}

/** Who looks at a personal view of a story card, and what they may do. */
export interface StoryViewer {
  userId: string;
  /** The teller, the person who saved it, or an organizer. */
  canDelete: boolean;
}

/**
 * The story card. The SHARED card (no viewer) is what the message holds for everyone: the
 * count, "Inspiring", "Edit tags". A PERSONAL view (Teams' refresh for each member, or the
 * answer to a press) adds "You found this inspiring" and the take-back button for those who
 * did, Delete for those allowed, and the notice of their last press. The Inspiring button
 * carries the intent (endorse true / false), so a retry or a double press never undoes it.
 * `why` (lines from why.ts) shows why it has its themes.
 */
export function storyCard(story: Story, view: { viewerId?: string; viewer?: StoryViewer; notice?: Notice; userIds?: readonly string[]; refresh?: boolean; why?: readonly string[] } = {}): AdaptiveCard {
  const why = view.why;
  const data = { storyId: story.storyId };
  const tags = allTags(story);
  const viewer = view.viewer ?? (view.viewerId ? { userId: view.viewerId, canDelete: false } : undefined);
  const mine = viewer !== undefined && story.endorsers.includes(viewer.userId);
  const actions: CardAction[] = [
    mine
      ? { type: 'Action.Execute', title: s.inspiringTakeBack, verb: VERB.endorse, data: { verb: VERB.endorse, ...data, endorse: false } }
      : { type: 'Action.Execute', title: s.inspiring, verb: VERB.endorse, data: { verb: VERB.endorse, ...data, endorse: true } },
    {
      type: 'Action.ShowCard',
      title: s.editTags,
      card: card(
        [{ type: 'Input.Text', id: 'tags', label: s.tagsInput, value: tags.join(', '), maxLength: 600 }],
        [
          { type: 'Action.Execute', title: s.saveTags, verb: VERB.tags, data: { verb: VERB.tags, ...data }, associatedInputs: 'auto' },
          { type: 'Action.Execute', title: s.whyButton, verb: VERB.why, data: { verb: VERB.why, ...data }, associatedInputs: 'none' },
        ],
      ),
    },
  ];
  if (viewer?.canDelete) {
    actions.push({
      type: 'Action.ShowCard',
      title: s.delete,
      card: card(
        [{ type: 'TextBlock', text: s.deleteConfirm, wrap: true }],
        [{ type: 'Action.Execute', title: s.deleteForEveryone, style: 'destructive', verb: VERB.delete, data: { verb: VERB.delete, ...data } }],
      ),
    });
  }
  const count = s.endorsements(story.endorsers.length);
  // The whole story when it fits Teams' size limit (any plain story does; only text that grows
  // a lot when escaped may not): else as much as fits, saying so.
  const build = (fullLength: number): AdaptiveCard => refreshed(card(
    [
      ...(view.notice ? [noticeBlock(view.notice)] : []),
      ...header(story, Boolean(view.notice)),
      ...storyText(story, fullLength),
      facts(story),
      { type: 'TextBlock', text: safeLine(tagLine(tags), 600), wrap: true, isSubtle: true, spacing: 'Small' },
      ...(why ? [{ type: 'TextBlock' as const, text: s.whyTitle, weight: 'Bolder' as const, wrap: true }, ...why.map((line) => ({ type: 'TextBlock' as const, text: safeLine(line, 600), wrap: true, size: 'Small' as const, spacing: 'None' as const }))] : []),
      ...(count || mine
        ? [{ type: 'TextBlock' as const, text: mine ? s.youFoundInspiring(story.endorsers.length) : count, wrap: true, spacing: 'Small' as const, size: 'Small' as const, weight: 'Bolder' as const, color: mine ? ('Good' as const) : ('Default' as const) }]
        : []),
      ...(story.sourceMessageId ? [{ type: 'TextBlock' as const, text: s.fromMessage, size: 'Small' as const, isSubtle: true, wrap: true }] : []),
    ],
    story.sourceLink ? [...actions, { type: 'Action.OpenUrl', title: s.openMessage, url: story.sourceLink }] : actions,
    { fallbackText: `${s.cardKicker}: ${safeLine(story.text, 200)}` },
  ));
  const refreshed = (c: AdaptiveCard): AdaptiveCard => (view.refresh ? withRefresh(c, VERB.view, data, view.userIds) : c);
  return fitToBudget(story.text.length, build, undefined, 1);
}

/** The story without buttons: for dialogs (a task module cannot update the posted card). */
export function storyPreviewCard(story: Story, heading: string): AdaptiveCard {
  return card([
    { type: 'TextBlock', text: heading, weight: 'Bolder', wrap: true },
    ...header(story),
    { type: 'TextBlock', text: safeText(shortened(story.text, SHORT_LENGTH)), wrap: true },
    facts(story),
    { type: 'TextBlock', text: safeLine(tagLine(allTags(story)), 600), wrap: true, isSubtle: true },
  ]);
}

export function deletedCard(by?: string): AdaptiveCard {
  return card([{ type: 'TextBlock', text: by ? safeLine(s.deleted(by)) : s.deletedGone, wrap: true, isSubtle: true }]);
}

export interface DialogPrefill {
  text: string;
  tellerName: string;
  tags: string[];
}

/** "Save as story": the dialog prefilled from the message. */
export function saveStoryDialog(prefill: DialogPrefill): AdaptiveCard {
  return card(
    [
      { type: 'Input.Text', id: 'text', label: s.dialogText, isMultiline: true, value: prefill.text.slice(0, MAX_STORY_LENGTH), maxLength: MAX_STORY_LENGTH, isRequired: true, errorMessage: s.dialogTextRequired },
      { type: 'TextBlock', text: safeLine(s.dialogTeller(prefill.tellerName)), wrap: true, isSubtle: true },
      { type: 'Input.Text', id: 'customer', label: s.dialogCustomer, maxLength: 100 },
      { type: 'Input.Text', id: 'tags', label: s.dialogTags, value: prefill.tags.join(', '), maxLength: 600 },
    ],
    [{ type: 'Action.Submit', title: s.dialogSave, data: { verb: 'story.save' } }],
  );
}

function libraryItem(story: Story, first: boolean): CardElement {
  const meta = [safeLine(story.teller.userName), story.customer ? safeLine(story.customer) : undefined, s.endorsements(story.endorsers.length) || undefined]
    .filter(Boolean)
    .join(' · ');
  return {
    type: 'Container',
    separator: !first,
    spacing: 'Medium',
    items: [
      { type: 'TextBlock', text: safeText(shortened(story.text, 300)), wrap: true, maxLines: 6 },
      { type: 'TextBlock', text: meta, wrap: true, isSubtle: true, size: 'Small', spacing: 'Small' },
      { type: 'TextBlock', text: safeLine(tagLine(allTags(story)), 600), wrap: true, isSubtle: true, size: 'Small', spacing: 'None' },
    ],
  };
}

/** One page of the library; Previous/Next ask for the neighbouring page. Always within Teams' size limit. */
export function libraryCard(page: LibraryPage): AdaptiveCard {
  const build = (shown: number): AdaptiveCard => {
    const body: CardElement[] = [
      { type: 'TextBlock', text: s.libraryKicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true },
      { type: 'TextBlock', text: page.query ? safeLine(s.libraryFor(page.query)) : s.libraryTitle, size: 'Large', weight: 'Bolder', wrap: true, spacing: 'None' },
    ];
    if (page.total === 0) {
      body.push({ type: 'TextBlock', text: page.query ? s.libraryNoMatch : s.libraryEmpty, wrap: true });
      return card(body);
    }
    body.push({ type: 'TextBlock', text: s.libraryCount(page.total, page.page, page.pageCount), isSubtle: true, spacing: 'None', wrap: true });
    if (page.truncated) body.push({ type: 'TextBlock', text: s.libraryTruncated, isSubtle: true, size: 'Small', wrap: true });
    page.stories.slice(0, shown).forEach((st, i) => body.push(libraryItem(st, i === 0)));
    if (shown < page.stories.length) body.push({ type: 'TextBlock', text: s.libraryMoreOnPage(page.stories.length - shown), isSubtle: true, wrap: true });
    const actions: CardAction[] = [];
    if (page.page > 0) actions.push({ type: 'Action.Execute', title: s.previous, verb: VERB.page, data: { verb: VERB.page, query: page.query, page: page.page - 1 } });
    if (page.page < page.pageCount - 1) actions.push({ type: 'Action.Execute', title: s.next, verb: VERB.page, data: { verb: VERB.page, query: page.query, page: page.page + 1 } });
    return card(body, actions);
  };
  return fitToBudget(page.stories.length, build);
}

export function themesCard(themes: readonly Theme[]): AdaptiveCard {
  const build = (shown: number): AdaptiveCard =>
    card([
      { type: 'TextBlock', text: s.themesKicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true },
      { type: 'TextBlock', text: s.themesTitle, size: 'Large', weight: 'Bolder', wrap: true, spacing: 'None' },
      { type: 'TextBlock', text: s.themesHint, wrap: true, isSubtle: true },
      {
        type: 'FactSet',
        facts: themes.slice(0, shown).map((t) => ({ title: safeLine(`${t.name} (#${t.id})`, 120), value: safeLine(t.phrases.slice(0, 12).join(', ') + (t.phrases.length > 12 ? ', …' : ''), 600) })),
      },
      ...(shown < themes.length ? [{ type: 'TextBlock' as const, text: s.themesMore(themes.length - shown), isSubtle: true, wrap: true }] : []),
    ]);
  return fitToBudget(themes.length, build);
}
