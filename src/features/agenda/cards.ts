import { card, type ActionExecute, type AdaptiveCard, type CardAction, type CardElement, type TextBlock } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import { noticeBlock, type Notice } from '../../cards/notice';
import { cardHeader, sectionHeading, text, withRefresh } from '../../cards/layout';
import { fitToBudget } from '../../cards/size';
import { cardInstant, CADENCES, DEFAULT_DURATION, MAX_DURATION, MIN_DURATION } from './schedule';
import { agendaCallStrings as cs, agendaStrings as s } from './strings';
import { DEFAULT_TOP_N, MAX_TOP_N, type AgendaView, type CallView, type NoteView, type RecapView, type TopicView } from './views';
import { MAX_TITLE, MAX_TOPIC } from './service';
import { callBlock } from './callCard';
import { MAX_MEETING_URL } from './meetingLink';

/**
 * The agenda feature's cards, each a typed function of its data. Every text that came from
 * people goes through safeText/safeLine. Times use Teams' {{DATE()}} / {{TIME()}} functions, so
 * every viewer sees the call in their own time zone.
 */
export const VERBS = {
  create: 'agenda.create',
  open: 'agenda.open',
  vote: 'agenda.vote',
  propose: 'agenda.propose',
  finalise: 'agenda.finalise',
  /** The proposer's own view: change the topic's text, or delete it. */
  topicEdit: 'agenda.topicEdit',
  topicDelete: 'agenda.topicDelete',
  /** The card's refresh: a person's own view (Teams asks for it; nothing changes). */
  view: 'agenda.view',
  /** "Open the agenda" on a recap: posts the live agenda as a new message. */
  post: 'agenda.post',
  /** The next notes of a long recap (the reader's own view). */
  recapMore: 'agenda.recapMore',
  /** `call done` before the call's start, confirmed. */
  endConfirm: 'agenda.endConfirm',
  /** Who may see a recap (organizers): set-state, `visibility` names the choice. */
  recapVisibility: 'agenda.recapVisibility',
} as const;

export type { Notice };

const MAX_TOPICS_SHOWN = 50;

/** Who is looking at a personal view of the agenda (Teams' refresh, or the answer to a press). */
export interface AgendaViewer {
  userId: string;
  /** Organizers see the finalising controls. */
  organizer: boolean;
}

/** Who gets user-specific views of a shared card: the conversation's members (up to 60), else Teams' manual refresh. */
export interface Audience {
  userIds?: readonly string[];
}

/** A button a digest (or any) card can carry: pressing it returns the live agenda of the call. */
export function openAgendaAction(callId: string, title?: string): ActionExecute {
  return { type: 'Action.Execute', title: title ? safeLine(title, 60) : s.openAgenda, verb: VERBS.open, data: { verb: VERBS.open, callId } };
}

/** A button on a recap: posts the live agenda as a new message, so the recap stays. */
export function postAgendaAction(callId: string): ActionExecute {
  return { type: 'Action.Execute', title: s.openAgenda, verb: VERBS.post, data: { verb: VERBS.post, callId } };
}

/** Teams' date functions, in each reader's own zone (ISO UTC inside). */
export function when(startsAt: Date): string {
  const at = cardInstant(startsAt);
  return `{{DATE(${at}, SHORT)}}, {{TIME(${at})}}`;
}

function header(call: CallView, notice?: Notice): CardElement[] {
  const status = call.status === 'open' ? s.cardStatusOpen : call.status === 'finalised' ? s.cardStatusFinalised : s.cardStatusEnded;
  return [
    ...cardHeader(s.kicker, safeLine(call.title, MAX_TITLE), undefined, notice),
    // Teams formats {{DATE()}}/{{TIME()}} in TextBlocks (not in facts), in each viewer's zone.
    text(`${when(call.startsAt)} · ${s.minutes(call.durationMin)} · ${s.cadenceNames[call.cadence] ?? call.cadence}`, { spacing: 'Small' }),
    text(status, { isSubtle: true, spacing: 'None', color: call.status === 'open' ? 'Good' : 'Default', size: 'Small', weight: 'Bolder' }),
  ];
}

