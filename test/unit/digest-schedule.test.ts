import { DateTime } from 'luxon';
import { bucketOfSlot, bucketsToScan, dueSlot, latestSlotAt, parseSlot, runKeyOf, bucketOfInstant } from '../../src/features/digest/schedule';

describe('digest schedule', () => {
  test('when no slot is given, then it is Monday 09:00 in the fallback time zone', () => {
    expect(parseSlot('', 'Europe/Amsterdam')).toEqual({ slot: { day: 1, hour: 9, minute: 0, timeZone: 'Europe/Amsterdam' } });
  });

  test('when day, time and zone are given, then each is used (zone names are case-insensitive)', () => {
    expect(parseSlot('friday 16:00 europe/london', 'UTC')).toEqual({ slot: { day: 5, hour: 16, minute: 0, timeZone: 'Europe/London' } });
    expect(parseSlot('Tue 4:30pm', 'UTC')).toEqual({ slot: { day: 2, hour: 16, minute: 30, timeZone: 'UTC' } });
  });

  test.each([
    ['funday 09:00', 'day', 'funday'],
    ['monday 25:00', 'time', '25:00'],
    ['monday 9:75', 'time', '9:75'],
    ['monday 09:00 Mars/Olympus', 'timeZone', 'Mars/Olympus'],
    ['monday 09:00 UTC extra', 'extra', 'extra'],
  ])('when the input is "%s", then the problem is the %s', (input, kind, value) => {
    expect(parseSlot(input, 'UTC')).toEqual({ problem: { kind, value } });
  });

  test('when the slot passed earlier this week, then the latest occurrence is this week; otherwise last week', () => {
    const slot = { day: 1, hour: 9, minute: 0, timeZone: 'Europe/London' };
    // Wednesday 25 Nov 2026 12:00 UTC
    const wed = new Date('2026-11-25T12:00:00Z');
    expect(latestSlotAt(slot, wed).toISO()).toBe('2026-11-23T09:00:00.000+00:00');
    // Monday 23 Nov 2026 08:59 London: the latest is the Monday before
    expect(latestSlotAt(slot, new Date('2026-11-23T08:59:00Z')).toISODate()).toBe('2026-11-16');
  });

  test('when a digest is due, then its run key is the ISO week of the slot in the subscriber zone', () => {
    const slot = { day: 1, hour: 9, minute: 0, timeZone: 'Pacific/Auckland' };
    const now = new Date('2026-11-22T20:30:00Z'); // Monday 23 Nov 09:30 in Auckland
    const due = dueSlot(slot, now, new Date('2026-01-01T00:00:00Z'));
    expect(due?.runKey).toBe('2026-W48');
    expect(runKeyOf(DateTime.fromISO('2027-01-01T09:00', { zone: 'UTC' }))).toBe('2026-W53');
  });

  test('when the slot passed more than 24 h ago, or before the subscription started, then nothing is due', () => {
    const slot = { day: 1, hour: 9, minute: 0, timeZone: 'UTC' };
    expect(dueSlot(slot, new Date('2026-11-24T09:00:01Z'), new Date(0))).toBeUndefined();
    expect(dueSlot(slot, new Date('2026-11-24T08:59:00Z'), new Date(0))?.runKey).toBe('2026-W48');
    expect(dueSlot(slot, new Date('2026-11-23T10:00:00Z'), new Date('2026-11-23T09:30:00Z'))).toBeUndefined();
  });

  test('when daylight saving time moves the slot by an hour, then the scanned buckets still include its index bucket', () => {
    const slot = { day: 1, hour: 9, minute: 0, timeZone: 'Europe/London' };
    const indexedInWinter = bucketOfSlot(slot, new Date('2026-01-07T00:00:00Z'));
    expect(indexedInWinter).toBe('h-1-09');
    // In summer the slot is 08:00 UTC; at 08:01 UTC the scheduler must read the 09 bucket too.
    const summerNow = new Date('2026-07-06T08:01:00Z');
    expect(dueSlot(slot, summerNow, new Date(0))).toBeDefined();
    expect(bucketsToScan(summerNow)).toContain(indexedInWinter);
    expect(bucketsToScan(summerNow)).toHaveLength(29);
    expect(bucketOfInstant(summerNow)).toBe('h-1-08');
  });
});
