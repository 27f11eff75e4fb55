import { checkMeetingLink } from '../../src/features/agenda/meetingLink';
import { calendarLinkFor, icsFor, rruleOf, signCalendarToken, verifyCalendarToken } from '../../src/features/agenda/calendar';
import { parseCallShortcut } from '../../src/features/agenda/parse';
import { runningNoteCard, size, NOTE_CARD_BUDGET } from '../../src/features/call/cards';
import { checkDue, dueReminderAt, editDeadline } from '../../src/features/call/notes';
import type { RunningNoteView } from '../../src/features/call/notes';
import { cardText, expectValidCard } from '../support/cards';

/** Pure rules of the call: meeting links, signed calendar links and the .ics, due dates, the running note's size. */
const JOIN = 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d';

describe('meeting links', () => {
  test.each([
    [JOIN],
    ['https://teams.microsoft.com/meet/2345678901?p=abcdef'],
    ['https://teams.live.com/meet/9876543210'],
    [`<${JOIN}>`],
  ])('when %s is given, then it is accepted', (url) => {
    expect(checkMeetingLink(url).ok).toBe(true);
  });

  test.each([
    ['http://teams.microsoft.com/l/meetup-join/x', 'notHttps'],
    ['https://teams.microsoft.com.evil.example/l/meetup-join/x', 'notTeams'],
    ['https://evil.example/l/meetup-join/x', 'notTeams'],
    ['https://teams.microsoft.com/l/channel/19%3a/General', 'notTeams'],
    ['https://teams.microsoft.com/meet/', 'notTeams'],
    ['https://user:pw@teams.microsoft.com/meet/123', 'notTeams'],
    ['https://teams.microsoft.com:8443/meet/123', 'notTeams'],
    ['javascript:alert(1)', 'notHttps'],
    ['not a link', 'notUrl'],
    [`https://teams.microsoft.com/meet/${'a'.repeat(3000)}`, 'tooLong'],
  ])('when bad link %# is given, then it is refused with its reason', (url, problem) => {
    expect(checkMeetingLink(url)).toEqual({ ok: false, problem });
  });

  test('when the call shortcut carries a link, then it is read as the meeting link; a foreign link is a clear refusal', () => {
    const call = parseCallShortcut(`"Power Hour" 2026-12-10 16:00 monthly ${JOIN}`, 'Europe/Amsterdam');
    expect(call.meetingUrl).toBe(JOIN);
    expect(call.cadence).toBe('monthly');
    expect(() => parseCallShortcut('"Power Hour" 2026-12-10 16:00 https://zoom.us/j/123', 'UTC')).toThrow(/not a Teams meeting link/);
  });
});

describe('calendar links and the .ics', () => {
  const secret = 's'.repeat(40);
  const where = { tenantId: 't1', conversationId: '19:c@thread.tacv2' };
  const now = new Date('2026-12-01T09:00:00Z');

  test('when a link is signed, then it verifies until it expires (410 after), and any change is refused (403)', () => {
    const token = signCalendarToken(secret, { where, callId: 'abc-1', expiresAt: now.getTime() + 1000 });
    const ok = verifyCalendarToken(secret, token, now);
    expect(ok).toEqual({ ok: true, claim: { where, callId: 'abc-1', expiresAt: now.getTime() + 1000 } });
    expect(verifyCalendarToken(secret, token, new Date(now.getTime() + 1000))).toEqual({ ok: false, status: 410 });
    expect(verifyCalendarToken('x'.repeat(40), token, now)).toEqual({ ok: false, status: 403 });
    const [body, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ t: 't1', c: '19:c@thread.tacv2', k: 'other-1', e: now.getTime() + 1000 })).toString('base64url');
    expect(verifyCalendarToken(secret, `${forged}.${sig}`, now)).toEqual({ ok: false, status: 403 });
    expect(verifyCalendarToken(secret, `${body}.${sig!.slice(0, -2)}AA`, now)).toEqual({ ok: false, status: 403 });
    expect(verifyCalendarToken(secret, 'garbage', now)).toEqual({ ok: false, status: 403 });
  });

  test('when a link is made for a call, then it points at /calendar and expires 60 days after the call', () => {
    const link = calendarLinkFor('https://coach.example.org', secret, where, { callId: 'abc-1', startsAt: now.getTime(), durationMin: 60 });
    const m = /^https:\/\/coach\.example\.org\/calendar\/(.+)\.ics$/.exec(link);
    expect(m).not.toBeNull();
    const check = verifyCalendarToken(secret, m![1]!, now);
    expect(check.ok && check.claim.expiresAt).toBe(now.getTime() + 3_600_000 + 60 * 86_400_000);
  });

  test('when the .ics is built, then it has the local start, the repeat rule, the link, escaped text and folded lines, and nothing private', () => {
    const ics = icsFor(
      { callId: 'abc-2', title: 'KM; Power, Hour\\ ' + 'x'.repeat(100), startsAt: Date.parse('2026-12-10T15:00:00Z'), durationMin: 90, cadence: 'monthly', timeZone: 'Europe/Amsterdam', monthlyNth: 2, meetingUrl: JOIN },
      now,
    );
    expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics).toContain('DTSTART;TZID=Europe/Amsterdam:20261210T160000');
    expect(ics).toContain('DTEND;TZID=Europe/Amsterdam:20261210T173000');
    expect(ics).toContain('RRULE:FREQ=MONTHLY;BYDAY=2TH');
    expect(ics).toContain('UID:abc-2@network-coach');
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain('SUMMARY:KM\\; Power\\, Hour\\\\ x');
    expect(unfolded).toContain(`URL:${JOIN}`);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(rruleOf({ cadence: 'weekly', startsAt: 0, timeZone: 'UTC', monthlyNth: 1 })).toBe('FREQ=WEEKLY');
    expect(rruleOf({ cadence: 'biweekly', startsAt: 0, timeZone: 'UTC', monthlyNth: 1 })).toBe('FREQ=WEEKLY;INTERVAL=2');
    expect(rruleOf({ cadence: 'monthly', startsAt: Date.parse('2026-12-31T10:00:00Z'), timeZone: 'UTC', monthlyNth: 5 })).toBe('FREQ=MONTHLY;BYDAY=-1TH');
    expect(rruleOf({ cadence: 'once', startsAt: 0, timeZone: 'UTC', monthlyNth: 1 })).toBeUndefined();
  });
});

