import { card, type AdaptiveCard, type CardAction, type CardElement } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import type { BucketView } from './service';
import { KINDS } from './expertise';
import { MAX_ANSWER_LENGTH, MAX_QUESTION_LENGTH, questionVisibilityOf, type QuestionVisibility, type Answer, type ContributionKind, type Expert, type Person, type Question } from './model';
import type { Introduction } from './introductions';
import { connectStrings as s, durationText } from './strings';
import { personParts } from '../../people/model';

/**
 * Connect's cards, each a typed function of its data. People's words go through safeText /
 * safeLine; the only markup is the `<at>` mentions the bot builds itself, each with its
 * mention entity so Teams notifies the person.
 */
export const VERB = {
  claim: 'connect.claim',
  decline: 'connect.decline',
  answer: 'connect.answer',
  accept: 'connect.accept',
  saveStory: 'connect.saveStory',
  introduce: 'connect.introduce',
  introReply: 'connect.introReply',
  propose: 'connect.propose',
  visibility: 'connect.visibility',
} as const;

const SHORT = 200;

function shortened(text: string, length = SHORT): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  const space = cut.lastIndexOf(' ');
  return `${(space > length * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export interface Mention {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

/** `<at>Name</at>` and the entity Teams needs to turn it into a notification. */
export function mentionOf(p: Person): Mention {
  return { type: 'mention', text: `<at>${safeLine(p.userName, 80)}</at>`, mentioned: { id: personParts(p.userId).objectId, name: p.userName } };
}

const themeLine = (themes: readonly string[]): string => (themes.length ? themes.map((t) => `#${t}`).join('  ') : s.noTheme);

function statusOf(q: Question): string {
  if (q.accepted) return s.statusAccepted(safeLine(q.accepted.answerer.userName));
  const parts = [q.claimedBy ? s.statusClaimed(safeLine(q.claimedBy.userName)) : s.statusOpen];
  if (q.answerIds.length) parts.push(s.statusAnswers(q.answerIds.length));
  return parts.join(', ');
}

/** The question as posted: text, themes, status, related stories, suggested people (mentioned), buttons. */
export function questionCard(q: Question, notice?: string): AdaptiveCard {
  const data = { questionId: q.questionId, v: q.version };
  const body: CardElement[] = [
    { type: 'TextBlock', text: s.questionKicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true },
    { type: 'TextBlock', text: safeText(q.text), wrap: true, size: 'Medium' },
    {
      type: 'FactSet',
      facts: [
        { title: s.askedBy, value: safeLine(q.asker.userName) },
        { title: s.bucket, value: themeLine(q.themes) },
        { title: s.status, value: statusOf(q) },
        { title: s.visibilityLabel, value: s.visibilityNames[questionVisibilityOf(q)] },
      ],
    },
  ];
  if (q.related.length) {
    body.push({ type: 'TextBlock', text: s.relatedStories, weight: 'Bolder', wrap: true, spacing: 'Medium' });
    for (const st of q.related) body.push({ type: 'TextBlock', text: `${safeText(shortened(st.text))} (${s.storyBy(safeLine(st.tellerName))})`, wrap: true, isSubtle: true, spacing: 'Small' });
  }
  const mentions = q.accepted ? [] : q.suggested.map(mentionOf);
  if (!q.accepted) {
    body.push({ type: 'TextBlock', text: mentions.length ? s.suggestedPeople(mentions.map((m) => m.text).join(', ')) : s.nobodySuggested, wrap: true, spacing: 'Medium' });
  }
  if (notice) body.push({ type: 'TextBlock', text: safeText(notice), wrap: true, color: 'Good', spacing: 'Medium' });
  const actions: CardAction[] = [];
  if (!q.accepted && !q.claimedBy) actions.push({ type: 'Action.Execute', title: s.canHelp, verb: VERB.claim, data: { verb: VERB.claim, ...data } });
  actions.push({ type: 'Action.Submit', title: s.answer, data: { msteams: { type: 'task/fetch' }, verb: VERB.answer, questionId: q.questionId } });
  if (!q.accepted && q.suggested.length) actions.push({ type: 'Action.Execute', title: s.notForMe, verb: VERB.decline, data: { verb: VERB.decline, ...data } });
  if (!q.accepted && q.suggested.length && q.themes.length) {
    actions.push({
      type: 'Action.ShowCard',
      title: s.introduceMe,
      card: card(
        [{ type: 'TextBlock', text: s.introduceWho, wrap: true }],
        q.suggested.map((p) => ({ type: 'Action.Execute' as const, title: safeLine(p.userName, 60), verb: VERB.introduce, data: { verb: VERB.introduce, personId: p.userId, themes: q.themes.join(',') } })),
      ),
    });
  }
  actions.push(shareAction(q));
  return card(body, actions, { msteams: { width: 'Full', ...(mentions.length ? { entities: mentions } : {}) }, fallbackText: `${s.questionFallback}: ${safeLine(shortened(q.text, 100))}` });
}