function topicRow(t: TopicView, ref: { callId: string; rev: number }, viewer: AgendaViewer | undefined, leader: number): CardElement {
  const mine = viewer !== undefined && (t.voters?.has(viewer.userId) ?? false);
  const meta = [s.votes(t.votes), s.cardProposedBy(safeLine(t.proposedByName, 60)), t.carriedOver ? s.cardCarried : ''].filter(Boolean).join(' · ');
  return {
    type: 'ColumnSet',
    separator: true,
    spacing: 'Medium',
    columns: [
      {
        type: 'Column',
        width: 'stretch',
        items: [
          text(`**${t.number}.** ${safeText(t.title, MAX_TOPIC)}${t.edited ? ` ${s.editedMark}` : ''}`),
          text(meta, { isSubtle: true, size: 'Small', spacing: 'None' }),
          ...(viewer && t.proposedBy === viewer.userId ? [ownTopicActions(ref, t)] : []),
          // Where people compare: the share of the leading topic's votes, as a bar.
          ...(t.votes > 0 ? [voteBar(t.votes, leader)] : []),
          ...(mine ? [text(s.youVoted, { color: 'Good', weight: 'Bolder', size: 'Small', spacing: 'None' })] : []),
        ],
      },
      {
        type: 'Column',
        width: 'auto',
        verticalContentAlignment: 'Center',
        items: [{ type: 'ActionSet', actions: [voteButton(ref, t.number, mine)] }],
      },
    ],
  };
}

/** A thin accent bar, as long as this topic's share of the leader's votes. */
function voteBar(votes: number, leader: number): CardElement {
  const filled = Math.max(1, Math.round((votes / Math.max(1, leader)) * 20));
  return {
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      { type: 'Column', width: filled, style: 'accent', minHeight: '6px', items: [] },
      ...(filled < 20 ? [{ type: 'Column' as const, width: 20 - filled, style: 'emphasis' as const, minHeight: '6px', items: [] }] : []),
    ],
  };
}

/**
 * The live agenda: topics ranked by votes with a vote button each, or the final agenda. Buttons
 * carry intent (vote: true / false), so a retry never undoes a vote.
 *
 * Two kinds of view: the SHARED card (no viewer: what the message holds for everyone; no
 * notice, no personal marks, no organizer controls) and a PERSONAL view (a viewer: "You voted"
 * and "Remove my vote" on their topics, the finalising controls for organizers, their notice).
 * With an audience, the card carries `refresh`, so Teams shows each listed member their
 * personal view; without a roster (over 60 members) a Refresh button asks for it by hand.
 */
