import { card, type ActionExecute, type AdaptiveCard, type CardElement, type TextBlock } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import { noticeBlock, type Notice } from '../../cards/notice';
import type { CallInfo, StoredNote } from './port';
import { MAX_NOTE, type RunningNoteView } from './notes';
import { callStrings as s } from './strings';

/**
 * The call's cards, each a typed function of its data: the running note (one per occurrence,
 * shared, updated in place), a person's own notes for editing, the 15-minute reminder, and an
 * action's due-date reminder. People's words go through safeText/safeLine.
 */
export const CALL_VERBS = {
  note: 'call.note',
  open: 'call.open',
  start: 'call.start',
  mine: 'call.mine',
  edit: 'call.noteEdit',
  remove: 'call.noteDelete',
  question: 'call.question',
  actionDone: 'call.actionDone',
  actionLater: 'call.actionLater',
  here: 'call.here',
  upvote: 'call.upvote',
  answered: 'call.answered',
} as const;

/**
 * Teams refuses cards over ~28 KB. The running note keeps under this many bytes of JSON: the
 * newest notes are shown, older ones fold into "and N earlier notes" (the recap has them all).
 */
export const NOTE_CARD_BUDGET = 26_000;
/** Owners offered in the picker (the first by name); a larger roster would crowd out the notes. */
export const MAX_OWNER_CHOICES = 60;
const SHOWN_NOTE_CHARS = 500;

const text = (t: string, extra: Partial<TextBlock> = {}): TextBlock => ({ type: 'TextBlock', text: t, wrap: true, ...extra });
const instant = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const when = (ms: number): string => `{{DATE(${instant(ms)}, SHORT)}}, {{TIME(${instant(ms)})}}`;

function mark(kind: string): string {
  if (kind === 'decision') return `**${s.decisionMark}:** `;
  if (kind === 'action') return `**${s.actionMark}:** `;
  if (kind === 'question') return `**${s.questionMark}:** `;
  return '';
}

export function noteLine(n: StoredNote): TextBlock {
  const action = n.kind === 'action' && n.ownerName && n.due ? ` (${s.ownerDue(safeLine(n.ownerName, 60), n.due)}${n.done ? `, ${s.actionDone}` : ''})` : '';
  const edited = typeof n.editedAt === 'number' ? ` ${s.edited}` : '';
  return text(`${mark(n.kind)}${safeText(n.text, SHOWN_NOTE_CHARS)}${edited}${action}${n.authorName ? ` ${s.noteBy(safeLine(n.authorName, 60))}` : ''}`, { spacing: 'Small' });
}

/**
 * Per view: how many of the newest notes fit each byte budget, and the cards built. The views are
 * shared among the people who pressed at once (notes.ts), and their answers differ only by the
 * notice ("Note added under ..."), so a burst of notes builds each card once, not once per press
 * (sizing alone builds it up to ~9 times). Cards are values: nothing changes one once built.
 */
const fits = new WeakMap<RunningNoteView, { sorted: StoredNote[]; shown: Map<number, number>; cards: Map<string, AdaptiveCard> }>();

/** The shared running note: notes grouped by topic (agenda order, then General), and the form. */
export function runningNoteCard(view: RunningNoteView, notice?: Notice): AdaptiveCard {
  let fit = fits.get(view);
  if (!fit) {
    fit = { sorted: [...view.notes].sort((a, b) => a.at - b.at || a.noteKey.localeCompare(b.noteKey)), shown: new Map(), cards: new Map() };
    fits.set(view, fit);
  }
  const cardKey = notice ? `${notice.tone}|${notice.text}` : '';
  const built = fit.cards.get(cardKey);
  if (built) return built;
  const notes = fit.sorted;
  const build = (shown: number, n?: Notice): AdaptiveCard => buildNoteCard(view, notes.slice(notes.length - shown), notes.length - shown, n);
  // A notice is the body's first element: it adds exactly its own JSON and a comma.
  const budget = NOTE_CARD_BUDGET - (notice ? Buffer.byteLength(JSON.stringify(noticeBlock(notice))) + 1 : 0);
  let shown = fit.shown.get(budget);
  if (shown === undefined) {
    // Find how many of the newest notes fit: binary search on the card's size.
    let lo = 0;
    let hi = notes.length;
    if (size(build(hi)) <= budget) lo = hi;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (size(build(mid)) <= budget) lo = mid;
      else hi = mid - 1;
    }
    shown = lo;
    fit.shown.set(budget, shown);
  }
  const out = build(shown, notice);
  if (fit.cards.size < 20) fit.cards.set(cardKey, out);
  return out;
}

