import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../../clock';
import type { Logger } from '../../log';
import type { ConversationKey } from '../../people/model';
import { key } from '../../store/keys';
import { getEntityOrUndefined, insertIfAbsent } from '../../store/tables';
import type { MeetingEvent, Turn } from '../../teams/door';
import type { Attendance } from './attendance';
import type { RunningNoteCards } from './live';
import type { CallAgenda, CallInfo } from './port';

/**
 * Meeting events into the call: which call a Teams meeting is (callmeetings, PK
 * tenant|meeting id), the running note at the meeting's start, and attendance from
 * participants joining. A meeting is matched to a call, in this order: a match remembered
 * earlier; the join URL of meetingStart against the calls' meeting links (the call may live in
 * a channel while the events come from the meeting's chat); else the open call of the
 * conversation the events come from (a call created in the meeting chat itself).
 */
export const MEETINGS_TABLE = 'callmeetings';

interface MeetingRow {
  conversationId: string;
  callId: string;
}

export class MeetingEvents {
  constructor(
    private readonly table: TableClient,
    private readonly agenda: CallAgenda,
    private readonly attendance: Attendance,
    private readonly cards: RunningNoteCards,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async handle(turn: Turn, event: MeetingEvent): Promise<void> {
    const found = await this.callOf(turn, event);
    if (!found) {
      this.log.info('meeting.no_call', { kind: event.kind });
      return;
    }
    const { where, call } = found;
    if (call.status === 'ended') return;
    if (event.kind === 'start') {
      const result = await this.cards.start(where, call.callId);
      this.log.info('meeting.started', { callId: call.callId, posted: result.posted });
    } else if (event.kind === 'join') {
      const now = this.clock.now();
      let added = 0;
      for (const m of event.members) if (await this.attendance.record(where, call, { userId: m.userId, userName: m.name }, now, 'meeting')) added++;
      this.log.info('meeting.joined', { callId: call.callId, members: event.members.length, added });
      if (added > 0) await this.cards.touch(where, call.callId);
    }
  }

  private async callOf(turn: Turn, event: MeetingEvent): Promise<{ where: ConversationKey; call: CallInfo } | undefined> {
    const pk = key(turn.tenantId, event.meetingId);
    const known = await getEntityOrUndefined<MeetingRow>(this.table, pk, 'call');
    let found: { where: ConversationKey; call: CallInfo } | undefined;
    if (known) {
      const where = { tenantId: turn.tenantId, conversationId: known.conversationId };
      const call = await this.agenda.call(where, known.callId);
      if (call && call.status !== 'ended') return { where, call };
      // A recurring meeting keeps its id across occurrences: once that call ended, the meeting
      // is the next occurrence there (participants may join before, or without, a meetingStart).
      const next = event.joinUrl ? undefined : await this.agenda.currentCall(where);
      if (next) found = { where, call: next };
    }
    found ??= event.joinUrl ? await this.agenda.callForMeetingLink(turn.tenantId, event.joinUrl) : undefined;
    if (!found) {
      const here = { tenantId: turn.tenantId, conversationId: turn.conversationId };
      const call = await this.agenda.currentCall(here);
      found = call ? { where: here, call } : undefined;
    }
    if (found) {
      const row: MeetingRow = { conversationId: found.where.conversationId, callId: found.call.callId };
      if (!known) await insertIfAbsent(this.table, { partitionKey: pk, rowKey: 'call', ...row });
      else await this.table.upsertEntity({ partitionKey: pk, rowKey: 'call', ...row }, 'Replace');
    }
    return found;
  }
}