/** "Share…": who may see the question, set-state buttons (the asker or an organizer; others are told so). */
function shareAction(q: Question): CardAction {
  const current = questionVisibilityOf(q);
  const set = (visibility: QuestionVisibility, title: string): CardAction => ({
    type: 'Action.Execute',
    title: current === visibility ? `✓ ${title}` : title,
    verb: VERB.visibility,
    data: { verb: VERB.visibility, questionId: q.questionId, visibility },
  });
  return { type: 'Action.ShowCard', title: s.share, card: card([{ type: 'TextBlock', text: s.shareTitle, weight: 'Bolder', wrap: true }], [set('team', s.makeTeam), set('network', s.makeNetwork)]) };
}

/**
 * The reminder of an unanswered question, in its thread: the question, and "Propose for the next
 * call" until it is proposed (then which topic of which call it became).
 */
export function reminderCard(q: Question, notice?: string): AdaptiveCard {
  const body: CardElement[] = [
    { type: 'TextBlock', text: s.reminderKicker, size: 'Small', weight: 'Bolder', color: 'Attention', wrap: true },
    { type: 'TextBlock', text: safeText(shortened(q.text)), wrap: true },
    { type: 'TextBlock', text: `${s.askedBy} ${safeLine(q.asker.userName)} · ${themeLine(q.themes)}`, isSubtle: true, wrap: true, spacing: 'Small' },
  ];
  const done = q.proposed?.topicNumber !== undefined && q.proposed.callTitle !== undefined;
  if (done) body.push({ type: 'TextBlock', text: safeText(s.proposedForCall(q.proposed!.topicNumber!, q.proposed!.callTitle!)), wrap: true, spacing: 'Medium' });
  if (notice) body.push({ type: 'TextBlock', text: safeText(notice), wrap: true, color: 'Good', spacing: 'Medium' });
  const actions: CardAction[] = [];
  if (!done && !q.accepted) actions.push({ type: 'Action.Execute', title: s.proposeForCall, verb: VERB.propose, data: { verb: VERB.propose, questionId: q.questionId } });
  actions.push({ type: 'Action.Submit', title: s.answer, data: { msteams: { type: 'task/fetch' }, verb: VERB.answer, questionId: q.questionId } });
  return card(body, actions);
}

/** An answer, posted in the question's thread. Accepted: a badge and "Save as story". */
export function answerCard(q: Pick<Question, 'questionId' | 'accepted'>, a: Answer): AdaptiveCard {
  const data = { questionId: q.questionId, answerId: a.answerId };
  const accepted = q.accepted?.answerId === a.answerId;
  const body: CardElement[] = [
    { type: 'TextBlock', text: accepted ? `${s.answerKicker} · ${s.acceptedBadge}` : s.answerKicker, size: 'Small', weight: 'Bolder', color: accepted ? 'Good' : 'Accent', wrap: true },
    { type: 'TextBlock', text: safeText(a.text), wrap: true },
    { type: 'TextBlock', text: s.answerFrom(safeLine(a.author.userName)), isSubtle: true, wrap: true, spacing: 'Small' },
  ];
  const actions: CardAction[] = accepted
    ? [{ type: 'Action.Execute', title: s.saveAsStory, verb: VERB.saveStory, data: { verb: VERB.saveStory, ...data } }]
    : q.accepted
      ? []
      : [{ type: 'Action.Execute', title: s.accept, verb: VERB.accept, data: { verb: VERB.accept, ...data } }];
  return card(body, actions);
}

/** The Answer dialog. It carries its own answer id: submitting it twice posts one answer. */
export function answerDialog(q: Question, answerId: string): AdaptiveCard {
  return card(
    [
      { type: 'TextBlock', text: safeText(q.text), wrap: true, weight: 'Bolder' },
      { type: 'TextBlock', text: `${s.askedBy} ${safeLine(q.asker.userName)}`, isSubtle: true, wrap: true, spacing: 'Small' },
      { type: 'Input.Text', id: 'answer', label: s.dialogLabel, isMultiline: true, maxLength: MAX_ANSWER_LENGTH, isRequired: true, errorMessage: s.emptyAnswer },
    ],
    [{ type: 'Action.Submit', title: s.dialogSubmit, data: { verb: VERB.answer, questionId: q.questionId, answerId } }],
  );
}