export function size(c: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(c));
}

function buildNoteCard(view: RunningNoteView, shown: StoredNote[], hidden: number, notice?: Notice): AdaptiveCard {
  const { call } = view;
  const body: CardElement[] = [];
  if (notice) body.push(noticeBlock(notice));
  body.push(text(s.noteCardTitle(safeLine(call.title, 120)), { size: 'Large', weight: 'Bolder' }), text(when(call.startsAt), { isSubtle: true, spacing: 'None' }));
  if (call.status !== 'ended') body.push(text(s.noteCardIntro, { isSubtle: true, size: 'Small' }));
  if (call.offRecord) body.push(text(s.offRecordBanner, { weight: 'Bolder', size: 'Small' }));
  body.push(text(s.hereCount(view.here), { spacing: 'Small' }));
  if (hidden > 0) body.push(text(s.olderNotes(hidden), { isSubtle: true }));
  body.push(...questionSection(view));
  const order = topicOrder(view);
  const titles = new Map(view.topics.map((t) => [t.number, t.title]));
  for (const number of order) {
    // Questions have their own section (the queue), not a topic group.
    const group = shown.filter((n) => n.kind !== 'question' && (titles.has(n.topic) ? n.topic : 0) === number);
    if (group.length === 0) continue;
    const heading = number === 0 ? s.generalTopic : `${number}. ${safeLine(titles.get(number) ?? '', 120)}`;
    body.push(text(heading, { weight: 'Bolder', spacing: 'Medium', separator: true }), ...group.map(noteLine));
  }
  if (view.notes.length === 0) body.push(text(s.noNotesYet, { isSubtle: true, spacing: 'Medium' }));
  const ref = { callId: call.callId };
  const actions: ActionExecute[] = [{ type: 'Action.Execute', title: s.refresh, verb: CALL_VERBS.open, data: { verb: CALL_VERBS.open, ...ref } }];
  if (call.status !== 'ended') {
    const owners = [...view.roster].sort((a, b) => a.name.localeCompare(b.name)).slice(0, MAX_OWNER_CHOICES);
    body.push(
      {
        type: 'Input.ChoiceSet',
        id: 'topic',
        label: s.topicLabel,
        style: 'compact',
        value: '0',
        separator: true,
        spacing: 'Large',
        choices: [{ title: s.generalTopic, value: '0' }, ...order.filter((n) => n !== 0).map((n) => ({ title: `${n}. ${safeLine(titles.get(n) ?? '', 80)}`, value: String(n) }))],
      },
      { type: 'Input.Text', id: 'text', label: s.textLabel, placeholder: s.textPlaceholder, isMultiline: true, maxLength: MAX_NOTE },
      {
        type: 'Input.ChoiceSet',
        id: 'kind',
        label: s.kindLabel,
        style: 'expanded',
        value: 'note',
        // A question joins the call's live queue (as `@Coach ask` does during the call).
        choices: (['note', 'decision', 'action', 'question'] as const).map((k) => ({ title: s.kindNames[k] ?? k, value: k })),
      },
      {
        type: 'ColumnSet',
        columns: [
          // No roster (the lookup failed): no picker; an action then gets a plain refusal.
          ...(owners.length
            ? [{ type: 'Column' as const, width: 'stretch', items: [{ type: 'Input.ChoiceSet' as const, id: 'owner', label: s.ownerLabel, style: 'filtered' as const, placeholder: s.ownerPlaceholder, choices: owners.map((m) => ({ title: safeLine(m.name, 60), value: m.userId })) }] }]
            : []),
          { type: 'Column', width: 'stretch', items: [{ type: 'Input.Date', id: 'due', label: s.dueLabel }] },
        ],
      },
      { type: 'ActionSet', actions: [{ type: 'Action.Execute', title: s.addNote, verb: CALL_VERBS.note, style: 'positive', data: { verb: CALL_VERBS.note, ...ref }, associatedInputs: 'auto' }] },
    );
    actions.unshift(
      { type: 'Action.Execute', title: s.here, verb: CALL_VERBS.here, data: { verb: CALL_VERBS.here, ...ref } },
      { type: 'Action.Execute', title: s.myNotes, verb: CALL_VERBS.mine, data: { verb: CALL_VERBS.mine, ...ref } },
    );
  }
  return card(body, actions, { msteams: { width: 'Full' } });
}

