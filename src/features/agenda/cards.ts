import { card, type ActionExecute, type AdaptiveCard, type CardElement, type TextBlock } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import { noticeBlock, type Notice } from '../../cards/notice';
import { cardInstant, CADENCES, DEFAULT_DURATION, MAX_DURATION, MIN_DURATION } from './schedule';
import { agendaCallStrings as cs, agendaStrings as s } from './strings';
import { DEFAULT_TOP_N, MAX_TOP_N, type AgendaView, type CallView, type NoteView, type RecapView } from './views';
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
} as const;

export type { Notice };

const MAX_TOPICS_SHOWN = 20;
const MAX_NOTES_SHOWN = 60;

/** A button a digest (or any) card can carry: pressing it returns the live agenda of the call. */
export function openAgendaAction(callId: string, title?: string): ActionExecute {
  return { type: 'Action.Execute', title: title ? safeLine(title, 60) : s.openAgenda, verb: VERBS.open, data: { verb: VERBS.open, callId } };
}

function when(call: CallView): string {
  const at = cardInstant(call.startsAt);
  return `{{DATE(${at}, SHORT)}}, {{TIME(${at})}}`;
}

function text(t: string, extra: Partial<TextBlock> = {}): TextBlock {
  return { type: 'TextBlock', text: t, wrap: true, ...extra };
}


function header(call: CallView, notice?: Notice): CardElement[] {
  const status = call.status === 'open' ? s.cardStatusOpen : call.status === 'finalised' ? s.cardStatusFinalised : s.cardStatusEnded;
  const out: CardElement[] = [];
  if (notice) out.push(noticeBlock(notice));
  out.push(
    text(safeLine(call.title, MAX_TITLE), { size: 'Large', weight: 'Bolder' }),
    // Teams formats {{DATE()}}/{{TIME()}} in TextBlocks (not in facts), in each viewer's zone.
    text(`**${s.cardWhen}:** ${when(call)}`, { spacing: 'Small' }),
    {
      type: 'FactSet',
      spacing: 'Small',
      facts: [
        { title: s.cardDuration, value: s.minutes(call.durationMin) },
        { title: s.cardRepeats, value: s.cadenceNames[call.cadence] ?? call.cadence },
      ],
    },
    text(status, { isSubtle: true, spacing: 'Small', color: call.status === 'open' ? 'Good' : 'Default' }),
  );
  return out;
}

/**
 * The live agenda: topics ranked by votes with a vote button each, or the final agenda. Buttons
 * carry intent (vote: true / false), so a retry never undoes a vote. The shared card offers
 * "Vote" everywhere; the card answered to one person (`viewerId`) offers "Remove my vote" on
 * the topics they voted for.
 */
export function agendaCard(view: AgendaView, notice?: Notice, viewerId?: string): AdaptiveCard {
  const { call } = view;
  const body = [...header(call, notice), ...callBlock(view, viewerId)];
  const ref = { callId: call.callId, rev: call.rev };
  if (call.status === 'open') {
    if (view.topics.length === 0) body.push(text(s.cardNoTopics, { spacing: 'Medium' }));
    for (const t of view.topics.slice(0, MAX_TOPICS_SHOWN)) {
      const who = [s.cardProposedBy(safeLine(t.proposedByName, 60)), t.carriedOver ? s.cardCarried : ''].filter(Boolean).join(' · ');
      body.push({
        type: 'ColumnSet',
        separator: true,
        spacing: 'Medium',
        columns: [
          {
            type: 'Column',
            width: 'stretch',
            items: [text(s.cardTopicLine(t.number, t.votes)), text(safeText(t.title, MAX_TOPIC), { spacing: 'None' }), text(who, { isSubtle: true, size: 'Small', spacing: 'None' })],
          },
          {
            type: 'Column',
            width: 'auto',
            verticalContentAlignment: 'Center',
            items: [{ type: 'ActionSet', actions: [voteButton(ref, t.number, viewerId !== undefined && (t.voters?.has(viewerId) ?? false))] }],
          },
        ],
      });
    }
    if (view.topics.length > MAX_TOPICS_SHOWN) body.push(text(s.cardMore(view.topics.length - MAX_TOPICS_SHOWN), { isSubtle: true }));
    body.push(
      { type: 'Input.Text', id: 'topic', label: s.cardProposeLabel, placeholder: s.cardProposePlaceholder, maxLength: MAX_TOPIC, spacing: 'Large', separator: true },
      { type: 'ActionSet', actions: [{ type: 'Action.Execute', title: s.cardPropose, verb: VERBS.propose, data: { verb: VERBS.propose, ...ref }, associatedInputs: 'auto' }] },
      { type: 'Input.Number', id: 'topN', label: s.cardTopNLabel, value: DEFAULT_TOP_N, min: 1, max: MAX_TOP_N, spacing: 'Medium' },
      { type: 'ActionSet', actions: [{ type: 'Action.Execute', title: s.cardFinalise, verb: VERBS.finalise, data: { verb: VERBS.finalise, ...ref }, associatedInputs: 'auto' }] },
    );
  } else {
    const final = call.final ?? [];
    if (final.length === 0) body.push(text(s.cardFinalEmpty, { spacing: 'Medium' }));
    for (const f of final) {
      body.push({
        type: 'ColumnSet',
        separator: true,
        columns: [
          { type: 'Column', width: 'stretch', items: [text(`**${f.number}.** ${safeText(f.title, MAX_TOPIC)}`), text(`${s.cardProposedBy(safeLine(f.proposedByName, 60))} · ${s.votes(f.votes)}`, { isSubtle: true, size: 'Small', spacing: 'None' })] },
          { type: 'Column', width: 'auto', items: [text(s.cardFinalMinutes(f.minutes), { weight: 'Bolder' })] },
        ],
      });
    }
  }
  return card(body, [{ type: 'Action.Execute', title: s.cardRefresh, verb: VERBS.open, data: { verb: VERBS.open, callId: call.callId } }], { msteams: { width: 'Full' } });
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
      { type: 'Input.Text', id: 'title', label: s.formTitleLabel, placeholder: s.formTitlePlaceholder, maxLength: MAX_TITLE, isRequired: true, errorMessage: s.titleMissing, ...(values.title ? { value: values.title.slice(0, MAX_TITLE) } : {}) },
      { type: 'Input.Date', id: 'date', label: s.formDateLabel, isRequired: true, errorMessage: s.badDate, ...(/^\d{4}-\d{2}-\d{2}$/.test(values.date ?? '') ? { value: values.date } : {}) },
      { type: 'Input.Time', id: 'time', label: s.formTimeLabel, isRequired: true, errorMessage: s.badTime, ...(/^\d{2}:\d{2}$/.test(values.time ?? '') ? { value: values.time } : {}) },
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
    ],
    [{ type: 'Action.Execute', title: s.formCreate, verb: VERBS.create, data: { verb: VERBS.create, timeZone }, associatedInputs: 'auto' }],
  );
}