export function agendaCard(view: AgendaView, notice?: Notice, viewerOrId?: AgendaViewer | string, audience?: Audience): AdaptiveCard {
  const viewer = typeof viewerOrId === 'string' ? { userId: viewerOrId, organizer: false } : viewerOrId;
  const { call } = view;
  const ref = { callId: call.callId, rev: call.rev };
  const build = (shown: number): AdaptiveCard => {
    const body = [...header(call, notice), ...callBlock(view, viewer?.userId)];
    if (call.status === 'open') {
      if (view.topics.length === 0) body.push(text(s.cardNoTopics, { spacing: 'Medium' }));
      const leader = view.topics[0]?.votes ?? 0;
      for (const t of view.topics.slice(0, shown)) body.push(topicRow(t, ref, viewer, leader));
      if (view.topics.length > shown) body.push(text(s.cardMore(view.topics.length - shown), { isSubtle: true }));
      body.push(
        { type: 'Input.Text', id: 'topic', label: s.cardProposeLabel, placeholder: s.cardProposePlaceholder, maxLength: MAX_TOPIC, spacing: 'Large', separator: true },
        { type: 'ActionSet', actions: [{ type: 'Action.Execute', title: s.cardPropose, verb: VERBS.propose, data: { verb: VERBS.propose, ...ref }, associatedInputs: 'auto' }] },
      );
      if (viewer?.organizer) {
        body.push(
          { type: 'Input.Number', id: 'topN', label: s.cardTopNLabel, value: DEFAULT_TOP_N, min: 1, max: MAX_TOP_N, spacing: 'Medium', separator: true },
          { type: 'ActionSet', actions: [{ type: 'Action.Execute', title: s.cardFinalise, verb: VERBS.finalise, data: { verb: VERBS.finalise, ...ref }, associatedInputs: 'auto' }] },
        );
      }
    } else {
      const final = call.final ?? [];
      if (final.length === 0) body.push(text(s.cardFinalEmpty, { spacing: 'Medium' }));
      final.slice(0, shown).forEach((f, i) => {
        body.push({
          type: 'ColumnSet',
          separator: true,
          columns: [
            // Numbered in running order (1., 2., 3.); the topic's own number stays in the meta line.
            { type: 'Column', width: 'stretch', items: [text(`**${i + 1}.** ${safeText(f.title, MAX_TOPIC)}`), text(`${s.topicRef(f.number)} · ${s.cardProposedBy(safeLine(f.proposedByName, 60))} · ${s.votes(f.votes)}`, { isSubtle: true, size: 'Small', spacing: 'None' })] },
            { type: 'Column', width: 'auto', items: [text(s.cardFinalMinutes(f.minutes), { weight: 'Bolder' })] },
          ],
        });
      });
      if (final.length > shown) body.push(text(s.cardMore(final.length - shown), { isSubtle: true }));
    }
    const manual = !audience?.userIds;
    const c = card(body, manual ? [{ type: 'Action.Execute', title: s.cardRefresh, verb: VERBS.view, data: { verb: VERBS.view, callId: call.callId } }] : [], { msteams: { width: 'Full' } });
    return audience ? withRefresh(c, VERBS.view, { callId: call.callId }, audience.userIds) : c;
  };
  const total = call.status === 'open' ? view.topics.length : (call.final ?? []).length;
  return fitToBudget(Math.min(total, MAX_TOPICS_SHOWN), build);
}

/** An earlier copy of the agenda, once it was posted again: a pointer, so no copy shows old counts. */
export function agendaMovedCard(call: CallView): AdaptiveCard {
  return card([...cardHeader(s.kicker, safeLine(call.title, MAX_TITLE)), text(s.agendaMoved, { isSubtle: true })], [openAgendaAction(call.callId)]);
}

/** Edit (a box with the topic's text, and Save) and Delete, on the proposer's own view only. */
function ownTopicActions(ref: { callId: string; rev: number }, t: TopicView): CardElement {
  const data = { ...ref, n: t.number };
  const box = `edit${t.number}`;
  return {
    type: 'ActionSet',
    spacing: 'Small',
    actions: [
      {
        type: 'Action.ShowCard',
        title: s.cardEditTopic,
        card: {
          type: 'AdaptiveCard',
          version: '1.5',
          body: [{ type: 'Input.Text', id: box, label: s.cardEditLabel, value: t.title.slice(0, MAX_TOPIC), maxLength: MAX_TOPIC, isRequired: true, errorMessage: s.cardEditRequired }],
          actions: [{ type: 'Action.Execute', title: s.cardSaveTopic, verb: VERBS.topicEdit, data: { verb: VERBS.topicEdit, ...data }, associatedInputs: 'auto' }],
        },
      },
      { type: 'Action.Execute', title: s.cardDeleteTopic, verb: VERBS.topicDelete, data: { verb: VERBS.topicDelete, ...data }, associatedInputs: 'none' },
    ],
  };
}

