import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../../errors';
import { RunClaims, JOB_RUNS_TABLE } from '../../jobs/claims';
import { errorFields } from '../../log';
import type { Conversation, Person } from '../../people/model';
import type { Turn } from '../../teams/door';
import { callAgendaOf } from '../agenda/callPort';
import { CardUpdateCoalescer } from '../agenda/coalescer';
import { TableUpdateSlots, UPDATE_SLOTS_TABLE } from '../../jobs/updateSlots';
import { UPDATE_INTERVAL_MS } from '../agenda/live';
import { agendaInternals } from '../agenda/routes';
import type { Feature, FeatureHost } from '../feature';
import { ActionsDue, ACTIONS_DUE_TABLE } from './actionsDue';
import { actionDueCard, CALL_VERBS, myNotesCard, reminderCard, runningNoteCard } from './cards';
import { actionDueJob, reminderJob, startJob } from './jobs';
import { NOTE_CARDS_TABLE, RunningNoteCards } from './live';
import { RunningNotes } from './notes';
import { cachedRoster } from './roster';
import { Attendance, ATTENDANCE_TABLE, ATTENDEES_TABLE } from './attendance';
import { MeetingEvents, MEETINGS_TABLE } from './meetings';
import { LiveQuestions, QUESTION_VOTES_TABLE, type NetworkQuestions } from './questions';
import { callStrings as s } from './strings';

/**
 * The call itself: the running note (one card per occurrence, notes from everyone through its
 * buttons, typed `note`s land on it too), editing one's own notes, the 15-minute reminder and
 * its last-minute question, and actions with owners reminded on their due date. Reads the
 * agenda through the CallAgenda port (port.ts); registers after the agenda feature.
 */
interface CallInternals {
  notes: RunningNotes;
  cards: RunningNoteCards;
  actionsDue: ActionsDue;
  /** Turnout and first-time attendees of a call, as plain values (for the digest and stats). */
  attendance: Attendance;
}
const internals = new WeakMap<FeatureHost, CallInternals>();
export function callInternals(host: FeatureHost): CallInternals | undefined {
  return internals.get(host);
}

/**
 * The port connect's `ask` consults (one `ask` command in the product): while the
 * conversation's call is in progress (not ended, its running note posted), the question joins
 * that call's live queue and `text` is what to tell the person; otherwise undefined and the
 * question goes to the network. `claim` runs once the question is known to go to the call,
 * before anything is written: false (an earlier delivery of the same activity took it) writes
 * nothing and answers `redelivered`.
 */
export type LiveAsk = { text: string } | { redelivered: true };
export interface CallQuestions {
  askIfLive(turn: Turn, text: string, claim?: () => Promise<boolean>): Promise<LiveAsk | undefined>;
}
const liveQuestions = new WeakMap<FeatureHost, CallQuestions>();
export function callQuestionsOf(host: FeatureHost): CallQuestions | undefined {
  return liveQuestions.get(host);
}

/** Connect offers the network's side of the hand-off: a question left open at a call's end is asked there. */
const networks = new WeakMap<FeatureHost, NetworkQuestions>();
export function offerNetworkQuestions(host: FeatureHost, network: NetworkQuestions): void {
  networks.set(host, network);
}

const whereOf = (t: Turn): Conversation => ({ tenantId: t.tenantId, conversationId: t.conversationId, spaceId: t.spaceId });
const whoOf = (t: Turn): Person => ({ userId: t.userId, userName: t.userName });

const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/);
const noteKey = z.string().regex(/^\d{13}\|[A-Za-z0-9-]{1,64}$/);
const callRef = z.object({ callId: id });
const schemas = {
  note: z.object({
    callId: id,
    topic: z.union([z.literal(''), z.coerce.number().int().min(0).max(10_000)]).optional(),
    text: z.string().max(20_000).optional(),
    kind: z.enum(['note', 'decision', 'action', 'question']).default('note'),
    owner: z.string().max(200).optional(),
    due: z.string().max(40).optional(),
  }),
  edit: z.object({ callId: id, noteKey, input: z.string().regex(/^edit\d{1,3}$/) }).catchall(z.unknown()),
  remove: z.object({ callId: id, noteKey }),
  question: z.object({ callId: id, text: z.string().max(20_000).optional() }),
  action: z.object({ callId: id, noteKey }),
  later: z.object({ callId: id, noteKey, due: z.string().max(40).optional() }),
  upvote: z.object({ callId: id, noteKey, up: z.boolean() }),
};

