import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';

/** Flows that forgive, over HTTP: confirmations, duplicates, near-duplicates, typos. */
const clock = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return this.current; } };
type InvokeBody = { statusCode: number; type: string; value: unknown };

describe('flows that forgive', () => {
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
  const texts = (conv: string) => bot.connector.texts(conv).join('\n');
  const press = async (verb: string, data: Record<string, unknown>, where: Where, replyToId?: string): Promise<InvokeBody> => {
    const res = await bot.send(bot.teams.cardAction(verb, data, { from: BOB, ...where }, 'channel', replyToId));
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  };
  const service = () => agendaInternals(bot.app.host)!.service;

  test('when "call done" comes before the call starts, then it asks to confirm, and only the confirmation ends it', async () => {
    const conv = '19:flow-done-early@thread.tacv2';
    const here = { conversationId: conv };
    await say('call "Early" 2026-12-10 16:00', { ...here, from: ALICE });
    bot.connector.reset();
    await say('call done', { ...here, from: ALICE });
    const [question] = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expectValidCard(question!.card);
    expect(cardText(question!.card)).toContain('End it now and post its recap?');
    expect((await service().currentCall({ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', conversationId: conv }))!.status).toBe('open');
    const callId = /"verb":"agenda\.endConfirm","callId":"([^"]+)"/.exec(JSON.stringify(question!.card))![1]!;
    // A member who is not an organizer cannot confirm.
    const refused = await press('agenda.endConfirm', { callId }, here, question!.record.activityId);
    expect(JSON.stringify(refused)).toContain('only the organizers');
    bot.connector.reset();
    const done = await press('agenda.endConfirm', { callId }, { ...here, from: ALICE }, question!.record.activityId);
    expect(cardText(done.value)).toContain('Ended early by Alice Organizer');
    expect(bot.connector.cards({ conversationId: conv, method: 'POST' }).some((c) => cardText(c.card).includes('Recap: Early'))).toBe(true);
  });

  test('when the same call (title and moment) is created twice, then the second is refused with a pointer', async () => {
    const conv = '19:flow-twin@thread.tacv2';
    const here = { conversationId: conv, from: ALICE };
    await say('call "Twin" 2026-12-10 16:00', here);
    bot.connector.reset();
    await say('call "twin" 2026-12-10 16:00', here);
    expect(texts(conv)).toContain('There is already a call "Twin"');
    expect(bot.connector.cards({ conversationId: conv, method: 'POST' })).toHaveLength(0);
    // Another moment is another call.
    await say('call "Twin" 2026-12-17 16:00', here);
    expect(bot.connector.cards({ conversationId: conv, method: 'POST' })).toHaveLength(1);
  });

  test('when a topic means the same as one on the agenda, then voting for it is offered; "add mine anyway" still adds it', async () => {
    const conv = '19:flow-near-dup@thread.tacv2';
    const here = { conversationId: conv };
    await say('call "Near" 2026-12-10 16:00', { ...here, from: ALICE });
    await say('topic How do our champions keep their momentum?', here);
    bot.connector.reset();
    await say('topic How do champions keep momentum?', { ...here, from: ALICE });
    const [offer] = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expectValidCard(offer!.card);
    expect(cardText(offer!.card)).toContain('That sounds like topic 1');
    expect(cardText(offer!.card)).toContain('Vote for topic 1');
    const json = JSON.stringify(offer!.card);
    const callId = /"callId":"([^"]+)"/.exec(json)![1]!;
    // Merging: the vote counts for the existing topic.
    await press('agenda.vote', { callId, rev: 1, topic: 1, vote: true }, { ...here, from: ALICE }, offer!.record.activityId);
    const view = await service().agendaView({ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', conversationId: conv }, callId);
    expect(view.topics.map((t) => [t.number, t.votes])).toEqual([[1, 1]]);
    // On the card, the near-duplicate is refused with the same offer in words.
    const onCard = await press('agenda.propose', { callId, rev: 1, topic: 'How do champions keep momentum?' }, here);
    expect(cardText(onCard.value)).toContain('sounds like topic 1');
    // "Add mine anyway" adds it.
    await press('agenda.propose', { callId, rev: 1, topic: 'How do champions keep momentum?', anyway: true }, here, offer!.record.activityId);
    expect((await service().agendaView({ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', conversationId: conv }, callId)).topics).toHaveLength(2);
  });

  test('when a command is mistyped, then the closest one is suggested', async () => {
    await say('topc Adoption');
    expect(bot.connector.texts().at(-1)).toContain('Did you mean **topic**?');
    await say('storeis #onboarding');
    expect(bot.connector.texts().at(-1)).toContain('Did you mean **stories**?');
    await say('banana');
    expect(bot.connector.texts().at(-1)).not.toContain('Did you mean');
  });
});