function voteButton(ref: { callId: string; rev: number }, topic: number, mine: boolean): ActionExecute {
  return { type: 'Action.Execute', title: mine ? s.cardUnvote : s.cardVote, verb: VERBS.vote, data: { verb: VERBS.vote, ...ref, topic, vote: !mine } };
}

/** The `call new` form. */
export function callFormCard(timeZone: string, notice?: Notice, values: { title?: string; date?: string; time?: string; duration?: number; cadence?: string; link?: string } = {}): AdaptiveCard {
  const cadence = CADENCES.find((c) => c === values.cadence) ?? 'once';
  return card(
    [
      ...(notice ? [noticeBlock(notice)] : []),
      text(s.formTitle, { size: 'Large', weight: 'Bolder' }),
      text(`${s.formIntro} ${safeLine(timeZone, 60)}`, { isSubtle: true }),
      { type: 'Input.Text', id: 'title', label: s.formTitleLabel, placeholder: s.formTitlePlaceholder, maxLength: MAX_TITLE, isRequired: true, errorMessage: s.formTitleMissing, ...(values.title ? { value: values.title.slice(0, MAX_TITLE) } : {}) },
      { type: 'Input.Date', id: 'date', label: s.formDateLabel, isRequired: true, errorMessage: s.formDateMissing, ...(/^\d{4}-\d{2}-\d{2}$/.test(values.date ?? '') ? { value: values.date } : {}) },
      { type: 'Input.Time', id: 'time', label: s.formTimeLabel, isRequired: true, errorMessage: s.formTimeMissing, ...(/^\d{2}:\d{2}$/.test(values.time ?? '') ? { value: values.time } : {}) },
      { type: 'Input.Number', id: 'duration', label: s.formDurationLabel, value: values.duration ?? DEFAULT_DURATION, min: MIN_DURATION, max: MAX_DURATION },
      {
        type: 'Input.ChoiceSet',
        id: 'cadence',
        label: s.formCadenceLabel,
        style: 'compact',
        value: cadence,
        choices: CADENCES.map((c) => ({ title: s.cadenceNames[c] ?? c, value: c })),
      },
      { type: 'Input.Text', id: 'link', label: cs.formLinkLabel, placeholder: cs.formLinkPlaceholder, maxLength: MAX_MEETING_URL, ...(values.link ? { value: values.link.slice(0, MAX_MEETING_URL) } : {}) },
      { type: 'Input.Toggle', id: 'offRecord', title: s.formOffRecord, value: 'false', valueOn: 'true', valueOff: 'false' },
    ],
    [{ type: 'Action.Execute', title: s.formCreate, verb: VERBS.create, data: { verb: VERBS.create, timeZone }, associatedInputs: 'auto' }],
  );
}

/** " by Name": nothing for a note kept without names (a call off the record). */
const byAuthor = (n: NoteView): string => (n.authorName ? ` ${s.recapNoteBy(safeLine(n.authorName, 60))}` : '');

function noteLine(n: NoteView): TextBlock {
  return text(`${safeText(n.text, 1000)}${n.edited ? ` ${s.editedMark}` : ''}${byAuthor(n)}, ${when(n.at)}`, { spacing: 'Small' });
}

/** " (owner Name, due 2026-12-20)" for actions noted with an owner on the running note. */
function actionOwner(n: NoteView): string {
  return n.ownerName && n.due ? ` (${cs.actionOwnerDue(safeLine(n.ownerName, 60), n.due, n.done === true)})` : '';
}

function markedLine(n: NoteView, withAuthor: boolean): TextBlock {
  const topic = n.topic > 0 ? ` ${s.topicRef(n.topic)}` : '';
  return text(`• ${safeText(n.text, 1000)}${n.edited ? ` ${s.editedMark}` : ''}${n.kind === 'action' ? actionOwner(n) : ''}${withAuthor ? byAuthor(n) : ''}${topic ? ` (${topic.trim()})` : ''}`, { spacing: 'Small' });
}

