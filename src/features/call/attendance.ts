import type { TableClient } from '@azure/data-tables';
import type { ConversationKey, Person } from '../../people/model';
import { key } from '../../store/keys';
import { getEntityOrUndefined, insertIfAbsent, listPartition } from '../../store/tables';
import type { BotEvents } from '../../teams/events';

/**
 * Who came to a call: one row per person per occurrence (callattendance, PK
 * tenant|conversation|callId, RK the person), inserted if absent, so meeting events delivered
 * twice, several join events for one person, Here pressed at once and two instances all leave
 * one row; only the request that inserted it announces the attendance (`contributed`, kind
 * 'attended'), so stats and customers count each person once per call.
 *
 * The first call a person came to in a conversation is kept by key (callattendees, PK
 * tenant|conversation, RK the person, insert-if-absent, written before the attendance row):
 * "first time" is that insert winning, or, when a first attempt stopped between the two writes,
 * the kept first call being this one. The attendance row carries the answer, so a call's
 * turnout and its first-timers are one partition read.
 */
export const ATTENDANCE_TABLE = 'callattendance';
export const ATTENDEES_TABLE = 'callattendees';

export type AttendanceSource = 'meeting' | 'checkin';

interface AttendanceRow {
  userId: string;
  userName: string;
  at: number;
  source: AttendanceSource;
  /** The person's first call in this conversation (absent on rows written before it was kept). */
  firstTime?: boolean;
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

/** The call as attendance names it in what it announces. */
export interface AttendedCall {
  callId: string;
  title: string;
  spaceId: string;
}

export class Attendance {
  constructor(
    private readonly rows: TableClient,
    private readonly attendees: TableClient,
    private readonly events?: BotEvents,
  ) {}

  /** Records that someone came; true when this is new for this call (then, and only then, announced). */
  async record(where: ConversationKey, call: AttendedCall, who: Person, at: Date, source: AttendanceSource): Promise<boolean> {
    const attendeePk = key(where.tenantId, where.conversationId);
    const first: AttendeeRow = { userId: who.userId, firstCallId: call.callId, firstAt: at.getTime() };
    let firstTime = await insertIfAbsent(this.attendees, { partitionKey: attendeePk, rowKey: key(who.userId), ...first });
    if (!firstTime) firstTime = (await getEntityOrUndefined<AttendeeRow>(this.attendees, attendeePk, key(who.userId)))?.firstCallId === call.callId;
    const name = who.userName.slice(0, 200);
    const row: AttendanceRow = { userId: who.userId, userName: name, at: at.getTime(), source, firstTime };
    const added = await insertIfAbsent(this.rows, { partitionKey: key(where.tenantId, where.conversationId, call.callId), rowKey: key(who.userId), ...row });
    if (added && this.events) {
      await this.events.emit('contributed', {
        tenantId: where.tenantId,
        spaceId: call.spaceId,
        personId: who.userId,
        name,
        kind: 'attended',
        at,
        call: { callId: call.callId, title: call.title },
        firstTime,
      });
    }
    return added;
  }

  async count(where: ConversationKey, callId: string): Promise<number> {
    return (await this.list(where, callId)).length;
  }

  /** Turnout of one call and who came for the first time: for the digest and `stats` (plain values). */
  async turnout(where: ConversationKey, callId: string): Promise<Turnout> {
    const rows = await this.list(where, callId);
    const firstTimers: string[] = [];
    for (const r of rows) {
      const first =
        r.firstTime ?? (await getEntityOrUndefined<AttendeeRow>(this.attendees, key(where.tenantId, where.conversationId), key(r.userId)))?.firstCallId === callId;
      if (first) firstTimers.push(r.userName);
    }
    return { count: rows.length, names: rows.map((r) => r.userName), firstTimers };
  }

  private list(where: ConversationKey, callId: string): Promise<AttendanceRow[]> {
    return listPartition<AttendanceRow>(this.rows, key(where.tenantId, where.conversationId, callId));
  }
}
