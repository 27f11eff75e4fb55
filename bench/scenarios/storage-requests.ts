import { randomBytes } from 'node:crypto';
import { fmt, type BenchScenario } from '../lib';
import { StorageRequestCounter, tableEndpointOf, throughProxy, type StorageRequestKind } from '../storageCounter';
import { baselineActivity } from './baseline';
import { person, TENANT, type Activity } from '../../test/support/activities';
import { agendaInternals } from '../../src/features/agenda/routes';

/**
 * "storage requests" (issue 8): how many Azure Table requests one turn of each kind makes,
 * counted by a proxy between the bot and Azurite (bench/storageCounter.ts), at concurrency 1,
 * after each kind has been warmed up once (process caches: conversation registry, taxonomies).
 * Work the bot does after answering (the live agenda card) is counted until storage is quiet.
 * A count, not a time: it does not move with machine load.
 */
const TURNS = 20;
const KINDS: readonly StorageRequestKind[] = ['read', 'query', 'insert', 'update', 'delete', 'batch'];

export const scenario: BenchScenario = {
  name: 'storage requests',
  description: `Azure Table requests per turn (baseline, capture, vote, topic, note), counted by a proxy in front of Azurite, mean of ${TURNS} turns each`,
  async run(ctx) {
    const counter = await new StorageRequestCounter(tableEndpointOf(ctx.connectionString)).start();
    try {
      const bot = await ctx.startBot({ env: { STORAGE_CONNECTION_STRING: throughProxy(ctx.connectionString, counter.port) } });
      counter.tablePrefix = bot.app.store.prefix;
      const internals = agendaInternals(bot.app.host);
      if (!internals) throw new Error('the agenda feature is not registered');
      const run = randomBytes(4).toString('hex');
      const team = '19:bench-storage-team@thread.tacv2';
      const channel = '19:bench-storage-channel@thread.tacv2';
      const organizer = person('bench-storage-organizer');
      const inChannel = (text: string, from = organizer, id?: string): Activity => {
        const a = bot.teams.channelMessage(text, { teamId: team, conversationId: channel, from });
        return id ? { ...a, id } : a;
      };
      const ok = async (a: Activity): Promise<void> => {
        const res = await bot.send(a);
        if (res.status !== 200) throw new Error(`turn answered HTTP ${res.status}`);
      };

      // An agenda with a topic and its card, so that votes, topics and notes have a call.
      const date = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      await ok(inChannel(`call "Storage count" ${date} 16:00 monthly`));
      await ok(inChannel('topic The first topic'));
      bot.connector.reset();
      await ok(inChannel('agenda'));
      const cardId = bot.connector.cards({ conversationId: channel })[0]?.record.activityId;
      const call = await internals.service.currentCall({ tenantId: TENANT, conversationId: channel });
      if (!cardId || !call) throw new Error('the agenda card was not posted');

      // Turn i of a phase: the same people and conversations in the warm-up and the counted
      // phase (steady state: conversations registered, contributors known); fresh activity ids,
      // fresh voters (one vote per person), fresh story and topic texts.
      const turnKinds: Record<string, (i: number, phase: string) => Activity> = {
        baseline: (i, phase) => baselineActivity(bot, `storage-${run}-${phase}`, i),
        capture: (i, phase) => inChannel(`story Fabrikam recruited champion ${i} per shift in ${phase} and usage tripled, run ${run} #bench customer: Customer ${i % 7}`, person(`bench-storage-teller-${i % 5}`), `storage-capture-${run}-${phase}-${i}`),
        vote: (i, phase) => bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1 }, { teamId: team, conversationId: channel, from: person(`bench-storage-voter-${run}-${phase}-${i}`) }, 'channel', cardId),
        topic: (i, phase) => inChannel(`topic Storage topic ${i} of ${phase} in run ${run}`, person(`bench-storage-proposer-${i % 5}`)),
        note: (i, phase) => inChannel(`note 1 remember point ${i} of ${phase} in run ${run}`),
      };

      const perTurn: Record<string, Record<StorageRequestKind | 'total', number>> = {};
      const details: Record<string, string> = {};
      for (const [name, build] of Object.entries(turnKinds)) {
        for (let i = 0; i < TURNS; i++) await ok(build(i, 'warm')); // not counted
        await internals.live.coalescer.settled();
        await counter.settled();
        counter.reset();
        for (let i = 0; i < TURNS; i++) await ok(build(i, 'count'));
        await internals.live.coalescer.settled();
        await counter.settled();
        const snap = counter.snapshot();
        perTurn[name] = Object.fromEntries(Object.entries(snap).map(([k, v]) => [k, v / TURNS])) as Record<StorageRequestKind | 'total', number>;
        details[name] = [...counter.detail].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `${label} ${fmt(n / TURNS, 2)}`).join(', ');
      }
      await bot.close();

      ctx.print(`storage requests per turn (mean of ${TURNS}, concurrency 1, after warm-up):`);
      ctx.print(`   ${'turn'.padEnd(9)} ${'total'.padStart(6)} ${KINDS.map((k) => k.padStart(7)).join('')}`);
      for (const [name, c] of Object.entries(perTurn)) {
        ctx.print(`   ${name.padEnd(9)} ${fmt(c.total, 2).padStart(6)} ${KINDS.map((k) => fmt(c[k], 2).padStart(7)).join('')}`);
      }
      ctx.print('   by table (per turn):');
      for (const [name, d] of Object.entries(details)) ctx.print(`   ${name.padEnd(9)} ${d}`);
      const base = perTurn.baseline!.total;
      const figures: Record<string, number> = {};
      for (const [name, c] of Object.entries(perTurn)) {
        figures[`${name} storage requests/turn`] = c.total;
        if (name !== 'baseline') figures[`${name} storage requests - baseline`] = c.total - base;
      }
      return { figures, goals: {} };
    } finally {
      await counter.stop();
    }
  },
};