function section(title: string, items: CardElement[]): CardElement[] {
  return items.length ? [sectionHeading(title), ...items] : [];
}

/**
 * The recap of an ended call: decisions and actions (each listed once, with its topic), then the
 * discussed topics with their other notes, general notes, and what carries over. Notes are
 * shown in that order from `from` on, as many as fit Teams' size limit; the rest are one press
 * away ("Show the next notes", the reader's own view).
 */
export function recapCard(recap: RecapView, intro?: string, from = 0): AdaptiveCard {
  const plain = (list: NoteView[]) => list.filter((n) => n.kind === 'note');
  // Every note in reading order, each once: decisions, actions, then notes by topic, then general.
  const ordered: { section: string; topic?: { number: number; title: string }; note: NoteView }[] = [
    ...recap.decisions.map((note) => ({ section: s.recapDecisions, note })),
    ...recap.actions.map((note) => ({ section: s.recapActions, note })),
    ...recap.discussed.flatMap((t) => plain(t.notes).map((note) => ({ section: s.recapDiscussed, topic: t, note }))),
    ...plain(recap.general).map((note) => ({ section: s.recapGeneral, note })),
  ];
  const rest = ordered.slice(Math.max(0, from));
  // Each line is escaped once, however often the size search rebuilds the card.
  const lines = new Map<number, TextBlock>();
  const lineOf = (i: number): TextBlock => {
    let l = lines.get(i);
    if (!l) {
      const n = rest[i]!.note;
      l = n.kind === 'note' ? noteLine(n) : markedLine(n, n.kind === 'action');
      lines.set(i, l);
    }
    return l;
  };
  const build = (shown: number): AdaptiveCard => {
    const body: CardElement[] = [...cardHeader(s.recapKicker, s.recapTitle(safeLine(recap.call.title, MAX_TITLE)), when(recap.call.startsAt))];
    if (intro) body.push(text(intro, { isSubtle: true }));
    if (recap.call.offRecord) body.push(text(s.recapOffRecord, { isSubtle: true, weight: 'Bolder' }));
    if (recap.call.network) body.push(text(s.recapSharedLine, { isSubtle: true }));
    if (from > 0) body.push(text(s.recapContinued(from), { isSubtle: true, size: 'Small' }));
    let currentSection = '';
    let currentTopic = -1;
    for (const [i, item] of rest.slice(0, shown).entries()) {
      if (item.section !== currentSection) {
        body.push(sectionHeading(item.section));
        currentSection = item.section;
        currentTopic = -1;
      }
      if (item.topic && item.topic.number !== currentTopic) {
        body.push(text(`**${item.topic.number}.** ${safeText(item.topic.title, MAX_TOPIC)}`, { spacing: 'Medium' }));
        currentTopic = item.topic.number;
      }
      body.push(lineOf(i));
    }
    // Discussed topics without notes of their own still show they were discussed.
    if (from === 0 && shown === rest.length) {
      const silent = recap.discussed.filter((t) => plain(t.notes).length === 0);
      if (silent.length) body.push(...section(s.recapDiscussed, silent.slice(0, 20).map((t) => text(`**${t.number}.** ${safeText(t.title, MAX_TOPIC)}`, { spacing: 'Small' }))));
    }
    if (ordered.length === 0) body.push(text(s.recapNothing, { isSubtle: true }));
    const actions: CardAction[] = [];
    const hidden = rest.length - shown;
    if (hidden > 0) {
      body.push(text(s.recapMoreNotes(hidden), { isSubtle: true, spacing: 'Medium' }));
      actions.push({ type: 'Action.Execute', title: s.recapShowMore, verb: VERBS.recapMore, data: { verb: VERBS.recapMore, callId: recap.call.callId, from: from + shown } });
    }
    const notReachedTitle = recap.next ? s.recapCarriedTo : s.recapNotReached;
    body.push(...section(notReachedTitle, recap.notReached.slice(0, 20).map((t) => text(`**${t.number}.** ${safeText(t.title, MAX_TOPIC)}`, { spacing: 'Small' }))));
    if (recap.notReached.length > 20) body.push(text(s.cardMore(recap.notReached.length - 20), { isSubtle: true }));
    if (recap.next) {
      body.push(text(`**${s.recapNextCall}:** ${when(recap.next.startsAt)}`, { spacing: 'Medium', separator: true }));
      actions.push(postAgendaAction(recap.next.callId));
    }
    if (!recap.call.offRecord) actions.push(recapShareAction(recap.call));
    return card(body, actions, { msteams: { width: 'Full' } });
  };
  return fitToBudget(rest.length, build);
}

