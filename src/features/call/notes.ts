import { DateTime } from 'luxon';
import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Conversation, ConversationKey, Person } from '../../people/model';
import type { RosterMember } from '../../teams/door';
import type { CallAgenda, CallInfo, NoteRow, StoredNote, TopicInfo } from './port';
import { callStrings as s } from './strings';
import { FreshRead } from '../agenda/freshRead';
import type { ActionDueRow, ActionsDue } from './actionsDue';
import type { Attendance } from './attendance';
import type { QuestionView } from './questions';

/**
 * The running note's use cases, in plain values: adding a note (a decision, an action with an
 * owner and a due date, a last-minute question), and an author changing or deleting their own
 * note until 48 hours after the call. Every refusal is a UserError thrown before anything is
 * written. Notes are rows of their own (one insert each), so any number of people adding at
 * once all land.
 */
export const MAX_NOTE = 2000;
export const EDIT_WINDOW_MS = 48 * 3_600_000;

export type CardNoteKind = 'note' | 'decision' | 'action' | 'question';

export interface NoteInput {
  topic: number;
  text: string;
  kind: CardNoteKind | 'question';
  ownerId?: string;
  due?: string;
}

/** Reads who is in a conversation (cached briefly; `fresh` re-reads). */
export type RosterOf = (where: ConversationKey, reference: string, fresh?: boolean) => Promise<RosterMember[]>;

export interface RunningNoteView {
  call: CallInfo;
  topics: TopicInfo[];
  notes: StoredNote[];
  roster: RosterMember[];
  /** How many people are marked as here (meeting events and Here check-ins). */
  here: number;
  /** The live questions, open by votes first (questions.ts). */
  questions: QuestionView[];
}

export class RunningNotes {
  private readonly views = new FreshRead<RunningNoteView>();
  /** The topics each call's last read found (see `topic`). */
  private readonly knownTopics = new Map<string, TopicInfo[]>();
  /** Set by the feature: the question queue with its votes (questions.ts reads its own table). */
  questionQueue?: (where: ConversationKey, callId: string, notes: readonly StoredNote[]) => Promise<QuestionView[]>;

  constructor(
    private readonly agenda: CallAgenda,
    private readonly clock: Clock,
    private readonly roster: RosterOf,
    private readonly actionsDue: ActionsDue,
    private readonly attendance: Attendance,
  ) {}

  async requireCall(where: ConversationKey, callId: string): Promise<CallInfo> {
    const call = await this.agenda.call(where, callId);
    if (!call) throw new UserError(s.callNotFound);
    return call;
  }

  /** The call, its topics, notes and roster, read after every write the caller made (shared among concurrent callers). */
  async view(where: ConversationKey, callId: string, known?: CallInfo): Promise<RunningNoteView> {
    return this.views.get(`${where.tenantId}|${where.conversationId}|${callId}`, async () => {
      // A note never changes its call's row: a caller that read the call for its own write hands it over.
      const call = known ?? (await this.requireCall(where, callId));
      const [topics, notes, roster, here] = await Promise.all([
        this.agenda.topics(where, callId).then((list) => this.rememberTopics(where, callId, list)),
        this.agenda.notes(where, callId),
        this.roster(where, call.reference).catch(() => [] as RosterMember[]),
        this.attendance.count(where, callId),
      ]);
      const questions = this.questionQueue ? await this.questionQueue(where, callId, notes) : [];
      return { call, topics, notes, roster, here, questions };
    });
  }

