import { createHmac, timingSafeEqual } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { ConversationKey } from '../../people/model';
import type { CallRow } from './repo';

/**
 * "Add to calendar": an .ics file for one occurrence (with its repeat rule), served by the bot
 * through a signed link. The link names the call (tenant, conversation, call id) and an expiry,
 * signed with HMAC-SHA256 under CALENDAR_LINK_SECRET: a changed or forged link is refused (403),
 * an old one is gone (410). The file carries only the call's public fields: title, start,
 * duration, repeat, the meeting link. Never topics, notes or people.
 */
export const CALENDAR_PATH = '/calendar';
/** A link stays valid this long after the call's end (people add a call to calendars late). */
export const LINK_VALID_AFTER_END_MS = 60 * 86_400_000;

const tokenBody = z.object({ t: z.string().min(1).max(200), c: z.string().min(1).max(1024), k: z.string().min(1).max(64), e: z.number().int().positive() });
export type CalendarClaim = { where: ConversationKey; callId: string; expiresAt: number };

const b64 = (b: Buffer): string => b.toString('base64url');
const sign = (secret: string, body: string): Buffer => createHmac('sha256', secret).update(body).digest();

export function signCalendarToken(secret: string, claim: CalendarClaim): string {
  const body = b64(Buffer.from(JSON.stringify({ t: claim.where.tenantId, c: claim.where.conversationId, k: claim.callId, e: claim.expiresAt })));
  return `${body}.${b64(sign(secret, body))}`;
}

export type TokenCheck = { ok: true; claim: CalendarClaim } | { ok: false; status: 403 | 410 };

/** 403 for anything not signed by us (or malformed), 410 for a link of ours that expired. */
export function verifyCalendarToken(secret: string, token: string, now: Date): TokenCheck {
  const m = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, status: 403 };
  const expected = sign(secret, m[1]!);
  const given = Buffer.from(m[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 403 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, status: 403 };
  }
  const body = tokenBody.safeParse(parsed);
  if (!body.success) return { ok: false, status: 403 };
  if (body.data.e <= now.getTime()) return { ok: false, status: 410 };
  return { ok: true, claim: { where: { tenantId: body.data.t, conversationId: body.data.c }, callId: body.data.k, expiresAt: body.data.e } };
}

export function calendarLinkFor(baseUrl: string, secret: string, where: ConversationKey, call: Pick<CallRow, 'callId' | 'startsAt' | 'durationMin'>): string {
  const expiresAt = call.startsAt + call.durationMin * 60_000 + LINK_VALID_AFTER_END_MS;
  return `${baseUrl}${CALENDAR_PATH}/${signCalendarToken(secret, { where, callId: call.callId, expiresAt })}.ics`;
}

/** The public fields of a call: all the .ics may carry. */
export type PublicCall = Pick<CallRow, 'callId' | 'title' | 'startsAt' | 'durationMin' | 'cadence' | 'timeZone' | 'monthlyNth'> & { meetingUrl?: string };

/** RFC 5545 text escaping: backslash, semicolon, comma, newline. */
function icsText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Lines longer than 75 octets are folded (CRLF + space), without splitting a UTF-8 character. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

const utcStamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** The repeat rule of a cadence (monthly: the same weekday of the month, -1 = the last). */
export function rruleOf(call: Pick<PublicCall, 'cadence' | 'startsAt' | 'timeZone' | 'monthlyNth'>): string | undefined {
  if (call.cadence === 'weekly') return 'FREQ=WEEKLY';
  if (call.cadence === 'biweekly') return 'FREQ=WEEKLY;INTERVAL=2';
  if (call.cadence === 'monthly') {
    const day = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][DateTime.fromMillis(call.startsAt, { zone: call.timeZone }).weekday - 1];
    return `FREQ=MONTHLY;BYDAY=${call.monthlyNth >= 5 ? -1 : call.monthlyNth}${day}`;
  }
  return undefined;
}

export function icsFor(call: PublicCall, now: Date): string {
  const local = (ms: number): string => DateTime.fromMillis(ms, { zone: call.timeZone }).toFormat("yyyyMMdd'T'HHmmss");
  const end = call.startsAt + call.durationMin * 60_000;
  const rule = rruleOf(call);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Network Coach//Call//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    // One UID per series occurrence: importing the file twice updates the same event.
    `UID:${call.callId}@network-coach`,
    `DTSTAMP:${utcStamp(now.getTime())}`,
    // Local time in the call's zone, so a repeating call keeps its local hour across DST changes.
    `DTSTART;TZID=${call.timeZone}:${local(call.startsAt)}`,
    `DTEND;TZID=${call.timeZone}:${local(end)}`,
    ...(rule ? [`RRULE:${rule}`] : []),
    `SUMMARY:${icsText(call.title)}`,
    ...(call.meetingUrl ? [`URL:${call.meetingUrl}`, `LOCATION:${icsText(call.meetingUrl)}`, `DESCRIPTION:${icsText(`Join: ${call.meetingUrl}`)}`] : []),
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
