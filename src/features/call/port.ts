import type { Conversation, ConversationKey, Person, Space } from '../../people/model';
import type { CallStatus, DueKind, DueRow, NoteRow, StoredNote } from '../agenda/repo';

/**
 * What the call feature reads and writes of the agenda (calls, topics, the notes table), as
 * plain values. The agenda implements it (agenda/callPort.ts); the call feature holds nothing
 * else of the agenda, so either side can change behind it.
 */
export type { NoteRow, StoredNote, DueRow };

export interface CallInfo {
  callId: string;
  title: string;
  startsAt: number;
  durationMin: number;
  timeZone: string;
  status: CallStatus;
  spaceId: string;
  /** Conversation reference (JSON) for proactive posts. */
  reference: string;
  meetingUrl?: string;
  endedAt?: number;
  /** The final agenda's topic numbers in order, once finalised. */
  finalTopics?: number[];
  /** Off the record: notes keep only decisions and actions (and questions), with no names. */
  offRecord?: boolean;
}

export interface TopicInfo {
  number: number;
  title: string;
}

export interface CallAgenda {
  call(where: ConversationKey, callId: string): Promise<CallInfo | undefined>;
  currentCall(where: ConversationKey): Promise<CallInfo | undefined>;
  topics(where: ConversationKey, callId: string): Promise<TopicInfo[]>;
  notes(where: ConversationKey, callId: string): Promise<StoredNote[]>;
  note(where: ConversationKey, callId: string, noteKey: string): Promise<StoredNote | undefined>;
  addNote(where: Conversation, who: Person, callId: string, row: NoteRow): Promise<string>;
  changeNote(where: ConversationKey, callId: string, noteKey: string, change: (current: NoteRow | undefined) => NoteRow | undefined): Promise<{ before?: NoteRow; after?: NoteRow }>;
  deleteNote(where: ConversationKey, callId: string, noteKey: string, etag: string): Promise<boolean>;
  isOrganizer(space: Space, userId: string): Promise<boolean>;
  due(kind: DueKind, now: Date): Promise<DueRow[]>;
  doneWithDue(row: DueRow): Promise<void>;
  /** The open call of the series that uses this meeting (by its join URL), wherever it was created. */
  callForMeetingLink(tenantId: string, joinUrl: string): Promise<{ where: ConversationKey; call: CallInfo } | undefined>;
  /** Ended calls of a conversation, newest first (for open actions). */
  endedCalls(where: ConversationKey): Promise<CallInfo[]>;
}

export type { DueKind };