  async add(where: Conversation, who: Person, callId: string, input: NoteInput): Promise<{ note: NoteRow; noteKey: string; topicTitle: string; call: CallInfo }> {
    const text = input.text.trim();
    if (!text) throw new UserError(input.kind === 'question' ? s.questionEmpty : s.noteEmpty);
    if (text.length > MAX_NOTE) throw new UserError(s.noteTooLong(MAX_NOTE));
    const call = await this.requireCall(where, callId);
    if (call.status === 'ended') throw new UserError(s.callEnded);
    let topicTitle = s.generalTopic;
    if (input.topic !== 0) {
      const topic = await this.topic(where, callId, input.topic);
      if (!topic) throw new UserError(s.unknownTopic(input.topic));
      topicTitle = `${topic.number}. ${topic.title}`;
    }
    const now = this.clock.now();
    if (call.offRecord) {
      // Off the record: decisions and actions (and the call's questions) only, with no names:
      // not the author's, not an owner's (so no reminder names anyone either).
      if (input.kind === 'note') throw new UserError(s.offRecordOnlyDecisions);
      const row: NoteRow = { text, kind: input.kind, topic: input.topic, authorId: '', authorName: '', at: now.getTime() };
      const noteKey = await this.agenda.addNote(where, who, callId, row);
      return { note: row, noteKey, topicTitle, call };
    }
    const row: NoteRow = { text, kind: input.kind, topic: input.topic, authorId: who.userId, authorName: who.userName, at: now.getTime() };
    if (input.kind === 'action') {
      if (!input.ownerId) throw new UserError(s.actionNeedsOwner);
      const due = input.due?.trim();
      if (!due) throw new UserError(s.actionNeedsDue);
      row.due = checkDue(due, call.timeZone, now);
      // Who is in the conversation now: a fresh read when the owner is not in the cached one.
      let members = await this.roster(where, call.reference).catch(() => undefined);
      let owner = members?.find((m) => m.userId === input.ownerId);
      if (!owner) {
        members = await this.roster(where, call.reference, true).catch(() => undefined);
        if (!members) throw new UserError(s.rosterUnavailable);
        owner = members.find((m) => m.userId === input.ownerId);
      }
      if (!owner) throw new UserError(s.ownerNotHere);
      Object.assign(row, { ownerId: owner.userId, ownerName: owner.name, ownerTeamsId: owner.teamsId, done: false });
    }
    const noteKey = await this.agenda.addNote(where, who, callId, row);
    if (row.kind === 'action' && row.due) await this.actionsDue.put({ ...dueOf(where, callId, noteKey, row.due, call.timeZone) });
    return { note: row, noteKey, topicTitle, call };
  }

  /**
   * A topic of the call's agenda, from the topics the last view read when it is there (topics
   * are only ever added, never renumbered, during a call), else read again: a note for a topic
   * proposed a moment ago is never refused for a stale list.
   */
  private async topic(where: ConversationKey, callId: string, n: number): Promise<TopicInfo | undefined> {
    const k = `${where.tenantId}|${where.conversationId}|${callId}`;
    const cached = this.knownTopics.get(k)?.find((t) => t.number === n);
    if (cached) return cached;
    return this.rememberTopics(where, callId, await this.agenda.topics(where, callId)).find((t) => t.number === n);
  }

  private rememberTopics(where: ConversationKey, callId: string, list: TopicInfo[]): TopicInfo[] {
    if (this.knownTopics.size > 1000) this.knownTopics.clear();
    this.knownTopics.set(`${where.tenantId}|${where.conversationId}|${callId}`, list);
    return list;
  }

  /** Here: the person checks in on the running note (once per call, however often pressed). */
  async checkIn(where: ConversationKey, who: Person, callId: string): Promise<boolean> {
    const call = await this.requireCall(where, callId);
    if (call.status === 'ended') throw new UserError(s.callEnded);
    return this.attendance.record(where, call, who, this.clock.now(), 'checkin');
  }

  /** The person's own notes on a call, oldest first. */
  async mine(where: ConversationKey, callId: string, userId: string): Promise<{ call: CallInfo; notes: StoredNote[] }> {
    const call = await this.requireCall(where, callId);
    const notes = (await this.agenda.notes(where, callId)).filter((n) => n.authorId === userId);
    return { call, notes };
  }

  async edit(where: ConversationKey, who: Person, callId: string, noteKey: string, text: string): Promise<void> {
    const clean = text.trim();
    if (!clean) throw new UserError(s.noteEmpty);
    if (clean.length > MAX_NOTE) throw new UserError(s.noteTooLong(MAX_NOTE));
    await this.requireEditable(where, who, callId, noteKey);
    const now = this.clock.now().getTime();
    const { after, before } = await this.agenda.changeNote(where, callId, noteKey, (current) => {
      if (!current || current.authorId !== who.userId) return undefined;
      return { ...current, text: clean, editedAt: now };
    });
    if (!before) throw new UserError(s.noteGone);
    if (!after) throw new UserError(s.notYourNote);
  }

