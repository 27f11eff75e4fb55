import type { TableClient } from '@azure/data-tables';
import { NO_RUNNING_NOTE_TTL_MS, RunningNoteCards } from '../../src/features/call/live';
import type { RunningNotes } from '../../src/features/call/notes';
import type { CardUpdateCoalescer } from '../../src/features/agenda/coalescer';
import type { Poster } from '../../src/teams/door';

/**
 * `ask` asks whether a call's running note is posted on every question: "none here" is reused
 * for NO_RUNNING_NOTE_TTL_MS on the instance, never longer, and a start on the instance ends it
 * at once, even one that began while the answer was being read. (Pure logic: the table, notes
 * and poster are stand-ins; the integration tests in call.test.ts drive the real thing.)
 */
describe('reusing "no running note here" for ask', () => {
  const where = { tenantId: 't', conversationId: '19:c@thread.tacv2' };
  const table = { createEntity: async () => ({}), updateEntity: async () => ({}), deleteEntity: async () => ({}) } as unknown as TableClient;
  // A start claims its row, then fails to build the card here: what counts is that it began.
  const notes = { view: async () => Promise.reject(new Error('no card in this test')) } as unknown as RunningNotes;
  const poster = {} as Poster;
  const cards = () => new RunningNoteCards(table, notes, poster, {} as CardUpdateCoalescer, { now: () => new Date() }, 'me');

  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  test('when none was found, then it is reused within the time and read again after it', async () => {
    const c = cards();
    let reads = 0;
    const finding = async () => (reads++, true);
    expect(await c.noRunningNote(where, finding)).toBe(true);
    jest.setSystemTime(Date.now() + NO_RUNNING_NOTE_TTL_MS - 1);
    expect(await c.noRunningNote(where, finding)).toBe(true);
    expect(reads).toBe(1);
    jest.setSystemTime(Date.now() + 2);
    expect(await c.noRunningNote(where, finding)).toBe(true);
    expect(reads).toBe(2);
  });

  test('when a running note was found, then nothing is kept: the next ask reads again', async () => {
    const c = cards();
    let reads = 0;
    expect(await c.noRunningNote(where, async () => (reads++, false))).toBe(false);
    expect(await c.noRunningNote(where, async () => (reads++, false))).toBe(false);
    expect(reads).toBe(2);
  });

  test('when this instance starts the call, then the next ask reads again, even if the start came while "none" was being read', async () => {
    const c = cards();
    let reads = 0;
    await c.noRunningNote(where, async () => (reads++, true));
    await c.start(where, 'call-1').catch(() => undefined);
    expect(await c.noRunningNote(where, async () => (reads++, false))).toBe(false);
    expect(reads).toBe(2);
    // A start that lands while "none" is being read: that answer is not kept.
    const other = { ...where, conversationId: '19:d@thread.tacv2' };
    await c.noRunningNote(other, async () => {
      await c.start(other, 'call-2').catch(() => undefined);
      return true;
    });
    expect(await c.noRunningNote(other, async () => (reads++, false))).toBe(false);
    expect(reads).toBe(3);
  });
});