/** "Share…" on a recap: set-state buttons (organizers; others are told so). An off-the-record call has none. */
function recapShareAction(call: CallView): CardAction {
  const set = (visibility: 'team' | 'network', title: string): ActionExecute => ({
    type: 'Action.Execute',
    title: Boolean(call.network) === (visibility === 'network') ? `✓ ${title}` : title,
    verb: VERBS.recapVisibility,
    data: { verb: VERBS.recapVisibility, callId: call.callId, visibility },
  });
  return { type: 'Action.ShowCard', title: s.recapShare, card: card([text(s.recapShareTitle, { weight: 'Bolder' })], [set('team', s.recapTeamOnly), set('network', s.recapNetwork)]) };
}

/** `call done` before the call's start: nothing ends until an organizer confirms. */
export function endEarlyCard(call: CallView): AdaptiveCard {
  return card(
    [
      ...cardHeader(s.kicker, safeLine(call.title, MAX_TITLE)),
      text(s.endEarlyQuestion(when(call.startsAt)), { spacing: 'Small' }),
      text(s.endEarlyExplain, { isSubtle: true, size: 'Small' }),
    ],
    [{ type: 'Action.Execute', title: s.endEarlyConfirm, style: 'destructive', verb: VERBS.endConfirm, data: { verb: VERBS.endConfirm, callId: call.callId } }],
  );
}

/** After an early end was confirmed (or the call was already closed): what happened, for everyone. */
export function endedCard(call: CallView, line: string): AdaptiveCard {
  return card([...cardHeader(s.kicker, safeLine(call.title, MAX_TITLE)), text(line, { isSubtle: true })]);
}

/**
 * A proposed topic that means the same as one on the agenda: offered to merge (vote for the
 * existing one), or to add it anyway. The proposed text rides in the button's data (it is at
 * most MAX_TOPIC characters), so "add anyway" needs nothing stored.
 */
export function nearDuplicateCard(call: CallView, existing: { number: number; title: string; votes: number }, proposed: string): AdaptiveCard {
  const ref = { callId: call.callId, rev: call.rev };
  return card(
    [
      ...cardHeader(s.kicker, safeLine(call.title, MAX_TITLE)),
      text(s.nearDuplicate(existing.number), { spacing: 'Small', weight: 'Bolder' }),
      text(`**${existing.number}.** ${safeText(existing.title, MAX_TOPIC)}`, { spacing: 'Small' }),
      text(s.votes(existing.votes), { isSubtle: true, size: 'Small', spacing: 'None' }),
      text(s.nearDuplicateYours(safeText(proposed, MAX_TOPIC)), { isSubtle: true, spacing: 'Medium' }),
    ],
    [
      { type: 'Action.Execute', title: s.voteForExisting(existing.number), style: 'positive', verb: VERBS.vote, data: { verb: VERBS.vote, ...ref, topic: existing.number, vote: true } },
      { type: 'Action.Execute', title: s.addAnyway, verb: VERBS.propose, data: { verb: VERBS.propose, ...ref, topic: proposed.slice(0, MAX_TOPIC), anyway: true }, associatedInputs: 'none' },
    ],
  );
}