  async remove(where: ConversationKey, who: Person, callId: string, noteKey: string): Promise<void> {
    const note = await this.requireEditable(where, who, callId, noteKey);
    if (!(await this.agenda.deleteNote(where, callId, noteKey, note.etag))) {
      // Changed or deleted in between (the author, in another window): read again and decide.
      const again = await this.agenda.note(where, callId, noteKey);
      if (!again) return;
      if (!(await this.agenda.deleteNote(where, callId, noteKey, again.etag))) throw new UserError(s.noteGone);
    }
  }

  /** The action's owner (or whoever noted it) marks it done; pressing again changes nothing. */
  async markDone(where: ConversationKey, who: Person, callId: string, noteKey: string): Promise<StoredNote> {
    await this.requireAction(where, who, callId, noteKey);
    await this.agenda.changeNote(where, callId, noteKey, (current) => (current && !current.done ? { ...current, done: true } : undefined));
    return (await this.agenda.note(where, callId, noteKey)) ?? this.gone();
  }

  /** Needs more time: a new due date (today or later), reminded again on that day. */
  async moveDue(where: ConversationKey, who: Person, callId: string, noteKey: string, due: string): Promise<StoredNote> {
    const { call, note } = await this.requireAction(where, who, callId, noteKey);
    if (note.done) throw new UserError(s.actionAlreadyDone);
    const checked = checkDue(due.trim(), call.timeZone, this.clock.now());
    const { after } = await this.agenda.changeNote(where, callId, noteKey, (current) => (current ? { ...current, due: checked } : undefined));
    if (!after) this.gone();
    if (note.due && note.due !== checked) await this.actionsDue.remove(dueOf(where, callId, noteKey, note.due, call.timeZone));
    await this.actionsDue.put(dueOf(where, callId, noteKey, checked, call.timeZone));
    return (await this.agenda.note(where, callId, noteKey)) ?? this.gone();
  }

  private async requireAction(where: ConversationKey, who: Person, callId: string, noteKey: string): Promise<{ call: CallInfo; note: StoredNote }> {
    const call = await this.requireCall(where, callId);
    const note = await this.agenda.note(where, callId, noteKey);
    if (!note || note.kind !== 'action') throw new UserError(s.actionGone);
    if (note.ownerId !== who.userId && note.authorId !== who.userId) throw new UserError(s.onlyOwnerOrAuthor);
    return { call, note };
  }

  private gone(): never {
    throw new UserError(s.actionGone);
  }

  private async requireEditable(where: ConversationKey, who: Person, callId: string, noteKey: string): Promise<StoredNote> {
    const call = await this.requireCall(where, callId);
    const note = await this.agenda.note(where, callId, noteKey);
    if (!note) throw new UserError(s.noteGone);
    if (note.authorId !== who.userId) throw new UserError(s.notYourNote);
    if (this.clock.now().getTime() > editDeadline(call)) throw new UserError(s.editWindowClosed);
    return note;
  }
}

export function dueOf(where: ConversationKey, callId: string, noteKey: string, due: string, timeZone: string): ActionDueRow {
  return { tenantId: where.tenantId, conversationId: where.conversationId, callId, noteKey, due, remindAt: dueReminderAt(due, timeZone).getTime() };
}

/** Notes stay editable until 48 h after the call's scheduled end (or its actual end, if later). */
export function editDeadline(call: CallInfo): number {
  return Math.max(call.startsAt + call.durationMin * 60_000, call.endedAt ?? 0) + EDIT_WINDOW_MS;
}

/** A due date (yyyy-mm-dd) that is today or later in the call's time zone. */
export function checkDue(due: string, timeZone: string, now: Date): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(due)) throw new UserError(s.badDue);
  const day = DateTime.fromISO(due, { zone: timeZone });
  if (!day.isValid) throw new UserError(s.badDue);
  const today = DateTime.fromJSDate(now, { zone: timeZone }).toISODate() ?? '';
  if (due < today) throw new UserError(s.duePast);
  return due;
}

/** When a due date's reminder goes out: 09:00 on that day in the call's time zone. */
export function dueReminderAt(due: string, timeZone: string): Date {
  return DateTime.fromISO(`${due}T09:00`, { zone: timeZone }).toUTC().toJSDate();
}