describe('due dates and the edit window', () => {
  test('when a due date is before today in the call zone, then it is refused; today and later pass', () => {
    const now = new Date('2026-12-10T23:30:00Z'); // already 11 Dec in Amsterdam
    expect(() => checkDue('2026-12-10', 'Europe/Amsterdam', now)).toThrow(/in the past/);
    expect(checkDue('2026-12-11', 'Europe/Amsterdam', now)).toBe('2026-12-11');
    expect(() => checkDue('2026-13-40', 'UTC', now)).toThrow(/could not read/);
    expect(() => checkDue('tomorrow', 'UTC', now)).toThrow(/could not read/);
    expect(dueReminderAt('2026-12-11', 'Europe/Amsterdam').toISOString()).toBe('2026-12-11T08:00:00.000Z');
  });

  test('when a call ran late, then notes stay editable 48 h after its actual end', () => {
    const call = { callId: 'a-1', title: 'x', startsAt: 0, durationMin: 60, timeZone: 'UTC', status: 'ended' as const, spaceId: 's', reference: '{}', endedAt: 10 * 3_600_000 };
    expect(editDeadline(call)).toBe(58 * 3_600_000);
    expect(editDeadline({ ...call, endedAt: undefined })).toBe(49 * 3_600_000);
  });
});

describe('the running note card', () => {
  const call = { callId: 'a-1', title: 'Power Hour', startsAt: Date.parse('2026-12-10T15:00:00Z'), durationMin: 60, timeZone: 'UTC', status: 'finalised' as const, spaceId: 's', reference: '{}', finalTopics: [2, 1] };
  const topics = [{ number: 1, title: 'Adoption' }, { number: 2, title: 'Pilot' }];
  const note = (i: number, topic: number, text = `note ${i}`) => ({ text, kind: 'note' as const, topic, authorId: `u${i}`, authorName: `Person ${i}`, at: 1000 + i, noteKey: `${String(1000 + i).padStart(13, '0')}|n${i}`, etag: '*' });

  test('when notes exist, then they are grouped by topic in final-agenda order, General last, with the form', () => {
    const view: RunningNoteView = { call, topics, notes: [note(1, 1), note(2, 2), note(3, 0), note(4, 99)], roster: [{ userId: 'u1', teamsId: '29:u1', name: 'Person 1' }], here: 3, questions: [] };
    const c = runningNoteCard(view);
    expectValidCard(c);
    const t = cardText(c);
    expect(t.indexOf('2. Pilot')).toBeLessThan(t.indexOf('1. Adoption'));
    expect(t.indexOf('1. Adoption')).toBeLessThan(t.indexOf('General\n'));
    // A note for a topic that no longer exists shows under General rather than vanishing.
    expect(t).toMatch(/General\n[\s\S]*note 4/);
    expect(t).toContain('Add note');
  });

  test('when there are far more notes than fit, then the card stays under the budget and says how many folded', () => {
    const notes = Array.from({ length: 400 }, (_, i) => note(i, i % 3, `${'long words '.repeat(40)} #${i}`));
    const c = runningNoteCard({ call, topics, notes, roster: [], here: 0, questions: [] });
    expect(size(c)).toBeLessThanOrEqual(NOTE_CARD_BUDGET);
    expectValidCard(c);
    const t = cardText(c);
    const hidden = Number(/and (\d+) earlier notes/.exec(t)?.[1]);
    expect(hidden).toBeGreaterThan(0);
    // The newest note is shown, the oldest folded; shown + folded = all.
    expect(t).toContain('#399');
    expect(t).not.toContain('#0 ');
    expect((t.match(/#\d+/g) ?? []).length + hidden).toBe(400);
  });

  test('when the same view is answered with notices of different lengths, then each card is the most notes that fit under the budget with its notice', () => {
    const notes = Array.from({ length: 300 }, (_, i) => note(i, i % 3, `${'long words '.repeat(40)} #${i}`));
    const view: RunningNoteView = { call, topics, notes, roster: [], here: 0, questions: [] };
    const plain = runningNoteCard(view);
    const short = runningNoteCard(view, { text: 'Note added.', tone: 'good' });
    const long = runningNoteCard(view, { text: `Note added under ${'a very long topic title '.repeat(60)}.`, tone: 'good' });
    const folded = (c: ReturnType<typeof runningNoteCard>) => Number(/and (\d+) earlier notes/.exec(cardText(c))?.[1]);
    for (const c of [plain, short, long]) {
      expect(size(c)).toBeLessThanOrEqual(NOTE_CARD_BUDGET);
      expectValidCard(c);
    }
    // A longer notice leaves room for fewer notes; the same view and notice give the same card.
    expect(folded(long)).toBeGreaterThan(folded(short));
    expect(folded(short)).toBeGreaterThanOrEqual(folded(plain));
    const fresh = { ...view };
    expect(runningNoteCard(fresh, { text: `Note added under ${'a very long topic title '.repeat(60)}.`, tone: 'good' })).toEqual(long);
  });
});
