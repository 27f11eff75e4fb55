import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';

/**
 * Universal Actions done fully, over HTTP: the shared agenda card carries `refresh` with the
 * members' ids (up to 60), each person's own view (Teams' automatic refresh) shows their votes,
 * their organizer controls and the notice of their last press; the shared card never carries a
 * notice; an update that changes nothing is not sent; posting the agenda again leaves one live copy.
 */
const clock = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return this.current; } };
type InvokeBody = { statusCode: number; type: string; value: unknown };
type Card = Record<string, unknown> & { refresh?: { action: { verb: string; data: Record<string, unknown> }; userIds?: string[] } };

describe('cards that feel right in Teams: personal views over HTTP', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => bot.connector.reset());

  const say = (text: string, where: Where = {}) => bot.send(bot.teams.channelMessage(text, { from: BOB, ...where }));
  const press = async (verb: string, data: Record<string, unknown>, where: Where, replyToId?: string, trigger: 'manual' | 'automatic' = 'manual'): Promise<InvokeBody> => {
    const activity = bot.teams.cardAction(verb, data, { from: BOB, ...where }, 'channel', replyToId);
    (activity.value as { trigger: string }).trigger = trigger;
    const res = await bot.send(activity);
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  };
  const cardOf = (body: InvokeBody): Card => {
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expectValidCard(body.value);
    return body.value as Card;
  };
  const settle = () => agendaInternals(bot.app.host)!.live.coalescer.settled();

  test('when a member votes, then their own view says so and keeps the notice after the shared update; the shared card has neither', async () => {
    const conv = '19:personal-views@thread.tacv2';
    const here = { conversationId: conv };
    bot.connector.members = [ALICE, BOB, person(3)].map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId }));
    await say('call "Views" 2026-12-10 16:00', { ...here, from: ALICE });
    await say('topic How do champions keep momentum?', here);
    bot.connector.reset();
    await say('agenda', here);
    const posted = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(posted).toHaveLength(1);
    const shared = posted[0]!.card as Card;
    expectValidCard(shared);
    // Refresh: every member gets their own view; no manual Refresh button is needed.
    expect(shared.refresh?.userIds).toEqual([ALICE.id, BOB.id, person(3).id]);
    expect(shared.refresh?.action.verb).toBe('agenda.view');
    expect(cardText(shared)).not.toMatch(/Show my votes|Finalise|You voted/);
    const cardId = posted[0]!.record.activityId;
    const callId = String(shared.refresh!.action.data.callId);

    // Bob votes: his answer marks his vote and carries the notice.
    const voted = cardOf(await press('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, here, cardId));
    expect(cardText(voted)).toContain('Your vote for topic 1 is counted');
    expect(cardText(voted)).toContain('You voted for this');
    expect(cardText(voted)).toContain('Remove my vote');
    expect(cardText(voted)).not.toContain('Finalise');
    await settle();
    const update = bot.connector.updates(conv).filter((u) => u.activityId === cardId).at(-1)!.body.attachments![0]!.content as Card;
    expect(cardText(update)).toContain('1 vote');
    expect(cardText(update)).not.toMatch(/counted|You voted/);

    // Teams refreshes Bob's view after that update: the notice is still there.
    const bobView = cardOf(await press('agenda.view', { callId }, here, cardId, 'automatic'));
    expect(cardText(bobView)).toContain('Your vote for topic 1 is counted');
    expect(cardText(bobView)).toContain('You voted for this');
    // Alice (the organizer) sees the finalising controls and no vote of hers, and no notice.
    const aliceView = cardOf(await press('agenda.view', { callId }, { ...here, from: ALICE }, cardId, 'automatic'));
    expect(cardText(aliceView)).toContain('Finalise agenda');
    expect(cardText(aliceView)).not.toMatch(/You voted|counted/);

    // A refusal stays too: Bob's refused Finalise (forged: he has no button) is in his next view.
    await press('agenda.finalise', { callId, rev: 1, topN: '1' }, here, cardId);
    const afterRefusal = cardOf(await press('agenda.view', { callId }, here, cardId, 'automatic'));
    expect(cardText(afterRefusal)).toContain('only the organizers');

    // Nothing changed for anyone, so the shared card is not sent again.
    bot.connector.reset();
    await press('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, here, cardId);
    await settle();
    expect(bot.connector.updates(conv)).toHaveLength(0);

    // Bob's next action (withdrawing) replaces the remembered notice.
    await press('agenda.vote', { callId, rev: 1, topic: 1, vote: false }, here, cardId);
    const afterWithdraw = cardOf(await press('agenda.view', { callId }, here, cardId, 'automatic'));
    expect(cardText(afterWithdraw)).toContain('withdrawn');
    expect(cardText(afterWithdraw)).not.toContain('You voted for this');
  });

  test('when the conversation has more than 60 members, then the card falls back to a manual refresh', async () => {
    const conv = '19:big-channel@thread.tacv2';
    const here = { conversationId: conv };
    bot.connector.members = Array.from({ length: 61 }, (_, i) => person(`m${i}`)).map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId }));
    await say('call "Big" 2026-12-10 16:00', { ...here, from: ALICE });
    bot.connector.reset();
    await say('agenda', here);
    const shared = bot.connector.cards({ conversationId: conv, method: 'POST' })[0]!.card as Card;
    expectValidCard(shared);
    expect(shared.refresh?.action.verb).toBe('agenda.view');
    expect(shared.refresh?.userIds).toBeUndefined();
    expect(cardText(shared)).toContain('Show my votes');
  });

  test('when the agenda is posted again, then the earlier copy becomes a pointer and only the newest is updated', async () => {
    const conv = '19:one-live-copy@thread.tacv2';
    const here = { conversationId: conv };
    bot.connector.members = [ALICE, BOB].map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId }));
    await say('call "Copies" 2026-12-10 16:00', { ...here, from: ALICE });
    await say('topic First', here);
    bot.connector.reset();
    await say('agenda', here);
    const first = bot.connector.cards({ conversationId: conv, method: 'POST' })[0]!;
    await say('agenda', here);
    const second = bot.connector.cards({ conversationId: conv, method: 'POST' })[1]!;
    const callId = String((second.card as Card).refresh!.action.data.callId);
    const pointer = bot.connector.updates(conv).filter((u) => u.activityId === first.record.activityId).at(-1)!.body.attachments![0]!.content;
    expectValidCard(pointer);
    expect(cardText(pointer)).toContain('posted again further down');
    expect(cardText(pointer)).not.toMatch(/vote/i);

    bot.connector.reset();
    await press('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, here, second.record.activityId);
    await settle();
    const updated = bot.connector.updates(conv);
    expect(updated.map((u) => u.activityId)).toEqual([second.record.activityId]);
    expect(cardText(updated[0]!.body.attachments![0]!.content)).toContain('1 vote');
  });

  test('when "Open the agenda" is pressed on a recap, then the agenda is posted as a new message and the recap stays', async () => {
    const conv = '19:recap-open@thread.tacv2';
    const here = { conversationId: conv };
    await say('call "Monthly" 2026-12-02 16:00 monthly', { ...here, from: ALICE });
    clock.current = new Date('2026-12-02T16:30:00Z');
    await say('note decision: we pilot', here);
    bot.connector.reset();
    await say('call done', { ...here, from: ALICE });
    const recap = bot.connector.cards({ conversationId: conv, method: 'POST' }).at(-1)!;
    const open = JSON.stringify(recap.card).match(/"verb":"agenda\.post","data":\{"verb":"agenda\.post","callId":"([^"]+)"/);
    expect(open).not.toBeNull();
    bot.connector.reset();
    const answer = await press('agenda.post', { callId: open![1] }, here, recap.record.activityId);
    expect(answer.type).toBe('application/vnd.microsoft.activity.message');
    const posted = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(posted).toHaveLength(1);
    expect(cardText(posted[0]!.card)).toContain('CALL AGENDA');
    expect(bot.connector.updates(conv).filter((u) => u.activityId === recap.record.activityId)).toHaveLength(0);
    clock.current = new Date('2026-12-01T09:00:00Z');
  });
});