function noteLine(n: NoteView): TextBlock {
  const mark = n.kind === 'decision' ? `**${s.decisionMark}:** ` : n.kind === 'action' ? `**${s.actionMark}:** ` : '';
  const at = cardInstant(n.at);
  return text(`${mark}${safeText(n.text, 1000)} ${s.recapNoteBy(safeLine(n.authorName, 60))}, {{DATE(${at}, SHORT)}} {{TIME(${at})}}`, { spacing: 'Small' });
}

function section(title: string, items: CardElement[]): CardElement[] {
  return items.length ? [text(title, { weight: 'Bolder', spacing: 'Medium', separator: true }), ...items] : [];
}

/** " (owner Name, due 2026-12-20)" for actions noted with an owner on the running note. */
function actionOwner(n: NoteView): string {
  return n.ownerName && n.due ? ` (${cs.actionOwnerDue(safeLine(n.ownerName, 60), n.due, n.done === true)})` : '';
}

/** The recap of an ended call: discussed topics with their notes, decisions, actions, what carries over. */
export function recapCard(recap: RecapView, intro?: string): AdaptiveCard {
  let budget = MAX_NOTES_SHOWN;
  let hidden = 0;
  const notes = (list: NoteView[]): TextBlock[] => {
    const shown = list.slice(0, Math.max(0, budget));
    budget -= shown.length;
    hidden += list.length - shown.length;
    return shown.map(noteLine);
  };
  const body: CardElement[] = [
    text(s.recapTitle(safeLine(recap.call.title, MAX_TITLE)), { size: 'Large', weight: 'Bolder' }),
    text(when(recap.call), { isSubtle: true, spacing: 'None' }),
    ...(intro ? [text(intro, { isSubtle: true })] : []),
  ];
  const discussed = recap.discussed.flatMap((t) => [text(`**${t.number}.** ${safeText(t.title, MAX_TOPIC)}`, { spacing: 'Medium' }), ...notes(t.notes)]);
  body.push(...section(s.recapDiscussed, discussed));
  body.push(...section(s.recapGeneral, notes(recap.general)));
  body.push(...section(s.recapDecisions, recap.decisions.slice(0, 20).map((n) => text(`• ${safeText(n.text, 500)}`, { spacing: 'Small' }))));
  body.push(...section(s.recapActions, recap.actions.slice(0, 20).map((n) => text(`• ${safeText(n.text, 500)}${actionOwner(n)} ${s.recapNoteBy(safeLine(n.authorName, 60))}`, { spacing: 'Small' }))));
  if (recap.discussed.every((t) => t.notes.length === 0) && recap.general.length === 0) body.push(text(s.recapNothing, { isSubtle: true }));
  if (hidden > 0) body.push(text(s.recapMoreNotes(hidden), { isSubtle: true }));
  const notReachedTitle = recap.next ? s.recapCarriedTo : s.recapNotReached;
  body.push(...section(notReachedTitle, recap.notReached.slice(0, 20).map((t) => text(`${t.number}. ${safeText(t.title, MAX_TOPIC)}`, { spacing: 'Small' }))));
  if (recap.next) {
    const at = cardInstant(recap.next.startsAt);
    body.push(text(`**${s.recapNextCall}:** {{DATE(${at}, SHORT)}}, {{TIME(${at})}}`, { spacing: 'Medium', separator: true }));
  }
  return card(body, recap.next ? [openAgendaAction(recap.next.callId)] : [], { msteams: { width: 'Full' } });
}