const QUESTIONS_SHOWN = 10;

/** The queue: open questions by votes with +1 and Answered (host), then how many were answered. */
function questionSection(view: RunningNoteView): CardElement[] {
  const open = view.questions.filter((q) => !q.answered);
  const answered = view.questions.length - open.length;
  if (view.questions.length === 0) return [];
  const out: CardElement[] = [text(s.questionsTitle, { weight: 'Bolder', spacing: 'Medium', separator: true })];
  for (const q of open.slice(0, QUESTIONS_SHOWN)) {
    const data = { callId: view.call.callId, noteKey: q.noteKey };
    out.push({
      type: 'ColumnSet',
      spacing: 'Small',
      columns: [
        { type: 'Column', width: 'stretch', items: [text(s.questionLine(safeText(q.text, 300), safeLine(q.askedBy, 60), q.votes), { spacing: 'None' })] },
        {
          type: 'Column',
          width: 'auto',
          items: [
            {
              type: 'ActionSet',
              actions: [
                { type: 'Action.Execute', title: q.mine ? s.removeUpvote : s.upvote, verb: CALL_VERBS.upvote, data: { verb: CALL_VERBS.upvote, ...data, up: !q.mine } },
                { type: 'Action.Execute', title: s.markAnswered, verb: CALL_VERBS.answered, data: { verb: CALL_VERBS.answered, ...data } },
              ],
            },
          ],
        },
      ],
    });
  }
  if (open.length > QUESTIONS_SHOWN) out.push(text(s.moreQuestions(open.length - QUESTIONS_SHOWN), { isSubtle: true }));
  if (answered > 0) out.push(text(`${s.answeredMark}: ${answered}`, { isSubtle: true, size: 'Small' }));
  return out;
}

/** The final agenda's topics first (in its order), then the other topics, then General (0). */
function topicOrder(view: RunningNoteView): number[] {
  const final = view.call.finalTopics ?? [];
  const rest = view.topics.map((t) => t.number).filter((n) => !final.includes(n));
  return [...final.filter((n) => view.topics.some((t) => t.number === n)), ...rest, 0];
}

