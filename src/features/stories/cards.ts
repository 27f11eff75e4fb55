import { card, type AdaptiveCard, type CardAction, type CardElement } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import { noticeBlock, type Notice } from '../../cards/notice';
import { withRefresh } from '../../cards/layout';
import { fitToBudget } from '../../cards/size';
import type { LibraryPage } from './library';
import { MAX_STORY_LENGTH } from './parse';
import { allTags, isApproved, visibilityOf, type Consent, type Story, type Visibility } from './model';
import { MAX_USE_LENGTH } from './consent';
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
  visibility: 'story.visibility',
  /** The teller (or who saved it, or an organizer) replaces the text. */
  editText: 'story.editText',
  /** Dialogs (task/fetch): ask the teller to retell; retell in another conversation. */
  ask: 'story.ask',
  retell: 'story.retell',
  /** The contact's Approve / Decline, in their personal chat. */
  consent: 'story.consent',
  /** On a retold story: the original as it is now (its count of retellings, or that it was deleted). */
  original: 'story.original',
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
  if (!story.editedAt) return storyTextOnly(story, fullLength);
  return [...storyTextOnly(story, fullLength), { type: 'TextBlock', text: s.edited, size: 'Small', isSubtle: true, wrap: true, spacing: 'None' }];
}

function storyTextOnly(story: Story, fullLength: number): CardElement[] {
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

/**
 * Who told it and for which customer, as this reader may see it: an anonymous story shows its
 * stand-in instead of the teller, the customer and who saved it, unless `reveal` (the teller,
 * the person who saved it, an organizer: their own view). `showVisibility`: false on a retold copy.
 */
function facts(story: Story, reveal = false, showVisibility = true): CardElement {
  const hidden = story.anonymous && !reveal;
  const list = [{ title: s.toldBy, value: hidden ? s.anonymousTeller : safeLine(story.teller.userName) }];
  const customer = hidden ? story.anonymous?.standIn : story.customer;
  if (customer) list.push({ title: s.customer, value: safeLine(customer) });
  if (!hidden && story.capturedBy.userId !== story.teller.userId) list.push({ title: s.savedBy, value: safeLine(story.capturedBy.userName) });
  if (showVisibility) list.push({ title: s.visibilityLabel, value: s.visibilityNames[visibilityOf(story)] });
  return { type: 'FactSet', facts: list };
}

function header(story: Story, afterNotice = false, reveal = false): CardElement[] {
  const customer = story.anonymous && !reveal ? story.anonymous.standIn : story.customer;
  return [
    { type: 'TextBlock', text: s.cardKicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true, ...(afterNotice ? { spacing: 'Medium' as const } : {}) },
    ...(customer ? [{ type: 'TextBlock' as const, text: safeLine(customer), size: 'Medium' as const, weight: 'Bolder' as const, wrap: true, spacing: 'None' as const }] : []),
  ];
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

/** What the teller and organizers see about retelling: the latest request and its answer, and the count. */
function retellLines(story: Story, curator: boolean): CardElement[] {
  const lines: string[] = [];
  if (curator && story.approvalWithdrawnAt && !story.consent) lines.push(s.approvalWithdrawn(day(story.approvalWithdrawnAt)));
  if (curator && story.consent) lines.push(s.consentStatus(story.consent.state, story.consent.contact.userName, day(story.consent.answeredAt ?? story.consent.askedAt)));
  if (story.retellings) lines.push(s.retellings(story.retellings));
  if (story.anonymous && curator) lines.push(s.anonymousNote);
  return lines.map((line) => ({ type: 'TextBlock' as const, text: safeLine(line, 300), size: 'Small' as const, isSubtle: true, wrap: true, spacing: 'Small' as const }));
}

/** "Share…": who may see it (teller and organizers), Ask to retell (same), Retell in… (anyone, once it may be retold). */
function shareAction(story: Story, viewer: StoryViewer): CardAction | undefined {
  const data = { storyId: story.storyId };
  const actions: CardAction[] = [];
  if (viewer.canCurate) {
    const current = visibilityOf(story);
    const set = (visibility: Visibility, title: string): CardAction => ({ type: 'Action.Execute', title: current === visibility ? `✓ ${title}` : title, verb: VERB.visibility, data: { verb: VERB.visibility, ...data, visibility } });
    actions.push(set('team', s.makeTeam), set('network', s.makeNetwork));
    if (isApproved(story)) actions.push(set('outside', s.makeOutside));
    else actions.push({ type: 'Action.Submit', title: s.askToRetell, data: { msteams: { type: 'task/fetch' }, verb: VERB.ask, ...data } });
  }
  if (viewer.mayRetell) actions.push({ type: 'Action.Submit', title: s.retellIn, data: { msteams: { type: 'task/fetch' }, verb: VERB.retell, ...data } });
  if (actions.length === 0) return undefined;
  return { type: 'Action.ShowCard', title: s.share, card: card([{ type: 'TextBlock', text: s.shareTitle, weight: 'Bolder', wrap: true }], actions) };
}

/** Who looks at a personal view of a story card, and what they may do. */
export interface StoryViewer {
  userId: string;
  /** The teller, the person who saved it, or an organizer. */
  canDelete: boolean;
  /** The teller or an organizer: may change who sees it and ask to retell it. */
  canCurate?: boolean;
  /** May see an anonymous story's teller and customer (the teller, who saved it, an organizer). */
  canSeeTeller?: boolean;
  /** The story may be retold elsewhere (approved, or visible to the network). */
  mayRetell?: boolean;
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
  const share = viewer ? shareAction(story, viewer) : undefined;
  if (share) actions.push(share);
  if (viewer?.canDelete) {
    actions.push({
      type: 'Action.ShowCard',
      title: s.editText,
      card: card(
        [
          { type: 'Input.Text', id: 'text', label: s.editTextInput, isMultiline: true, value: story.text, maxLength: MAX_STORY_LENGTH },
          { type: 'TextBlock', text: s.editTyped(story.storyId), size: 'Small', isSubtle: true, wrap: true },
        ],
        [{ type: 'Action.Execute', title: s.saveText, verb: VERB.editText, data: { verb: VERB.editText, ...data }, associatedInputs: 'auto' }],
      ),
    });
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
      ...header(story, Boolean(view.notice), viewer?.canSeeTeller),
      ...storyText(story, fullLength),
      facts(story, viewer?.canSeeTeller),
      { type: 'TextBlock', text: safeLine(tagLine(tags), 600), wrap: true, isSubtle: true, spacing: 'Small' },
      ...(why ? [{ type: 'TextBlock' as const, text: s.whyTitle, weight: 'Bolder' as const, wrap: true }, ...why.map((line) => ({ type: 'TextBlock' as const, text: safeLine(line, 600), wrap: true, size: 'Small' as const, spacing: 'None' as const }))] : []),
      ...(count || mine
        ? [{ type: 'TextBlock' as const, text: mine ? s.youFoundInspiring(story.endorsers.length) : count, wrap: true, spacing: 'Small' as const, size: 'Small' as const, weight: 'Bolder' as const, color: mine ? ('Good' as const) : ('Default' as const) }]
        : []),
      ...(story.sourceMessageId ? [{ type: 'TextBlock' as const, text: s.fromMessage, size: 'Small' as const, isSubtle: true, wrap: true }] : []),
      ...retellLines(story, viewer?.canCurate === true),
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
      {
        type: 'Input.ChoiceSet',
        id: 'visibility',
        label: s.dialogVisibility,
        value: 'team',
        style: 'compact',
        choices: [
          { title: s.visibilityNames.team, value: 'team' },
          { title: s.visibilityNames.network, value: 'network' },
        ],
      },
      { type: 'Input.Toggle', id: 'anonymous', title: s.dialogAnonymous, value: 'false', valueOn: 'true', valueOff: 'false' },
      { type: 'Input.Text', id: 'standIn', label: s.dialogStandIn, maxLength: 100 },
    ],
    [{ type: 'Action.Submit', title: s.dialogSave, data: { verb: 'story.save' } }],
  );
}

/** What the contact is asked: the exact text and the intended use, Approve / Decline (set-state, naming this request). */
export function consentCard(story: Story, consent: Consent, answered?: Notice): AdaptiveCard {
  const data = { s: story.spaceId, storyId: story.storyId, r: consent.requestId };
  return card(
    [
      ...(answered ? [noticeBlock(answered)] : []),
      { type: 'TextBlock', text: s.consentKicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true },
      { type: 'TextBlock', text: safeLine(s.consentIntro(consent.requester.userName)), wrap: true },
      { type: 'TextBlock', text: safeText(story.text), wrap: true },
      { type: 'FactSet', facts: [{ title: s.consentUse, value: safeLine(consent.use, MAX_USE_LENGTH) }] },
    ],
    [
      { type: 'Action.Execute', title: s.approve, verb: VERB.consent, data: { verb: VERB.consent, ...data, answer: 'approve' } },
      { type: 'Action.Execute', title: s.decline, verb: VERB.consent, data: { verb: VERB.consent, ...data, answer: 'decline' } },
    ],
    { fallbackText: s.consentKicker },
  );
}

/** A choice's title is shown as plain text (no Markdown): one line, no control characters, no tag opener. */
function choiceTitle(input: string, maxLength = 120): string {
  return input.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, maxLength).replace(/<(?=[A-Za-z/!?])/g, '\u2039');
}

