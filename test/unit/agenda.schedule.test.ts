import { autoFinaliseAt, cadenceFrom, localToUtc, nextFutureOccurrence, nextOccurrence, parseDuration, timeBoxes, weekdayOfMonth } from '../../src/features/agenda/schedule';
import { parseCallShortcut, parseNote } from '../../src/features/agenda/parse';
import { callRow, followingOccurrence } from '../../src/features/agenda/occurrences';
import { finalAgenda, rankTopics, discussedTopics } from '../../src/features/agenda/views';
import type { NoteRow, TopicRow } from '../../src/features/agenda/repo';

const NOW = new Date('2026-11-23T12:00:00Z');

describe('agenda schedule: times, cadences and time boxes', () => {
  test('when a local time is given in a zone, then it is stored as the UTC instant', () => {
    const r = localToUtc('2026-12-10', '16:00', 'Europe/Amsterdam', NOW);
    expect(r).toEqual({ ok: true, at: new Date('2026-12-10T15:00:00Z') });
  });

  test.each([
    ['2026-13-01', '16:00', 'UTC', 'date'],
    ['2026-02-30', '16:00', 'UTC', 'date'],
    ['10/12/2026', '16:00', 'UTC', 'date'],
    ['2026-12-10', '25:00', 'UTC', 'time'],
    ['2026-12-10', '4pm', 'UTC', 'time'],
    ['2026-12-10', '16:00', 'Mars/Olympus', 'timeZone'],
    ['2020-01-01', '16:00', 'UTC', 'past'],
  ])('when the date is %s %s in %s, then the problem is %s', (date, time, tz, problem) => {
    expect(localToUtc(date, time, tz, NOW)).toEqual({ ok: false, problem });
  });

  test('when a call is weekly or every two weeks, then the next one keeps the local time across a DST change', () => {
    const start = new Date('2026-10-22T14:00:00Z'); // 16:00 in Amsterdam (summer time)
    expect(nextOccurrence(start, 'weekly', 'Europe/Amsterdam', 4)).toEqual(new Date('2026-10-29T15:00:00Z')); // 16:00 winter time
    expect(nextOccurrence(start, 'biweekly', 'Europe/Amsterdam', 4)).toEqual(new Date('2026-11-05T15:00:00Z'));
    expect(nextOccurrence(start, 'once', 'Europe/Amsterdam', 4)).toBeUndefined();
  });

  test('when a call is monthly on the second Thursday, then the next one is the second Thursday of the next month', () => {
    const start = new Date('2026-12-10T15:00:00Z'); // Thu 10 Dec 2026, the 2nd Thursday
    expect(weekdayOfMonth(start, 'Europe/Amsterdam')).toBe(2);
    const next = nextOccurrence(start, 'monthly', 'Europe/Amsterdam', 2);
    expect(next).toEqual(new Date('2027-01-14T15:00:00Z')); // Thu 14 Jan 2027
  });

  test('when a monthly call falls on a fifth weekday, then it repeats on the last such weekday', () => {
    const start = new Date('2026-12-31T15:00:00Z'); // Thu 31 Dec 2026, the 5th Thursday
    expect(weekdayOfMonth(start, 'Europe/Amsterdam')).toBe(5);
    expect(nextOccurrence(start, 'monthly', 'Europe/Amsterdam', 5)).toEqual(new Date('2027-01-28T15:00:00Z')); // last Thu of Jan
    expect(nextOccurrence(new Date('2027-01-28T15:00:00Z'), 'monthly', 'Europe/Amsterdam', 5)).toEqual(new Date('2027-02-25T15:00:00Z'));
  });

  test('when a call is closed late, then the next occurrence is the first one still in the future', () => {
    const start = new Date('2026-11-02T10:00:00Z');
    expect(nextFutureOccurrence(start, 'weekly', 'UTC', 1, NOW)).toEqual(new Date('2026-11-30T10:00:00Z'));
  });

  test('when the automatic finalising time has passed at creation, then it is halfway to the start', () => {
    expect(autoFinaliseAt(new Date('2026-12-10T15:00:00Z'), NOW, 24)).toEqual(new Date('2026-12-09T15:00:00Z'));
    expect(autoFinaliseAt(new Date('2026-11-24T12:00:00Z'), NOW, 48)).toEqual(new Date('2026-11-24T00:00:00Z'));
  });

  test('when a call is split over topics, then the minutes add up to its duration', () => {
    expect(timeBoxes(60, 4)).toEqual([15, 15, 15, 15]);
    expect(timeBoxes(50, 3)).toEqual([17, 17, 16]);
    expect(timeBoxes(60, 0)).toEqual([]);
    expect(timeBoxes(7, 5).reduce((a, b) => a + b, 0)).toBe(7);
  });

  test('durations and cadence words are read in their usual spellings', () => {
    expect(parseDuration('60m')).toBe(60);
    expect(parseDuration('1h30')).toBe(90);
    expect(parseDuration('1h30m')).toBe(90);
    expect(parseDuration('2h')).toBe(120);
    expect(parseDuration('soon')).toBeUndefined();
    expect(cadenceFrom('fortnightly')).toBe('biweekly');
    expect(cadenceFrom('Monthly')).toBe('monthly');
    expect(cadenceFrom('daily')).toBeUndefined();
  });
});