export const callFeature: Feature = {
  name: 'call',
  tables: [NOTE_CARDS_TABLE, UPDATE_SLOTS_TABLE, ACTIONS_DUE_TABLE, ATTENDANCE_TABLE, ATTENDEES_TABLE, MEETINGS_TABLE, QUESTION_VOTES_TABLE],
  create(host) {
    const { door } = host;
    const agendaParts = agendaInternals(host);
    if (!agendaParts) throw new Error('the call feature needs the agenda feature, registered before it');
    const agenda = callAgendaOf(agendaParts.service);
    const actionsDue = new ActionsDue(host.store.table(ACTIONS_DUE_TABLE));
    const attendance = new Attendance(host.store.table(ATTENDANCE_TABLE), host.store.table(ATTENDEES_TABLE), host.events);
    const notes = new RunningNotes(agenda, host.clock, cachedRoster(host.poster), actionsDue, attendance);
    // Paced across instances as the agenda card is: one shared update per 2 s per card in total.
    const slots = new TableUpdateSlots(host.store.table(UPDATE_SLOTS_TABLE), UPDATE_INTERVAL_MS, host.instances.id);
    const coalescer = new CardUpdateCoalescer(UPDATE_INTERVAL_MS, (err) => host.log.warn('call.card_update_failed', errorFields(err)), slots);
    const owner = `call-${randomUUID()}`;
    const cards = new RunningNoteCards(host.store.table(NOTE_CARDS_TABLE), notes, host.poster, coalescer, host.clock, owner);
    const questions = new LiveQuestions(agenda, notes, host.store.table(QUESTION_VOTES_TABLE), host.clock);
    notes.questionQueue = (where, callId, list) => questions.queue(where, callId, list);
    // However the call ended, its open questions go to the network (once each: handOff claims them).
    agendaParts.service.afterEnd = async (where, ended) => {
      const network = networks.get(host);
      if (!network) return;
      try {
        const sent = await questions.handOff(where, ended.callId, network);
        if (sent > 0) host.log.info('call.questions_handed_off', { tenantId: where.tenantId, callId: ended.callId, sent });
      } catch (err) {
        host.log.warn('call.handoff_failed', { tenantId: where.tenantId, callId: ended.callId, ...errorFields(err) });
      }
    };
    internals.set(host, { notes, cards, actionsDue, attendance });
    const meetings = new MeetingEvents(host.store.table(MEETINGS_TABLE), agenda, attendance, cards, host.clock, host.log);
    door.meetingEvent((turn, event) => meetings.handle(turn, event));
    const strings = { badData: s.badCardData };
    const touch = (turn: Turn, data: { callId: string }) => cards.touch(turn, data.callId);
    const noteCardNow = async (turn: Turn, data: { callId: string }, notice: { text: string; tone: 'good' | 'attention' }) => runningNoteCard(await notes.view(turn, data.callId), notice);
    const mineNow = async (turn: Turn, data: { callId: string }, notice?: { text: string; tone: 'good' | 'attention' }) => {
      const { call, notes: list } = await notes.mine(turn, data.callId, turn.userId);
      return myNotesCard(call, list, notice);
    };

    // A typed `note` (agenda feature) lands on the same running note.
    host.events.on('noteAdded', async ({ tenantId, conversationId, callId }) => cards.touch({ tenantId, conversationId }, callId));

    door.cardAction({
      verb: CALL_VERBS.open,
      schema: callRef,
      strings,
      async handle(turn, data) {
        return { card: runningNoteCard(await notes.view(turn, data.callId)) };
      },
    });

    door.cardAction({
      verb: CALL_VERBS.note,
      schema: schemas.note,
      strings,
      current: noteCardNow,
      shared: touch,
      async handle(turn, data) {
        const topic = data.topic === '' || data.topic === undefined ? 0 : data.topic;
        const owner = data.owner?.trim() || undefined;
        // A question from the card joins the live queue, under General, as `ask` does.
        const question = data.kind === 'question';
        const added = await notes.add(whereOf(turn), whoOf(turn), data.callId, { topic: question ? 0 : topic, text: data.text ?? '', kind: data.kind, ownerId: owner, due: data.due });
        // As a typed `note` does: stats count who noted what, Connect learns from the words.
        // Off the record nobody is credited (the note keeps no author).
        if (!question && !added.call.offRecord) await host.events.emit('contributed', { tenantId: turn.tenantId, spaceId: turn.spaceId, personId: turn.userId, name: turn.userName, kind: 'note', at: new Date(added.note.at), call: { callId: data.callId, title: added.call.title }, text: added.note.text });
        const notice = question ? s.questionAsked : s.noteAdded(added.note.kind, added.topicTitle);
        return { card: runningNoteCard(await notes.view(turn, data.callId, added.call), { text: notice, tone: 'good' }) };
      },
    });

    // Start call (organizers), from the agenda card: posts the one running note.
    door.cardAction({
      verb: CALL_VERBS.start,
      schema: callRef,
      strings,
      async handle(turn, data) {
        const call = await notes.requireCall(turn, data.callId);
        if (call.status === 'ended') return { text: s.callEnded };
        if (!(await agenda.isOrganizer(turn, turn.userId))) return { text: s.onlyOrganizersStart };
        const result = await cards.start(turn, data.callId);
        return { text: result.posted ? s.started : result.reason === 'exists' ? s.alreadyStarted : s.startInProgress };
      },
    });

    // Live questions: connect owns the one `ask` command and hands a question here while the
    // conversation's call is in progress (its running note is posted); +1 (set-state), Answered (host).
    const askIfLive = async (turn: Turn, text: string, claim?: () => Promise<boolean>): Promise<LiveAsk | undefined> => {
      let call: Awaited<ReturnType<typeof agenda.currentCall>>;
      const quiet = await cards.noRunningNote(turn, async () => {
        call = await agenda.currentCall(whereOf(turn));
        return !call || call.status === 'ended' || !(await cards.activityOf(turn, call.callId));
      });
      if (quiet || !call) return undefined;
      if (!text.trim()) return { text: s.askEmpty };
      if (claim && !(await claim())) return { redelivered: true };
      const { callId } = await questions.ask(whereOf(turn), whoOf(turn), text);
      await cards.touch(turn, callId);
      return { text: s.questionAsked };
    };
    liveQuestions.set(host, { askIfLive });
    const noteCardFor = async (turn: Turn, data: { callId: string }, notice: { text: string; tone: 'good' | 'attention' }) => {
      // The presser's own +1s are marked on their answer (the shared card offers +1 to all).
      const view = await notes.view(turn, data.callId);
      return runningNoteCard({ ...view, questions: await questions.queue(turn, data.callId, view.notes, turn.userId) }, notice);
    };
    door.cardAction({
      verb: CALL_VERBS.upvote,
      schema: schemas.upvote,
      strings,
      current: noteCardFor,
      shared: touch,
      async handle(turn, data) {
        await questions.upvote(turn, whoOf(turn), data.callId, data.noteKey, data.up);
        return { card: await noteCardFor(turn, data, { text: data.up ? s.upvoted : s.upvoteRemoved, tone: 'good' }) };
      },
    });
    door.cardAction({
      verb: CALL_VERBS.answered,
      schema: schemas.action,
      strings,
      current: noteCardFor,
      shared: touch,
      async handle(turn, data) {
        await questions.markAnswered(turn, whoOf(turn), data.callId, data.noteKey);
        return { card: await noteCardFor(turn, data, { text: s.markedAnswered, tone: 'good' }) };
      },
    });

    door.cardAction({
      verb: CALL_VERBS.here,
      schema: callRef,
      strings,
      current: noteCardNow,
      shared: touch,
      async handle(turn, data) {
        const added = await notes.checkIn(turn, whoOf(turn), data.callId);
        return { card: runningNoteCard(await notes.view(turn, data.callId), { text: added ? s.checkedIn : s.alreadyCheckedIn, tone: 'good' }) };
      },
    });

    door.cardAction({
      verb: CALL_VERBS.mine,
      schema: callRef,
      strings,
      async handle(turn, data) {
        return { card: await mineNow(turn, data) };
      },
    });

    door.cardAction({
      verb: CALL_VERBS.edit,
      schema: schemas.edit,
      strings,
      current: mineNow,
      shared: touch,
      async handle(turn, data) {
        const value = data[data.input];
        await notes.edit(turn, whoOf(turn), data.callId, data.noteKey, typeof value === 'string' ? value : '');
        return { card: await mineNow(turn, data, { text: s.noteSaved, tone: 'good' }) };
      },
    });

    door.cardAction({
      verb: CALL_VERBS.remove,
      schema: schemas.remove,
      strings,
      current: mineNow,
      shared: touch,
      async handle(turn, data) {
        await notes.remove(turn, whoOf(turn), data.callId, data.noteKey);
        return { card: await mineNow(turn, data, { text: s.noteDeleted, tone: 'good' }) };
      },
    });

    // The reminder's last-minute question: a question note under General on the running note.
    door.cardAction({
      verb: CALL_VERBS.question,
      schema: schemas.question,
      strings,
      current: async (turn, data, notice) => reminderCard(await notes.requireCall(turn, data.callId), notice),
      shared: touch,
      async handle(turn, data) {
        await notes.add(whereOf(turn), whoOf(turn), data.callId, { topic: 0, text: data.text ?? '', kind: 'question' });
        return { card: reminderCard(await notes.requireCall(turn, data.callId), { text: s.questionAdded, tone: 'good' }) };
      },
    });

    // An action's due-date reminder: Done, or Needs more time with a new date. The pressed
    // message is updated for everyone ('pressed').
    const actionCardNow = async (turn: Turn, data: { callId: string; noteKey: string }, notice: { text: string; tone: 'good' | 'attention' }) => {
      const call = await notes.requireCall(turn, data.callId);
      const note = await agenda.note(turn, data.callId, data.noteKey);
      if (!note) throw new UserError(s.actionGone);
      return actionDueCard(call, note, notice);
    };
    door.cardAction({
      verb: CALL_VERBS.actionDone,
      schema: schemas.action,
      strings,
      current: actionCardNow,
      shared: 'pressed',
      async handle(turn, data) {
        const note = await notes.markDone(turn, whoOf(turn), data.callId, data.noteKey);
        await cards.touch(turn, data.callId);
        const call = await notes.requireCall(turn, data.callId);
        return { card: actionDueCard(call, note, { text: s.actionMarkedDone, tone: 'good' }), everyone: actionDueCard(call, note) };
      },
    });
    door.cardAction({
      verb: CALL_VERBS.actionLater,
      schema: schemas.later,
      strings,
      current: actionCardNow,
      async handle(turn, data) {
        if (!data.due?.trim()) throw new UserError(s.actionNeedsDue);
        const note = await notes.moveDue(turn, whoOf(turn), data.callId, data.noteKey, data.due);
        await cards.touch(turn, data.callId);
        const call = await notes.requireCall(turn, data.callId);
        return { card: actionDueCard(call, note, { text: s.actionMovedTo(note.due ?? ''), tone: 'good' }) };
      },
    });

    const claims = new RunClaims(host.store.table(JOB_RUNS_TABLE), owner);
    door.job(reminderJob(agenda, claims, host.poster, host.log));
    door.job(startJob(agenda, claims, cards, host.log));
    door.job(actionDueJob(agenda, actionsDue, claims, host.poster, host.log));
    return {
      // A pending running-note update carries notes this instance received: send it first.
      async stop() {
        await coalescer.settled().catch((err: unknown) => host.log.error('call.card_updates_settle_failed', errorFields(err)));
        coalescer.stop();
      },
    };
  },
};