/** "Ask to retell": the intended use and whom to ask (the teller first, then the conversation's people). */
export function askDialog(story: Story, contacts: readonly { userId: string; userName: string }[]): AdaptiveCard {
  const choices = [{ title: choiceTitle(s.askTheTeller(story.teller.userName)), value: story.teller.userId }, ...contacts.filter((c) => c.userId !== story.teller.userId).slice(0, 50).map((c) => ({ title: choiceTitle(c.userName), value: c.userId }))];
  return card(
    [
      { type: 'TextBlock', text: safeText(shortened(story.text, SHORT_LENGTH)), wrap: true, isSubtle: true },
      { type: 'Input.Text', id: 'use', label: s.askUse, isMultiline: true, maxLength: MAX_USE_LENGTH, isRequired: true, errorMessage: s.useMissing },
      { type: 'Input.ChoiceSet', id: 'contact', label: s.askContact, value: story.teller.userId, style: 'compact', choices },
    ],
    [{ type: 'Action.Submit', title: s.askSend, data: { verb: VERB.ask, storyId: story.storyId } }],
  );
}

/** "Retell in…": the conversations of this tenant where the person and the bot both are. */
export function retellDialog(story: Story, targets: readonly { conversationId: string; label: string }[]): AdaptiveCard {
  return card(
    [
      { type: 'TextBlock', text: safeText(shortened(story.text, SHORT_LENGTH)), wrap: true, isSubtle: true },
      { type: 'Input.ChoiceSet', id: 'target', label: s.retellWhere, style: 'expanded', isRequired: true, errorMessage: s.retellWhereRequired, choices: targets.map((t) => ({ title: choiceTitle(t.label), value: t.conversationId })) },
    ],
    [{ type: 'Action.Submit', title: s.retellPost, data: { verb: VERB.retell, storyId: story.storyId } }],
  );
}

