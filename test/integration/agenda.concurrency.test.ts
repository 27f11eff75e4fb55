import { startTestBot, uniquePrefix, type TestBot } from '../support/harness';
import { ConnectorStandIn } from '../support/connector';
import { ALICE, BOB, TENANT, person } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { AUTO_CLOSE_JOB, AUTO_FINALISE_JOB } from '../../src/features/agenda/jobs';

/** Votes from many people at once, re-delivered invokes, and two bot instances over one Azurite. */
const clock = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return this.current; } };

async function createCallWithTopic(bot: TestBot, conv: string, title = 'Burst call'): Promise<{ callId: string; cardId: string }> {
  await bot.send(bot.teams.channelMessage(`call "${title}" 2026-12-10 16:00 weekly`, { conversationId: conv, from: ALICE }));
  await bot.send(bot.teams.channelMessage('topic Everyone votes for this', { conversationId: conv, from: BOB }));
  // The topic's update of the first copy goes out first; posting the agenda again retires that copy.
  await agendaInternals(bot.app.host)!.live.coalescer.settled();
  bot.connector.reset();
  await bot.send(bot.teams.channelMessage('agenda', { conversationId: conv, from: BOB }));
  const card = bot.connector.cards({ conversationId: conv, method: 'POST' })[0]!;
  const call = await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv });
  return { callId: call!.callId, cardId: card.record.activityId };
}

describe('call agendas under concurrency', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });

  test('when 200 distinct people vote at the same moment, then exactly 200 votes count, and the shared card ends with 200', async () => {
    const conv = '19:vote-burst@thread.tacv2';
    const { callId, cardId } = await createCallWithTopic(bot, conv);
    const voters = Array.from({ length: 200 }, (_, i) => person(`burst-${i}`));
    const started = Date.now();
    const results = await Promise.all(
      voters.map((p) => bot.send(bot.teams.cardAction('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, from: p }, 'channel', cardId))),
    );
    const burstMs = Date.now() - started;
    expect(results.every((r) => r.status === 200)).toBe(true);
    const { service, live } = agendaInternals(bot.app.host)!;
    expect((await service.agendaView({ tenantId: TENANT, conversationId: conv }, callId)).topics[0]!.votes).toBe(200);

    await live.coalescer.settled();
    const updates = bot.connector.updates(conv).filter((u) => u.activityId === cardId);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(burstMs / 2000) + 1);
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.at - updates[i - 1]!.at).toBeGreaterThanOrEqual(1900);
    const last = updates.at(-1)!.body.attachments![0]!.content;
    expectValidCard(last);
    expect(cardText(last)).toContain('200 votes · proposed by');
    expect(await service.activityBetween(TENANT, conv, new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'))).toEqual({ topics: 1, votes: 200 });
  }, 120_000);

  test('when the same vote invoke is delivered twice, even at once, then it counts once', async () => {
    const conv = '19:vote-redelivery@thread.tacv2';
    const { callId, cardId } = await createCallWithTopic(bot, conv);
    const invoke = bot.teams.cardAction('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, from: person('twice') }, 'channel', cardId);
    await bot.send(invoke);
    await bot.send(invoke);
    const again = bot.teams.cardAction('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, from: person('thrice') }, 'channel', cardId);
    await Promise.all([bot.send(again), bot.send(again), bot.send(again)]);
    const { service } = agendaInternals(bot.app.host)!;
    expect((await service.agendaView({ tenantId: TENANT, conversationId: conv }, callId)).topics[0]!.votes).toBe(2);
  });

  test('when the same person presses vote five times, then one vote counts; vote and remove in sequence end on what they pressed last', async () => {
    const conv = '19:vote-toggle@thread.tacv2';
    const { callId, cardId } = await createCallWithTopic(bot, conv);
    const p = person('toggler');
    const press = (vote: boolean) => bot.send(bot.teams.cardAction('agenda.vote', { callId, rev: 1, topic: 1, vote }, { conversationId: conv, from: p }, 'channel', cardId));
    const { service } = agendaInternals(bot.app.host)!;
    const votes = async () => (await service.agendaView({ tenantId: TENANT, conversationId: conv }, callId)).topics[0]!.votes;
    for (let i = 0; i < 5; i++) await press(true);
    expect(await votes()).toBe(1);
    await press(false);
    await press(false);
    expect(await votes()).toBe(0);
    await Promise.all([press(true), press(true), press(true)]);
    expect(await votes()).toBe(1);
  });
});

describe('automatic finalising with two bot instances', () => {
  test('when two instances run the job past the due time at once, then the agenda is finalised and posted exactly once', async () => {
    const shared = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return this.current; } };
    const connector = await new ConnectorStandIn().start();
    const env = { STORAGE_TABLE_PREFIX: uniquePrefix(), AGENDA_AUTO_FINALISE_HOURS: '24' };
    const one = await startTestBot({ env, deps: { clock: shared }, connector });
    const two = await startTestBot({ env, deps: { clock: shared }, connector });
    try {
      const conv = '19:two-instances@thread.tacv2';
      const { callId } = await createCallWithTopic(one, conv, 'Twice guarded');
      const service = agendaInternals(one.app.host)!.service;
      // Before the due time (start 2026-12-10T15:00Z minus 24 h) nothing happens.
      shared.current = new Date('2026-12-09T14:00:00Z');
      await Promise.all([one.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]), two.app.bot.jobs.runOnce([AUTO_FINALISE_JOB])]);
      expect((await service.currentCall({ tenantId: TENANT, conversationId: conv }))!.status).toBe('open');

      connector.reset();
      shared.current = new Date('2026-12-09T15:00:01Z');
      await Promise.all([one.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]), two.app.bot.jobs.runOnce([AUTO_FINALISE_JOB])]);
      await Promise.all([one.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]), two.app.bot.jobs.runOnce([AUTO_FINALISE_JOB])]);
      const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
      expect(call.callId).toBe(callId);
      expect(call.status).toBe('finalised');
      const posted = connector.cards({ conversationId: conv, method: 'POST' });
      expect(posted).toHaveLength(1);
      expectValidCard(posted[0]!.card);
      // The notice is its own line above the card (the card is everyone's, with no notice).
      expect(connector.texts(conv).join('\n')).toContain('finalised automatically');
      expect(cardText(posted[0]!.card)).toContain('Everyone votes for this');

      // Nobody says `call done`: after the call's end plus the grace period, both instances run
      // the close job at once; one recap is posted and the next weekly occurrence exists once.
      connector.reset();
      shared.current = new Date('2026-12-11T03:59:00Z');
      await Promise.all([one.app.bot.jobs.runOnce([AUTO_CLOSE_JOB]), two.app.bot.jobs.runOnce([AUTO_CLOSE_JOB])]);
      expect(connector.posts(conv)).toHaveLength(0);
      shared.current = new Date('2026-12-11T04:00:01Z');
      await Promise.all([one.app.bot.jobs.runOnce(), two.app.bot.jobs.runOnce()]);
      await Promise.all([one.app.bot.jobs.runOnce(), two.app.bot.jobs.runOnce()]);
      const recaps = connector.cards({ conversationId: conv, method: 'POST' });
      expect(recaps).toHaveLength(1);
      expectValidCard(recaps[0]!.card);
      expect(cardText(recaps[0]!.card)).toContain('Recap: Twice guarded');
      const calls = await service.repo.listCalls({ tenantId: TENANT, conversationId: conv });
      expect(calls.map((c) => [c.occurrence, c.status]).sort()).toEqual([[1, 'ended'], [2, 'open']]);
      const next = calls.find((c) => c.occurrence === 2)!;
      expect(new Date(next.startsAt).toISOString()).toBe('2026-12-17T15:00:00.000Z');
    } finally {
      agendaInternals(one.app.host)?.live.coalescer.stop();
      agendaInternals(two.app.host)?.live.coalescer.stop();
      await one.close();
      await two.close();
      await connector.stop();
    }
  });
});

