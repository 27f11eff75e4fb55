import { startTestBot, storageConnectionString, type TestBot } from '../support/harness';
import { ALICE, BOB, TENANT, person } from '../support/activities';
import { StorageProxy } from '../support/storageProxy';
import { agendaInternals } from '../../src/features/agenda/routes';
import { agendaStrings } from '../../src/features/agenda/strings';
import { AGENDA_TABLES } from '../../src/features/agenda/repo';
import { coreStrings } from '../../src/teams/strings';
import { key } from '../../src/store/keys';

/**
 * Votes pressed while storage fails, over HTTP, against the real Azurite behind a proxy that
 * stages the outage (writes applied with their answer lost, writes that never arrive, or
 * nothing reachable at all). What each person is told must be true, and pressing again as the
 * answer advises must end with every intended vote counted exactly once.
 */
jest.setTimeout(120_000);

type Body = { statusCode?: number; type?: string; value?: unknown };
const NOTHING_SAVED = /nothing was saved/;
const MAYBE_SAVED = /may not have been saved/;
const SHOWING_TRUTH = coreStrings.cardFailedShowingTruth('x').split(' (ref')[0]!;

describe('votes during a storage outage', () => {
  let proxy: StorageProxy;
  let bot: TestBot;
  const conv = '19:outage-votes@thread.tacv2';
  let callId = '';
  let cardId = '';

  beforeAll(async () => {
    const upstream = /TableEndpoint=(http:\/\/[^;]+)/.exec(storageConnectionString())![1]!;
    // The de-duplication claim is spared, so that every press reaches the vote itself.
    proxy = await new StorageProxy(new URL(upstream), /processed/).start();
    bot = await startTestBot({ env: { STORAGE_CONNECTION_STRING: proxy.rewrite(storageConnectionString()) } });
    await bot.send(bot.teams.channelMessage('call "Outage call" 2026-12-10 16:00', { conversationId: conv, from: ALICE }));
    await bot.send(bot.teams.channelMessage('topic Storage outages', { conversationId: conv, from: BOB }));
    bot.connector.reset();
    await bot.send(bot.teams.channelMessage('agenda', { conversationId: conv, from: BOB }));
    cardId = bot.connector.cards({ conversationId: conv })[0]!.record.activityId;
    callId = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv }))!.callId;
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
    await proxy.stop();
  });

  const press = (who: ReturnType<typeof person>) =>
    bot.send(bot.teams.cardAction('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, from: who }, 'channel', cardId));
  const hasVote = async (who: ReturnType<typeof person>): Promise<boolean> => {
    const table = bot.app.store.table(AGENDA_TABLES.votes);
    try {
      await table.getEntity(key(TENANT, conv, callId), key('0001', who.aadObjectId));
      return true;
    } catch {
      return false;
    }
  };
  /** What the answer tells the person, and whether it shows their vote as counted. */
  const read = (body: Body): { text: string; showsMyVote?: boolean } => {
    if (body.type === 'application/vnd.microsoft.card.adaptive') {
      const json = JSON.stringify(body.value);
      return { text: json, showsMyVote: json.includes(agendaStrings.cardUnvote) };
    }
    return { text: typeof body.value === 'string' ? body.value : JSON.stringify(body) };
  };

  test('when votes are pressed during the outage and pressed again as the answer advises, then every apology was true and every vote counts once', async () => {
    const writesFailing = Array.from({ length: 8 }, (_, i) => person(`outage-w${i}`));
    const cutMidTurn = Array.from({ length: 3 }, (_, i) => person(`outage-m${i}`));
    const allDown = Array.from({ length: 4 }, (_, i) => person(`outage-d${i}`));
    const everyone = [...writesFailing, ...cutMidTurn, ...allDown];

    proxy.mode = 'writes-failing';
    const during = await Promise.all(writesFailing.map(async (who) => ({ who, res: await press(who) })));
    // The outage begins at a vote's own write (a write left over from the phase before, written
    // beside an earlier reply, must not be the one that begins it).
    proxy.cutAt = new RegExp(AGENDA_TABLES.votes);
    proxy.mode = 'cut-after-write';
    const midTurn = await Promise.all(cutMidTurn.map(async (who) => ({ who, res: await press(who) })));
    proxy.mode = 'down';
    const down = await Promise.all(allDown.map(async (who) => ({ who, res: await press(who) })));
    proxy.mode = 'up';
    expect(proxy.appliedButLost).toBeGreaterThan(0);

    const retry: typeof writesFailing = [];
    let savedButUnsure = 0;
    for (const { who, res } of [...during, ...midTurn, ...down]) {
      expect(res.status).toBeLessThan(500);
      const answer = read(res.body as Body);
      const saved = await hasVote(who);
      if (process.env.OUTAGE_DEBUG) process.stdout.write(`${who.id} saved=${saved} card=${String(answer.showsMyVote)} ${answer.text.slice(0, 90)}\n`);
      if (answer.showsMyVote !== undefined) {
        // A card after a failure is read again from storage: it shows the truth, and says so.
        expect(answer.text).toContain(SHOWING_TRUTH);
        expect(answer.showsMyVote).toBe(saved);
        if (!answer.showsMyVote) retry.push(who);
      } else if (NOTHING_SAVED.test(answer.text)) {
        // "Nothing was saved" only when it is true.
        expect(saved).toBe(false);
        retry.push(who);
      } else {
        expect(answer.text).toMatch(MAYBE_SAVED);
        if (saved) savedButUnsure++;
        retry.push(who);
      }
    }
    // The case that used to be answered "nothing was saved": the vote was saved, the card could not be read.
    expect(savedButUnsure).toBeGreaterThan(0);
    // Storage unreachable: nothing reached it, and the person is told exactly that.
    for (const { res } of down) expect(read(res.body as Body).text).toMatch(NOTHING_SAVED);

    // Pressed again as advised, and once more by the impatient: set-state, so nothing is undone.
    for (const who of retry) expect((await press(who)).status).toBe(200);
    await Promise.all(everyone.map((who) => press(who)));

    const view = await agendaInternals(bot.app.host)!.service.agendaView({ tenantId: TENANT, conversationId: conv }, callId);
    expect(view.topics[0]!.votes).toBe(everyone.length);
    for (const who of everyone) expect(await hasVote(who)).toBe(true);
  });
});