/**
 * The story as retold elsewhere: what other teams may see of it (the network copy), with its
 * link to the original ("See the original": the original as it is now, by its space and id),
 * and to the message it was saved from when there is one.
 */
export function retoldCard(story: Story, by: string): AdaptiveCard {
  const original: CardAction = { type: 'Action.Execute', title: s.seeOriginal, verb: VERB.original, data: { verb: VERB.original, s: story.spaceId, storyId: story.storyId } };
  return card(
    [
      { type: 'TextBlock', text: safeLine(s.retoldKicker(by), 120), size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true },
      ...header(story).slice(1),
      ...storyText(story, Math.min(story.text.length, MAX_STORY_LENGTH)),
      // Who may see the original says nothing true about this copy, posted where it was retold.
      facts(story, false, false),
      { type: 'TextBlock', text: s.retoldFromNote, size: 'Small', isSubtle: true, wrap: true },
    ],
    story.sourceLink ? [original, { type: 'Action.OpenUrl', title: s.openMessage, url: story.sourceLink }] : [original],
    { fallbackText: `${s.cardKicker}: ${safeLine(story.text, 200)}` },
  );
}

/** "See the original": the story as other teams may see it now, with its count of retellings; no buttons. */
export function originalCard(story: Story): AdaptiveCard {
  return card([
    { type: 'TextBlock', text: s.originalTitle, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true },
    ...header(story).slice(1),
    ...storyText(story, Math.min(story.text.length, MAX_STORY_LENGTH)),
    facts(story),
    ...retellLines(story, false),
  ]);
}

/** A library entry: the library card is one message everyone in the conversation sees, so an anonymous story shows its stand-in. */
function libraryItem(story: Story, first: boolean, here: string | undefined): CardElement {
  const teller = story.anonymous ? s.anonymousTeller : safeLine(story.teller.userName);
  const customer = story.anonymous ? story.anonymous.standIn : story.customer;
  const elsewhere = here !== undefined && story.spaceId !== here ? s.fromAnotherTeam : undefined;
  const meta = [teller, customer ? safeLine(customer) : undefined, s.endorsements(story.endorsers.length) || undefined, elsewhere]
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
    page.stories.slice(0, shown).forEach((st, i) => body.push(libraryItem(st, i === 0, page.spaceId)));
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
