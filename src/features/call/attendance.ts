import type { TableClient } from '@azure/data-tables';
import type { ConversationKey, Person } from '../../people/model';
import { key } from '../../store/keys';
import { insertIfAbsent, listPartition } from '../../store/tables';

/**
 * Who came to a call: one row per person per occurrence (callattendance, PK
 * tenant|conversation|callId, RK the person), inserted if absent, so meeting events delivered
 * twice, several join events for one person and Here pressed at once all leave one row. The
 * first call a person came to in a conversation is kept too (callattendees, PK
 * tenant|conversation, RK the person, insert-if-absent), which makes "first-time attendees" one
 * partition read.
 */
export const ATTENDANCE_TABLE = 'callattendance';
export const ATTENDEES_TABLE = 'callattendees';

export type AttendanceSource = 'meeting' | 'checkin';

interface AttendanceRow {
  userId: string;
  userName: string;
  at: number;
  source: AttendanceSource;
}

interface AttendeeRow {
  userId: string;
  firstCallId: string;
  firstAt: number;
}

export interface Turnout {
  /** People who came (one each). */
  count: number;
  names: string[];
  /** People for whom this was their first call in the conversation. */
  firstTimers: string[];
}

export class Attendance {
  constructor(
    private readonly rows: TableClient,
    private readonly attendees: TableClient,
  ) {}

  /** Records that someone came; true when this is new for this call. */
  async record(where: ConversationKey, callId: string, who: Person, at: Date, source: AttendanceSource): Promise<boolean> {
    const row: AttendanceRow = { userId: who.userId, userName: who.userName.slice(0, 200), at: at.getTime(), source };
    const added = await insertIfAbsent(this.rows, { partitionKey: key(where.tenantId, where.conversationId, callId), rowKey: key(who.userId), ...row });
    const first: AttendeeRow = { userId: who.userId, firstCallId: callId, firstAt: at.getTime() };
    await insertIfAbsent(this.attendees, { partitionKey: key(where.tenantId, where.conversationId), rowKey: key(who.userId), ...first });
    return added;
  }

  async isHere(where: ConversationKey, callId: string, userId: string): Promise<boolean> {
    return (await this.list(where, callId)).some((r) => r.userId === userId);
  }

  async count(where: ConversationKey, callId: string): Promise<number> {
    return (await this.list(where, callId)).length;
  }

  /** Turnout of one call and who came for the first time: for the digest and `stats` (plain values). */
  async turnout(where: ConversationKey, callId: string): Promise<Turnout> {
    const [rows, attendees] = await Promise.all([this.list(where, callId), listPartition<AttendeeRow>(this.attendees, key(where.tenantId, where.conversationId))]);
    const firsts = new Set(attendees.filter((a) => a.firstCallId === callId).map((a) => a.userId));
    return { count: rows.length, names: rows.map((r) => r.userName), firstTimers: rows.filter((r) => firsts.has(r.userId)).map((r) => r.userName) };
  }

  private list(where: ConversationKey, callId: string): Promise<AttendanceRow[]> {
    return listPartition<AttendanceRow>(this.rows, key(where.tenantId, where.conversationId, callId));
  }
}
