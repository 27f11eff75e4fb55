import { cardBytes, CARD_BUDGET_BYTES } from '../../src/cards/size';
import { agendaCard, callFormCard, openAgendaAction, recapCard } from '../../src/features/agenda/cards';
import { card } from '../../src/cards/types';
import { CardUpdateCoalescer } from '../../src/features/agenda/coalescer';
import { FreshRead } from '../../src/features/agenda/freshRead';
import type { AgendaView, RecapView, CallView } from '../../src/features/agenda/views';
import { cardText, expectValidCard } from '../support/cards';

const EVIL = 'Hi [click](https://evil.example) <at>Everyone</at> **bold** {{DATE(2026-01-01T00:00:00Z)}} # heading';

const call = (over: Partial<CallView> = {}): CallView => ({
  callId: 'abcd1234-1', title: 'KM Power Hour', startsAt: new Date('2026-12-10T15:00:00Z'), durationMin: 60, cadence: 'monthly', timeZone: 'Europe/Amsterdam', status: 'open', rev: 1, ...over,
});

const view = (over: Partial<CallView> = {}, topics = 3): AgendaView => ({
  call: call(over),
  topics: Array.from({ length: topics }, (_, i) => ({ number: i + 1, title: i === 0 ? EVIL : `Topic ${i + 1}`, votes: topics - i, proposedByName: i === 0 ? '<at>Mallory</at>' : 'Bob', proposedAt: new Date(1000 + i), carriedOver: i === 2 })),
});

function allActions(json: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Action.')) out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(json);
  return out;
}