/** "Ask the network" on a message: the message as the question, editable. */
export function askDialog(text: string): AdaptiveCard {
  return card(
    [
      { type: 'Input.Text', id: 'question', label: s.askDialogLabel, value: text.slice(0, MAX_QUESTION_LENGTH), isMultiline: true, maxLength: MAX_QUESTION_LENGTH, isRequired: true, errorMessage: s.emptyQuestion },
      {
        type: 'Input.ChoiceSet',
        id: 'visibility',
        label: s.askDialogVisibility,
        value: 'team',
        style: 'compact',
        choices: [
          { title: s.visibilityNames.team, value: 'team' },
          { title: s.visibilityNames.network, value: 'network' },
        ],
      },
      { type: 'TextBlock', text: s.askDialogNetworkNote, wrap: true, isSubtle: true, size: 'Small' },
    ],
    [{ type: 'Action.Submit', title: s.askDialogSubmit, data: { verb: 'connect.askNetwork' } }],
  );
}

/** `who knows`: up to 5 people, each with the reason in numbers. */
export function whoKnowsCard(themes: readonly string[], experts: readonly Expert[], now: Date): AdaptiveCard {
  const body: CardElement[] = [{ type: 'TextBlock', text: safeLine(s.whoTitle([...themes])), weight: 'Bolder', size: 'Medium', wrap: true }];
  if (!experts.length) body.push({ type: 'TextBlock', text: s.whoNobody, wrap: true });
  for (const [i, e] of experts.entries()) {
    body.push({ type: 'TextBlock', text: `${i + 1}. ${safeLine(e.person.userName)}`, weight: 'Bolder', wrap: true, spacing: 'Medium' });
    body.push({ type: 'TextBlock', text: safeText(reasonOf(e, now)), wrap: true, isSubtle: true, spacing: 'None' });
    body.push({ type: 'ActionSet', spacing: 'None', actions: [{ type: 'Action.Execute', title: s.introduceMe, verb: VERB.introduce, data: { verb: VERB.introduce, personId: e.person.userId, themes: themes.join(',') } }] });
  }
  return card(body);
}

/** "3 stories, 2 accepted answers on #champions, latest 2 weeks ago": counts per kind, the highest over the matched themes. */
export function reasonOf(e: Expert, now: Date): string {
  const counts: Partial<Record<ContributionKind, number>> = {};
  for (const k of KINDS) {
    const n = Math.max(0, ...e.evidence.map((ev) => ev.counts[k] ?? 0));
    if (n > 0) counts[k] = n;
  }
  const latest = new Date(Math.max(...e.evidence.map((ev) => ev.latest.getTime())));
  return s.reason(counts, e.evidence.map((ev) => ev.theme), latest, now);
}

export function bucketsCard(buckets: readonly BucketView[]): AdaptiveCard {
  const body: CardElement[] = [{ type: 'TextBlock', text: s.bucketsTitle, weight: 'Bolder', size: 'Medium', wrap: true }];
  if (!buckets.length) body.push({ type: 'TextBlock', text: s.bucketsNone, wrap: true });
  for (const b of buckets) {
    body.push({ type: 'TextBlock', text: `#${safeLine(b.bucket)}${b.name !== b.bucket ? ` (${safeLine(b.name)})` : ''}`, weight: 'Bolder', wrap: true, spacing: 'Medium' });
    body.push({ type: 'TextBlock', text: s.bucketLine(b.asked, b.open, b.medianFirstAnswerMs !== undefined ? durationText(b.medianFirstAnswerMs) : undefined), wrap: true, spacing: 'None' });
    const owners = [...b.owners.map((o) => safeLine(o.userName)), ...b.channels.map((c) => s.channelLabel(safeLine(c)))];
    if (owners.length) body.push({ type: 'TextBlock', text: s.bucketOwners(owners.join(', ')), wrap: true, isSubtle: true, spacing: 'None' });
  }
  body.push({ type: 'TextBlock', text: s.bucketsSetUsage, wrap: true, isSubtle: true, size: 'Small', spacing: 'Medium' });
  return card(body);
}

/** In the person's personal chat: who would like to talk, about what; the answer is theirs. */
export function introCard(intro: Pick<Introduction, 'spaceId' | 'requester' | 'themes'>): AdaptiveCard {
  const data = { s: intro.spaceId, r: intro.requester.userId };
  return card(
    [
      { type: 'TextBlock', text: s.introKicker, size: 'Small', weight: 'Bolder', color: 'Accent', wrap: true },
      { type: 'TextBlock', text: s.introAsk(safeLine(intro.requester.userName), themeLine(intro.themes)), wrap: true },
    ],
    [
      { type: 'Action.Execute', title: s.happyToTalk, verb: VERB.introReply, style: 'positive', data: { verb: VERB.introReply, ...data, answer: 'yes' } },
      { type: 'Action.Execute', title: s.notNow, verb: VERB.introReply, data: { verb: VERB.introReply, ...data, answer: 'no' } },
    ],
  );
}

/** A link that opens a Teams chat with the person. */
export const chatLink = (userId: string): string => `https://teams.microsoft.com/l/chat/0/0?users=${encodeURIComponent(personParts(userId).objectId)}`;