describe('automatic finalising when Teams fails', () => {
  test('when the post of an automatically finalised agenda fails, then a later pass posts it once, and a pass after that posts nothing', async () => {
    const shared = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return this.current; } };
    const bot = await startTestBot({ env: { AGENDA_AUTO_FINALISE_HOURS: '24' }, deps: { clock: shared } });
    try {
      const conv = '19:finalise-retry@thread.tacv2';
      const { callId } = await createCallWithTopic(bot, conv, 'Retried');
      const { service } = agendaInternals(bot.app.host)!;
      // Teams answers 500 to every post in this conversation (the connector client retries 3 times itself).
      let refused = 0;
      bot.connector.reset();
      bot.connector.respondWith((req) => (req.conversationId === conv && req.method === 'POST' && refused < 100 ? (refused++, { status: 500, body: { error: { code: 'ServiceError', message: 'down' } } }) : undefined));
      shared.current = new Date('2026-12-09T15:00:01Z');
      await bot.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]);
      expect(refused).toBeGreaterThan(0);
      expect((await service.currentCall({ tenantId: TENANT, conversationId: conv }))!.status).toBe('finalised');
      expect(bot.connector.posts(conv)).toHaveLength(0);

      // Teams is back. Within the retry delay nothing is tried again; after it, the final agenda is posted.
      bot.connector.reset();
      shared.current = new Date('2026-12-09T15:00:05Z');
      await bot.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]);
      expect(bot.connector.posts(conv)).toHaveLength(0);
      shared.current = new Date('2026-12-09T15:05:00Z');
      await bot.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]);
      const posted = bot.connector.cards({ conversationId: conv, method: 'POST' });
      expect(posted).toHaveLength(1);
      expect(bot.connector.texts(conv).join('\n')).toContain('finalised automatically');
      const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
      expect(call.callId).toBe(callId);
      shared.current = new Date('2026-12-09T16:00:00Z');
      await bot.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]);
      expect(bot.connector.cards({ conversationId: conv, method: 'POST' })).toHaveLength(1);
    } finally {
      agendaInternals(bot.app.host)?.live.coalescer.stop();
      await bot.close();
    }
  }, 60_000);
});
