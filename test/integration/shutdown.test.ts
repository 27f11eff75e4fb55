import { startTestBot } from '../support/harness';
import { ALICE, BOB, TENANT, person } from '../support/activities';
import { ConnectorStandIn } from '../support/connector';
import { cardText } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';

/**
 * Features are built by factories with stop(): closing the app stops them, so nothing is
 * posted after shutdown. An update still waiting for its 2 s slot carries votes this instance
 * received: the agenda's stop() sends it before the coalescer stops (draining), so the shared
 * card shows every vote and nothing arrives once close() has returned.
 */
describe('shutdown', () => {
  test('when the app closes with a shared-card update waiting, then it is sent before close returns (both votes shown) and nothing after', async () => {
    const connector = await new ConnectorStandIn().start();
    const bot = await startTestBot({ connector });
    try {
      const conv = '19:shutdown@thread.tacv2';
      await bot.send(bot.teams.channelMessage('call "Closing time" 2026-12-10 16:00', { conversationId: conv, from: ALICE }));
      await bot.send(bot.teams.channelMessage('topic Last orders', { conversationId: conv, from: BOB }));
      await agendaInternals(bot.app.host)!.live.coalescer.settled();
      const cardId = connector.cards({ conversationId: conv, method: 'POST' })[0]!.record.activityId;
      const call = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
      connector.reset();
      // The first vote's update goes out at once; the second waits for the 2 s interval.
      await bot.send(bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, from: person('s1') }, 'channel', cardId));
      await bot.send(bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, from: person('s2') }, 'channel', cardId));
      await bot.close();
      const afterClose = connector.updates(conv).length;
      await new Promise((r) => setTimeout(r, 2600));
      expect(connector.updates(conv).length).toBe(afterClose);
      const last = connector.updates(conv).filter((u) => u.activityId === cardId).at(-1);
      expect(cardText(last!.body.attachments![0]!.content)).toContain('Last orders\n2 votes');
    } finally {
      await connector.stop();
    }
  });
});
