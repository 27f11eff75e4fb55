import { startTestBot, uniquePrefix, type TestBot } from '../support/harness';
import { ConnectorStandIn } from '../support/connector';
import { ALICE, BOB, TENANT, person } from '../support/activities';
import { cardText } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { callInternals } from '../../src/features/call/routes';

/**
 * The call's running-note card with two bot instances on one Azurite (the same tables, one
 * connector): notes arriving at both are paced together through the shared update slots, so the
 * card is updated at most once per 2 s in total, and the last update shows every note.
 */
const clockAt = (iso: string) => ({ current: new Date(iso), now(): Date { return this.current; } });

describe('the running note across instances', () => {
  const connector = new ConnectorStandIn();
  let bots: TestBot[] = [];

  beforeAll(async () => {
    await connector.start();
    const clock = clockAt('2026-12-01T09:00:00Z');
    const env = { STORAGE_TABLE_PREFIX: uniquePrefix(), INSTANCE_LEASE_SECONDS: '6' };
    bots = [await startTestBot({ env, connector, deps: { clock } }), await startTestBot({ env, connector, deps: { clock } })];
  });
  afterAll(async () => {
    for (const b of bots) await b.close();
    await connector.stop();
  });

  test('when 30 people add notes through two instances at once, then the card is updated at most once per 2 s in total and the last update shows all 30', async () => {
    const [a, b] = bots as [TestBot, TestBot];
    const conv = '19:note-two-instances@thread.tacv2';
    const crowd = Array.from({ length: 30 }, (_, i) => person(`two-${i}`));
    connector.members = [ALICE, BOB, ...crowd].map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId }));
    expect((await a.send(a.teams.channelMessage('call "Power Hour" 2026-12-10 16:00 weekly', { conversationId: conv, from: ALICE }))).status).toBe(200);
    const call = (await agendaInternals(a.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    expect((await a.send(a.teams.cardAction('call.start', { callId: call.callId }, { conversationId: conv, from: ALICE }, 'channel'))).status).toBe(200);
    const noteCard = connector.cards({ conversationId: conv, method: 'POST' }).filter((c) => cardText(c.card).includes('Running note:'))[0]!.record.activityId;

    const started = Date.now();
    const statuses = await Promise.all(
      crowd.map(async (p, i) => {
        const via = i % 2 === 0 ? a : b;
        return (await via.send(via.teams.cardAction('call.note', { callId: call.callId, topic: '0', text: `shared note ${i}`, kind: 'note' }, { conversationId: conv, from: p }, 'channel', noteCard))).status;
      }),
    );
    const burstMs = Date.now() - started;
    expect(statuses.every((s) => s === 200)).toBe(true);
    await Promise.all(bots.map((x) => callInternals(x.app.host)!.cards.coalescer.settled()));

    const updates = connector.updates(conv).filter((u) => u.activityId === noteCard);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.at - updates[i - 1]!.at).toBeGreaterThanOrEqual(1900);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 2000) + 1);
    const last = cardText(updates.at(-1)!.body.attachments![0]!.content);
    for (let i = 0; i < 30; i++) expect(last).toContain(`shared note ${i} `);
    expect(burstMs).toBeGreaterThan(0);
  }, 90_000);
});