describe('agenda cards', () => {
  test('when the agenda is open, then the card is valid 1.5 with a vote button per topic carrying call, topic and revision', () => {
    const c = agendaCard(view(), { text: 'Your vote for topic 1 is counted.', tone: 'good' });
    expectValidCard(c);
    const votes = allActions(c).filter((a) => a.verb === 'agenda.vote');
    expect(votes).toHaveLength(3);
    expect(votes[1]!.data).toEqual({ verb: 'agenda.vote', callId: 'abcd1234-1', rev: 1, topic: 2, vote: true });
    expect(cardText(c)).toContain('carried over');
    expect(JSON.stringify(c)).toContain('{{DATE(2026-12-10T15:00:00Z, SHORT)}}');
  });

  test('when the card is answered to someone who voted, then their topics offer to remove the vote, carrying that intent; the shared card never does', () => {
    const v = view();
    v.topics[1] = { ...v.topics[1]!, voters: new Set(['dana']) };
    const mine = allActions(agendaCard(v, undefined, 'dana')).filter((a) => a.verb === 'agenda.vote');
    expect(mine.map((a) => (a.data as { vote: boolean }).vote)).toEqual([true, false, true]);
    expect(mine[1]!.title).toBe('Remove my vote');
    const shared = allActions(agendaCard(v)).filter((a) => a.verb === 'agenda.vote');
    expect(shared.map((a) => (a.data as { vote: boolean }).vote)).toEqual([true, true, true]);
  });

  test('when people write links, mentions, markdown or date functions, then the card shows them as text', () => {
    const text = cardText(agendaCard(view()));
    expect(text).not.toContain('[click](');
    expect(text).not.toContain('<at>');
    expect(text).not.toContain('{{DATE(2026-01-01');
    expect(text).toContain('\\[click\\]');
    expect(text).not.toMatch(/(^|[^\\])\*\*bold/);
  });

  test('when a notice quotes what someone typed, then it is escaped too', () => {
    const c = agendaCard(view(), { text: '"[x](http://a)" is not a time zone', tone: 'attention' });
    expectValidCard(c);
    expect(cardText(c)).not.toContain('[x](http');
  });

  test('when the agenda is final or ended, then the card lists the time boxes and has no vote buttons', () => {
    const final = [{ number: 2, title: EVIL, votes: 5, proposedByName: 'Bob', minutes: 30 }, { number: 1, title: 'B', votes: 1, proposedByName: 'Al', minutes: 30 }];
    for (const status of ['finalised', 'ended'] as const) {
      const c = agendaCard(view({ status, rev: 2, final }));
      expectValidCard(c);
      expect(allActions(c).some((a) => a.verb === 'agenda.vote' || a.verb === 'agenda.finalise')).toBe(false);
      expect(cardText(c)).toContain('30 min');
    }
  });

  test('when there are many topics, then the card shows as many as fit and says how many more', () => {
    const c = agendaCard(view({}, 50));
    expectValidCard(c);
    const shown = allActions(c).filter((a) => a.verb === 'agenda.vote').length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(50);
    expect(cardText(c)).toContain(`${50 - shown} more topics`);
    expect(cardBytes(c)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
  });

  test('when the form is shown, with or without a notice and earlier values, then it is valid', () => {
    expectValidCard(callFormCard('Europe/Amsterdam'));
    const again = callFormCard('UTC', { text: 'That date is in the past.', tone: 'attention' }, { title: EVIL, date: '2020-01-01', time: '10:00', duration: 30, cadence: 'weekly' });
    expectValidCard(again);
  });

  test('when a recap is built, then it is valid and lists decisions, actions and carried-over topics', () => {
    const note = (text: string, kind: 'note' | 'decision' | 'action', topic: number) => ({ text, kind, topic, authorName: 'Alice', at: new Date('2026-12-10T15:10:00Z') });
    const recap: RecapView = {
      call: call({ status: 'ended', rev: 3 }),
      discussed: [{ number: 1, title: EVIL, notes: [note(EVIL, 'note', 1), note('We pilot in Q1', 'decision', 1)] }],
      general: [note('Thanks all', 'note', 0)],
      decisions: [note('We pilot in Q1', 'decision', 1)],
      actions: [note('Bob writes the plan', 'action', 0)],
      notReached: [{ number: 2, title: 'Metrics' }],
      next: { callId: 'abcd1234-2', startsAt: new Date('2027-01-14T15:00:00Z') },
    };
    const c = recapCard(recap);
    expectValidCard(c);
    const text = cardText(c);
    expect(text).toContain('We pilot in Q1');
    expect(text).toContain('Bob writes the plan');
    expect(text).toContain('Metrics');
    expect(text).not.toContain('[click](');
    // "Open the agenda" on a recap posts the live agenda as a new message (the recap stays).
    expect(allActions(c).find((a) => a.verb === 'agenda.post')?.data).toEqual({ verb: 'agenda.post', callId: 'abcd1234-2' });
    // Decisions and actions are listed once each.
    expect(text.split('We pilot in Q1').length - 1).toBe(1);
    expect(text.split('Bob writes the plan').length - 1).toBe(1);
  });

  test('when a digest carries the open-agenda action, then it is a valid Action.Execute', () => {
    const action = openAgendaAction('abcd1234-1', 'KM [Power](x) Hour');
    expect(action).toMatchObject({ type: 'Action.Execute', verb: 'agenda.open', data: { verb: 'agenda.open', callId: 'abcd1234-1' } });
    expectValidCard(card([{ type: 'TextBlock', text: 'Digest' }], [action]));
  });
});

describe('card update coalescing', () => {
  const card = (id: string) => ({ partitionKey: 'tenant|conversation', rowKey: id });
  test('when 50 changes arrive in a burst, then updates are at most one per interval and the last one runs after the last change', async () => {
    const sent: number[] = [];
    const startedAt: number[] = [];
    let state = 0;
    const c = new CardUpdateCoalescer(200, () => undefined);
    const started = Date.now();
    for (let i = 1; i <= 50; i++) {
      state = i;
      c.touch(card('card'), async () => {
        startedAt.push(Date.now());
        sent.push(state);
      });
      await new Promise((r) => setTimeout(r, 10));
    }
    await c.settled();
    const elapsed = Date.now() - started;
    expect(sent[sent.length - 1]).toBe(50);
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 1);
    for (let i = 1; i < startedAt.length; i++) expect(startedAt[i]! - startedAt[i - 1]!).toBeGreaterThanOrEqual(195);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    c.stop();
  });

  test('when two cards change, then each is coalesced on its own', async () => {
    const sent: string[] = [];
    const c = new CardUpdateCoalescer(100, () => undefined);
    for (let i = 0; i < 5; i++) {
      c.touch(card('a'), async () => void sent.push('a'));
      c.touch(card('b'), async () => void sent.push('b'));
    }
    await c.settled();
    expect(sent.filter((s) => s === 'a')).toHaveLength(1);
    expect(sent.filter((s) => s === 'b')).toHaveLength(1);
    c.stop();
  });

  test('when a send fails, then the error is reported and later changes still go out', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const c = new CardUpdateCoalescer(50, (e) => errors.push(e));
    c.touch(card('x'), async () => {
      calls++;
      throw new Error('429');
    });
    await c.settled();
    c.touch(card('x'), async () => void calls++);
    await c.settled();
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
    c.stop();
  });
});

describe('fresh shared reads', () => {
  test('when many callers ask while a read runs, then they share the next read, and each sees the state after its call', async () => {
    const fresh = new FreshRead<number>();
    let state = 0;
    let loads = 0;
    const load = async (): Promise<number> => {
      loads++;
      const seen = state;
      await new Promise((r) => setTimeout(r, 20));
      return seen;
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 5));
        state++;
        const mine = state;
        const seen = await fresh.get('k', load);
        return seen >= mine;
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    expect(loads).toBeLessThan(10);
  });

  test('when a read fails, then its callers get the error and the next caller reads again', async () => {
    const fresh = new FreshRead<number>();
    await expect(fresh.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(fresh.get('k', async () => 7)).resolves.toBe(7);
  });
});