describe('agenda text shortcut', () => {
  test('when the shortcut has a quoted title, date, time and cadence, then each is read', () => {
    expect(parseCallShortcut('"KM Power Hour" 2026-12-10 16:00 monthly', 'Europe/Amsterdam')).toEqual({
      title: 'KM Power Hour', date: '2026-12-10', time: '16:00', cadence: 'monthly', durationMin: 60, timeZone: 'Europe/Amsterdam',
    });
  });

  test('when smart quotes, a duration and a time zone are given, then they are used', () => {
    expect(parseCallShortcut('\u201cKM Power Hour\u201d 2026-12-10 9:30 every two weeks 90m America/New_York', 'UTC')).toMatchObject({
      title: 'KM Power Hour', time: '9:30', cadence: 'biweekly', durationMin: 90, timeZone: 'America/New_York',
    });
  });

  test('when the title is not quoted, then everything before the date is the title', () => {
    expect(parseCallShortcut('Monthly sync 2026-12-10 16:00', 'UTC').title).toBe('Monthly sync');
  });

  test.each([
    ['"Title" 2026-12-10 16:00 Mars/Base', /not a time zone/],
    ['"Title" 2026-12-10', /date and start time/],
    ['"Title" tomorrow 16:00', /could not read that date/],
    ['"Title" 2026-12-10 16:00 banana', /did not understand "banana"/],
    ['"Title" 20/12/2026 16:00', /"20\/12\/2026" looks like a date.*write 2026-12-20/],
    ['"Title" 12/20/2026 16:00 Europe/Amsterdam', /write 2026-12-20/],
    ['"Title" 05.06.2026 16:00', /"05\.06\.2026" looks like a date.*year-month-day, e\.g\./],
    ['"Title" 2026-12-10 4pm', /could not read the time "4pm"/],
    ['"Title" 2026-12-10 16:0x', /could not read the time "16:0x"/],
    ['2026-12-10 16:00', /title/],
    ['"Unclosed 2026-12-10 16:00', /title/],
  ])('when the shortcut is %s, then the answer explains what is wrong', (args, message) => {
    expect(() => parseCallShortcut(args, 'UTC')).toThrow(message);
  });
});

describe('agenda ranking and the final agenda', () => {
  const topic = (number: number, at: number): TopicRow => ({ number, title: `t${number}`, normalised: `t${number}`, proposedBy: 'u', proposedByName: 'U', proposedAt: at, carriedOver: false });

  test('when topics tie on votes, then whoever proposed first ranks higher', () => {
    const ranked = rankTopics([topic(1, 300), topic(2, 100), topic(3, 200)], new Map([[1, 2], [2, 2], [3, 5]]));
    expect(ranked.map((t) => t.number)).toEqual([3, 2, 1]);
  });

  test('when the agenda is finalised with N topics, then the top N share the minutes', () => {
    const ranked = rankTopics([topic(1, 1), topic(2, 2), topic(3, 3)], new Map([[2, 4], [3, 1]]));
    expect(finalAgenda(ranked, 2, 45)).toEqual([
      expect.objectContaining({ number: 2, votes: 4, minutes: 23 }),
      expect.objectContaining({ number: 3, votes: 1, minutes: 22 }),
    ]);
  });

  test('when notes name topics, then those were discussed; else the final agenda was', () => {
    const topics = [topic(1, 1), topic(2, 2), topic(3, 3)];
    const note = (t: number): NoteRow => ({ text: 'x', kind: 'note', topic: t, authorId: 'a', authorName: 'A', at: 1 });
    expect([...discussedTopics(topics, [note(2), note(0), note(9)], undefined)]).toEqual([2]);
    expect([...discussedTopics(topics, [note(0)], [{ number: 1, title: 't1', votes: 0, proposedByName: 'U', minutes: 60 }])]).toEqual([1]);
  });
});

describe('agenda notes and occurrences', () => {
  test.each([
    ['Welcome all', { text: 'Welcome all', topic: 0, kind: 'note' }],
    ['2 decision: pilot in Q1', { text: 'pilot in Q1', topic: 2, kind: 'decision' }],
    ['ACTION:   Bob writes it', { text: 'Bob writes it', topic: 0, kind: 'action' }],
    ['12', { text: '', topic: 12, kind: 'note' }],
    ['2026 was a good year', { text: '2026 was a good year', topic: 0, kind: 'note' }],
  ])('when a note reads %s, then its parts are read', (raw, expected) => {
    expect(parseNote(raw)).toEqual(expected);
  });

  test('when a call ends, then the next occurrence holds the topics not discussed, ranked and renumbered, votes reset', () => {
    const now = new Date('2026-12-10T16:05:00Z');
    const current = callRow(
      { seriesId: 'abcd', occurrence: 1, title: 'KM', startsAt: new Date('2026-12-10T15:00:00Z'), durationMin: 60, cadence: 'monthly', timeZone: 'Europe/Amsterdam', monthlyNth: 2, spaceId: 'team', createdBy: { userId: 'u', userName: 'U' }, reference: '{}' },
      new Date('2026-12-01T00:00:00Z'),
      24,
    );
    const topic = (number: number, at: number): TopicRow => ({ number, title: `t${number}`, normalised: `t${number}`, proposedBy: 'p', proposedByName: 'P', proposedAt: at, carriedOver: false });
    const next = followingOccurrence(current, [topic(1, 1), topic(2, 2), topic(3, 3), topic(4, 4)], new Map([[3, 5], [4, 1]]), new Set([2]), now, 24)!;
    expect(next.row).toMatchObject({ callId: 'abcd-2', occurrence: 2, status: 'open', startsAt: new Date('2027-01-14T15:00:00Z').getTime(), nextTopic: 4 });
    expect(next.row.dueAt).toBe(new Date('2027-01-13T15:00:00Z').getTime());
    expect(next.carried.map((t) => [t.number, t.title, t.carriedOver])).toEqual([[1, 't3', true], [2, 't4', true], [3, 't1', true]]);
    expect(followingOccurrence({ ...current, cadence: 'once' }, [], new Map(), new Set(), now, 24)).toBeUndefined();
  });
});
