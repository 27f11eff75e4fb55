import { randomUUID } from 'node:crypto';
import type { CallAgenda, CallInfo } from '../call/port';
import type { CallRow, FinalItem } from './repo';
import type { AgendaService } from './service';
import { DUE_LOOKBACK_DAYS } from './service';
import { meetingLinkKey } from './meetingLink';

/** The agenda as the call feature sees it (call/port.ts): plain values over the agenda's repo. */
export function callAgendaOf(service: AgendaService): CallAgenda {
  const repo = service.repo;
  return {
    async call(where, callId) {
      const row = await repo.getCall(where, callId);
      return row ? callInfo(row) : undefined;
    },
    async currentCall(where) {
      const row = await service.currentCall(where);
      return row ? callInfo(row) : undefined;
    },
    async topics(where, callId) {
      return (await repo.listTopics(where, callId)).map((t) => ({ number: t.number, title: t.title })).sort((a, b) => a.number - b.number);
    },
    notes: (where, callId) => repo.listStoredNotes(where, callId),
    note: (where, callId, noteKey) => repo.getNote(where, callId, noteKey),
    async addNote(where, who, callId, row) {
      const key = await repo.insertNoteKeyed(where, callId, randomUUID(), row);
      // A note kept without its author (off the record) counts for nobody.
      if (row.authorId) await service.recordContribution(where, who, 'note', new Date(row.at));
      return key;
    },
    changeNote: (where, callId, noteKey, change) => repo.mutateNote(where, callId, noteKey, change),
    deleteNote: (where, callId, noteKey, etag) => repo.deleteNote(where, callId, noteKey, etag),
    isOrganizer: (space, userId) => service.isOrganizer(space, userId),
    due: (kind, now) => repo.listDue(kind, now, DUE_LOOKBACK_DAYS),
    doneWithDue: (row) => repo.deleteDue(row),
    async callForMeetingLink(tenantId, joinUrl) {
      const linkKey = meetingLinkKey(joinUrl);
      const found = linkKey ? await repo.findMeetingLink(tenantId, linkKey) : undefined;
      if (!found) return undefined;
      const where = { tenantId, conversationId: found.conversationId };
      const calls = (await repo.listCalls(where, "status ne 'ended'")).filter((c) => c.seriesId === found.seriesId).sort((a, b) => a.startsAt - b.startsAt);
      return calls[0] ? { where, call: callInfo(calls[0]) } : undefined;
    },
    async endedCalls(where) {
      return (await repo.listCalls(where, "status eq 'ended'")).sort((a, b) => b.startsAt - a.startsAt).map(callInfo);
    },
  };
}

function callInfo(row: CallRow): CallInfo {
  const final = row.finalJson ? (JSON.parse(row.finalJson) as FinalItem[]).map((f) => f.number) : undefined;
  return {
    callId: row.callId,
    title: row.title,
    startsAt: row.startsAt,
    durationMin: row.durationMin,
    timeZone: row.timeZone,
    status: row.status,
    spaceId: row.spaceId,
    reference: row.reference,
    ...(row.meetingUrl ? { meetingUrl: row.meetingUrl } : {}),
    ...(row.offRecord ? { offRecord: true } : {}),
    ...(row.endedAt ? { endedAt: row.endedAt } : {}),
    ...(final ? { finalTopics: final } : {}),
  };
}
