import { fmt, ratio, type BenchScenario, type BenchContext } from '../lib';
import { StorageRequestCounter, tableEndpointOf, throughProxy } from '../storageCounter';
import { person, TENANT } from '../../test/support/activities';
import { cardText } from '../../test/support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { callInternals } from '../../src/features/call/routes';
import type { TestBot } from '../../test/support/harness';

/**
 * "running-note burst" (issue 15): 200 notes from 50 people on one call's running note, at
 * concurrency 32, each an Action.Execute invoke over HTTP answered with the refreshed card.
 * Checks every note kept, the shared running note's coalesced updates (at most one per 2 s of
 * burst, plus the final one, which must show the newest note), and the note action's latency as a
 * ratio to the baseline turn of this run. Then, on a second bot whose storage goes through a
 * counting proxy (bench/storageCounter.ts), the Azure Table requests one note action makes, alone
 * and within a burst at the same concurrency: a count, which does not move with machine load.
 */
const NOTES = 200;
const PEOPLE = 50;
const CONCURRENCY = 32;
const UPDATE_INTERVAL_MS = 2000;
const COUNTED = 20;
const COUNTED_BURST = 96;

type Person = ReturnType<typeof person>;

/** Posting a call with a topic and starting its running note; adding notes from its card. */
function driver(bot: TestBot, people: Person[], organizer: Person, date: string) {
  const agenda = agendaInternals(bot.app.host);
  const call = callInternals(bot.app.host);
  if (!agenda || !call) throw new Error('the agenda and call features are not registered');
  bot.connector.members = [organizer, ...people].map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId }));
  const prepare = async (conv: string): Promise<{ callId: string; cardId: string }> => {
    await bot.send(bot.teams.channelMessage(`call "Note burst" ${date} 16:00 monthly`, { conversationId: conv, from: organizer }));
    await bot.send(bot.teams.channelMessage('topic What did we learn?', { conversationId: conv, from: organizer }));
    const current = await agenda.service.currentCall({ tenantId: TENANT, conversationId: conv });
    if (!current) throw new Error('the call was not created');
    bot.connector.reset();
    await bot.send(bot.teams.cardAction('call.start', { callId: current.callId }, { conversationId: conv, from: organizer }));
    const cardId = bot.connector.cards({ conversationId: conv, method: 'POST' })[0]?.record.activityId;
    if (!cardId) throw new Error('the running note was not posted');
    return { callId: current.callId, cardId };
  };
  const note = async (conv: string, callId: string, cardId: string, i: number): Promise<void> => {
    const who = people[i % people.length]!;
    const data = { callId, topic: i % 2 ? '1' : '0', text: `bench note ${i}`, kind: 'note' };
    const res = await bot.send(bot.teams.cardAction('call.note', data, { conversationId: conv, from: who }, 'channel', cardId));
    const body = res.body as { type?: string } | undefined;
    if (res.status !== 200 || body?.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`note answered HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
  };
  return { agenda, call, prepare, note };
}

/** Storage requests per note action, on a bot whose table requests pass a counting proxy. */
async function countRequests(ctx: BenchContext, people: Person[], organizer: Person, date: string) {
  const counter = await new StorageRequestCounter(tableEndpointOf(ctx.connectionString)).start();
  try {
    const bot = await ctx.startBot({ env: { STORAGE_CONNECTION_STRING: throughProxy(ctx.connectionString, counter.port) } });
    counter.tablePrefix = bot.app.store.prefix;
    const d = driver(bot, people, organizer, date);
    const conv = '19:note-burst-counted@thread.tacv2';
    const { callId, cardId } = await d.prepare(conv);
    const phase = async (n: number, concurrency: number, offset: number) => {
      await d.call.cards.coalescer.settled();
      await counter.settled();
      counter.reset();
      await ctx.measure(n, concurrency, (i) => d.note(conv, callId, cardId, offset + i));
      await d.call.cards.coalescer.settled();
      await counter.settled();
      const detail = [...counter.detail].sort(([a], [b]) => a.localeCompare(b)).map(([label, k]) => `${label} ${fmt(k / n, 2)}`).join(', ');
      return { perNote: counter.total / n, detail };
    };
    await phase(8, 1, 0); // warm-up: not reported
    const alone = await phase(COUNTED, 1, 100);
    const burst = await phase(COUNTED_BURST, CONCURRENCY, 1000);
    await bot.close();
    return { alone: alone.perNote, aloneDetail: alone.detail, burst: burst.perNote, burstDetail: burst.detail };
  } finally {
    await counter.stop();
  }
}

export const scenario: BenchScenario = {
  name: 'running-note burst',
  description: `${NOTES} notes from ${PEOPLE} people on one running note at concurrency ${CONCURRENCY}: all kept, note p50/p99 vs baseline, shared-card updates sent, storage requests per note`,
  async run(ctx) {
    const bot = await ctx.startBot();
    const people = Array.from({ length: PEOPLE }, (_, i) => person(`note-${i}`));
    const organizer = person('note-organizer');
    const date = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const { agenda, call, prepare, note } = driver(bot, people, organizer, date);

    // Warm-up on another call (JIT, connections), not measured.
    const warm = await prepare('19:note-burst-warmup@thread.tacv2');
    await ctx.measure(48, CONCURRENCY, (i) => note('19:note-burst-warmup@thread.tacv2', warm.callId, warm.cardId, i));
    await call.cards.coalescer.settled();

    const conv = '19:note-burst@thread.tacv2';
    const { callId, cardId } = await prepare(conv);
    bot.connector.reset();
    const stats = await ctx.measure(NOTES, CONCURRENCY, (i) => note(conv, callId, cardId, i));
    await call.cards.coalescer.settled();

    const kept = (await agenda.service.repo.listNotes({ tenantId: TENANT, conversationId: conv }, callId)).length;
    const updates = bot.connector.updates(conv).filter((u) => u.activityId === cardId);
    const allowed = Math.ceil(stats.wallMs / UPDATE_INTERVAL_MS) + 1;
    const gaps = updates.slice(1).map((u, i) => u.at - updates[i]!.at);
    const minGap = gaps.length ? Math.min(...gaps) : Number.NaN;
    const last = updates.at(-1)?.body.attachments?.[0]?.content;
    const lastText = last === undefined ? '' : cardText(last);
    // Every note is either shown or counted in "and N earlier notes".
    const shown = (lastText.match(/bench note \d+/g) ?? []).length;
    const folded = Number(/and (\d+) earlier notes?/.exec(lastText)?.[1] ?? 0);
    const finalExact = shown + folded === NOTES;
    const cardBytes = last === undefined ? 0 : Buffer.byteLength(JSON.stringify(last));

    await bot.close();
    const counted = await countRequests(ctx, people, organizer, date);

    ctx.print(`notes kept ${kept}/${NOTES}; burst ${fmt(stats.wallMs / 1000, 1)} s; note p50 ${fmt(stats.p50, 1)} ms, p99 ${fmt(stats.p99, 1)} ms`);
    ctx.print(`running-note updates sent ${updates.length} (allowed ${allowed}); smallest gap ${fmt(minGap, 0)} ms; last update: ${shown} shown + ${folded} folded, ${cardBytes} bytes`);
    ctx.print(`storage requests per note action: alone ${fmt(counted.alone, 2)} (${counted.aloneDetail}); in a burst of ${COUNTED_BURST} at concurrency ${CONCURRENCY}: ${fmt(counted.burst, 2)} (${counted.burstDetail})`);
    return {
      figures: {
        'storage requests per note (alone)': counted.alone,
        'storage requests per note (burst)': counted.burst,
        'notes kept': kept,
        'note p50 / baseline c16 p50': ratio(stats.p50, ctx.baseline.c16.p50),
        'note p99 / baseline c16 p99': ratio(stats.p99, ctx.baseline.c16.p99),
        'note p50 ms': stats.p50,
        'note p99 ms': stats.p99,
        'burst s': stats.wallMs / 1000,
        'card updates sent': updates.length,
        'card updates allowed': allowed,
        'smallest gap between updates ms': minGap,
        'last card bytes': cardBytes,
      },
      goals: {
        'every note kept': kept === NOTES,
        'card updates <= 1 per 2 s of burst + the final one': updates.length <= allowed && (gaps.length === 0 || minGap >= UPDATE_INTERVAL_MS - 50),
        'the last card update accounts for every note': finalExact,
        'the card stays under 28 KB': cardBytes > 0 && cardBytes < 28 * 1024,
        'note p99 under the 5 s Teams limit': stats.p99 < 5000,
      },
    };
  },
};