/** A person's own notes, each with a box to change it and Save / Delete (answered to them only). */
export function myNotesCard(call: CallInfo, notes: StoredNote[], notice?: Notice): AdaptiveCard {
  const body: CardElement[] = [];
  if (notice) body.push(noticeBlock(notice));
  body.push(text(s.myNotesTitle, { size: 'Large', weight: 'Bolder' }), text(safeLine(call.title, 120), { isSubtle: true, spacing: 'None' }));
  if (notes.length === 0) body.push(text(s.myNotesNone));
  else body.push(text(s.myNotesIntro, { isSubtle: true, size: 'Small' }));
  // Newest 30: a person rarely has more in one call, and the card must stay small.
  notes.slice(-30).forEach((n, i) => {
    const input = `edit${i}`;
    const data = { callId: call.callId, noteKey: n.noteKey };
    body.push(
      { type: 'Input.Text', id: input, isMultiline: true, maxLength: MAX_NOTE, value: n.text, separator: true, spacing: 'Medium', label: `${mark(n.kind).replace(/\*/g, '') || ''}${safeLine(n.authorName, 60)}` },
      {
        type: 'ActionSet',
        actions: [
          { type: 'Action.Execute', title: s.save, verb: CALL_VERBS.edit, data: { verb: CALL_VERBS.edit, ...data, input }, associatedInputs: 'auto' },
          { type: 'Action.Execute', title: s.delete, verb: CALL_VERBS.remove, style: 'destructive', data: { verb: CALL_VERBS.remove, ...data }, associatedInputs: 'none' },
        ],
      },
    );
  });
  return card(body, [{ type: 'Action.Execute', title: s.refresh, verb: CALL_VERBS.open, data: { verb: CALL_VERBS.open, callId: call.callId } }]);
}

/** 15 minutes before: Join, and a box for a last-minute question (it lands on the running note). */
export function reminderCard(call: CallInfo, notice?: Notice): AdaptiveCard {
  const body: CardElement[] = [];
  if (notice) body.push(noticeBlock(notice));
  body.push(
    text(s.reminderTitle(safeLine(call.title, 120)), { size: 'Medium', weight: 'Bolder' }),
    text(when(call.startsAt), { isSubtle: true, spacing: 'None' }),
    { type: 'Input.Text', id: 'text', label: s.lastMinuteLabel, placeholder: s.lastMinutePlaceholder, maxLength: MAX_NOTE, isMultiline: true },
    { type: 'ActionSet', actions: [{ type: 'Action.Execute', title: s.lastMinuteSend, verb: CALL_VERBS.question, data: { verb: CALL_VERBS.question, callId: call.callId }, associatedInputs: 'auto' }] },
  );
  return card(body, call.meetingUrl ? [{ type: 'Action.OpenUrl', title: s.reminderJoin, url: call.meetingUrl, style: 'positive' }] : []);
}

/** On the due date: the owner, mentioned, with Done and Needs more time (a new date). */
export function actionDueCard(call: CallInfo, note: StoredNote, notice?: Notice): AdaptiveCard {
  const mention = `<at>${safeLine(note.ownerName ?? '', 60)}</at>`;
  const data = { callId: call.callId, noteKey: note.noteKey };
  const body: CardElement[] = [];
  if (notice) body.push(noticeBlock(notice));
  body.push(text(s.actionDueTitle, { weight: 'Bolder' }), text(s.actionDueLine(mention, safeText(note.text, SHOWN_NOTE_CHARS))), text(`${safeLine(call.title, 120)} · ${when(call.startsAt)}`, { isSubtle: true, size: 'Small' }));
  if (!note.done) {
    body.push(
      { type: 'ActionSet', actions: [{ type: 'Action.Execute', title: s.actionMarkDone, verb: CALL_VERBS.actionDone, style: 'positive', data: { verb: CALL_VERBS.actionDone, ...data }, associatedInputs: 'none' }] },
      { type: 'Input.Date', id: 'due', label: s.actionNewDueLabel },
      { type: 'ActionSet', actions: [{ type: 'Action.Execute', title: s.actionNeedsMoreTime, verb: CALL_VERBS.actionLater, data: { verb: CALL_VERBS.actionLater, ...data }, associatedInputs: 'auto' }] },
    );
  } else body.push(text(s.actionMarkedDone, { color: 'Good' }));
  return card(body, [], {
    msteams: { entities: note.ownerTeamsId ? [{ type: 'mention', text: mention, mentioned: { id: note.ownerTeamsId, name: note.ownerName ?? '' } }] : [] },
  });
}
