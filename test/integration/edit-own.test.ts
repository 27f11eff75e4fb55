import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, TENANT, person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { agendaStrings as s } from '../../src/features/agenda/strings';

/**
 * Edit and delete your own (issue 14, part 5), over HTTP against Azurite: topics by their
 * proposer (or an organizer) while the agenda is open, typed and on the card; notes shown as
 * edited on the running note and in the recap.
 */
const clock = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return this.current; } };
type InvokeBody = { statusCode?: number; type?: string; value?: unknown };
const CAROL = person('carol', 'Carol Proposer');

describe('editing and deleting your own topics and notes', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => bot.connector.reset());

  const service = () => agendaInternals(bot.app.host)!.service;
  const say = async (text: string, where: Where): Promise<string> => {
    bot.connector.reset();
    await bot.send(bot.teams.channelMessage(text, where));
    return bot.connector.texts(where.conversationId).join('\n');
  };
  const press = async (verb: string, data: Record<string, unknown>, where: Where): Promise<InvokeBody> => {
    const res = await bot.send(bot.teams.cardAction(verb, data, where));
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  };
  const cardOf = (body: InvokeBody): Record<string, unknown> => {
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expectValidCard(body.value);
    return body.value as Record<string, unknown>;
  };
  const titles = async (conv: string, callId: string) => (await service().repo.listTopics({ tenantId: TENANT, conversationId: conv }, callId)).map((t) => [t.number, t.title]);
  /** Two topics: 1 by Carol (with Bob's vote), 2 by Bob. Alice organizes. */
  async function setUp(conv: string): Promise<{ callId: string; rev: number; carol: Where; bob: Where; alice: Where }> {
    const carol = { conversationId: conv, from: CAROL };
    const bob = { conversationId: conv, from: BOB };
    const alice = { conversationId: conv, from: ALICE };
    await say('call "Edits" 2026-12-10 16:00', alice);
    await say('topic How do champions keep momentum?', carol);
    await say('topic Tooling wishlist', bob);
    const call = (await service().currentCall({ tenantId: TENANT, conversationId: conv }))!;
    await press('agenda.vote', { callId: call.callId, rev: call.rev, topic: 1, vote: true }, bob);
    return { callId: call.callId, rev: call.rev, carol, bob, alice };
  }

  test('when the proposer edits their topic by typing, then it shows "(edited)", keeps its number and votes; the same text again changes nothing', async () => {
    const conv = '19:edit-typed@thread.tacv2';
    const { callId, carol, bob } = await setUp(conv);
    expect(await say('topic edit 1 How do champions keep their momentum after launch?', carol)).toBe(s.topicEdited(1, 'How do champions keep their momentum after launch?'));
    expect(await titles(conv, callId)).toEqual([[1, 'How do champions keep their momentum after launch?'], [2, 'Tooling wishlist']]);
    const view = await service().agendaView({ tenantId: TENANT, conversationId: conv }, callId);
    expect(view.topics.find((t) => t.number === 1)!.votes).toBe(1);
    await say('agenda', bob);
    const card = bot.connector.cards({ conversationId: conv, method: 'POST' }).at(-1)!.card;
    expect(cardText(card)).toContain('after launch? (edited)');
    expect(cardText(card)).not.toContain('Tooling wishlist (edited)');
    expect(await say('topic edit 1 How do champions keep their momentum after launch?', carol)).toBe(s.topicUnchanged(1));
  });

  test('when someone else, an unknown number, empty, oversized or duplicate text is typed, then they are told and nothing changes; an organizer may edit', async () => {
    const conv = '19:edit-refusals@thread.tacv2';
    const { callId, carol, bob, alice } = await setUp(conv);
    const before = await titles(conv, callId);
    expect(await say('topic edit 1 Mine now', bob)).toBe(s.topicNotYours(1));
    expect(await say('topic delete 1', bob)).toBe(s.topicNotYours(1));
    expect(await say('topic edit 9 Nowhere', carol)).toBe(s.topicNotFound(9));
    expect(await say('topic delete 9', carol)).toBe(s.topicNotFound(9));
    expect(await say('topic edit 1', carol)).toBe(s.topicEditHow);
    expect(await say('topic edit', carol)).toBe(s.topicEditHow);
    expect(await say(`topic edit 1 ${'x'.repeat(301)}`, carol)).toBe(s.topicTooLong(300));
    expect(await say('topic edit 1 tooling WISHLIST', carol)).toBe(s.topicDuplicate(2));
    expect(await titles(conv, callId)).toEqual(before);
    // "edit" without a number is an ordinary topic.
    expect(await say('topic edit the onboarding checklist', carol)).toContain('Added topic 3');
    // An organizer may tidy anyone's topic.
    expect(await say('topic edit 2 Tooling wishlist for 2027', alice)).toBe(s.topicEdited(2, 'Tooling wishlist for 2027'));
  });

  test('when the proposer deletes their topic, then it and its votes are gone; deleting again says so', async () => {
    const conv = '19:delete-typed@thread.tacv2';
    const { callId, carol } = await setUp(conv);
    expect(await say('topic delete 1', carol)).toBe(s.topicDeleted(1, 1));
    expect(await titles(conv, callId)).toEqual([[2, 'Tooling wishlist']]);
    expect(await service().repo.getVote({ tenantId: TENANT, conversationId: conv }, callId, 1, BOB.aadObjectId)).toBeUndefined();
    expect(await say('topic delete 1', carol)).toBe(s.topicNotFound(1));
    // Numbers are not reused: the next topic is 3.
    expect(await say('topic Community awards', carol)).toContain('Added topic 3');
  });

  test('when a topic is deleted, then stats no longer count it as proposed, and the digest no longer counts it or its votes', async () => {
    const conv = '19:edit-counted@thread.tacv2';
    const { carol, bob, alice } = await setUp(conv);
    const figures = async (): Promise<{ stats: string; digest: string }> => {
      // The digest counts what happened before its time.
      clock.current = new Date(clock.current.getTime() + 60_000);
      await say('stats 7d', alice);
      const stats = cardText(bot.connector.cards({ conversationId: conv }).at(-1)!.card);
      await say('digest preview', alice);
      const digest = cardText(bot.connector.cards({ conversationId: conv }).at(-1)!.card);
      return { stats, digest };
    };
    // Stats are per team (this file's channels share one), so they are compared before and after.
    const proposed = (stats: string): number => Number(/Topics proposed\s*(\d+)/.exec(stats)?.[1]);
    const before = await figures();
    expect(proposed(before.stats)).toBeGreaterThanOrEqual(2);
    expect(before.digest).toMatch(/\b2 topics\b/);
    expect(before.digest).toMatch(/\b1 votes?\b/);
    expect(await say('topic delete 2', bob)).toBe(s.topicDeleted(2, 0));
    // Carol's topic with Bob's vote, from the card.
    const call = (await service().currentCall({ tenantId: TENANT, conversationId: conv }))!;
    cardOf(await press('agenda.topicDelete', { callId: call.callId, rev: call.rev, n: 1 }, carol));
    const after = await figures();
    expect(proposed(after.stats)).toBe(proposed(before.stats) - 2);
    expect(after.digest).toMatch(/\b0 topics\b/);
    expect(after.digest).toMatch(/\b0 votes\b/);
    // Bob and Carol took part that day all the same.
    expect(after.stats).not.toMatch(/People taking part\s*0\b/);
  });

  test('when the agenda is final, then topics can no longer be edited or deleted', async () => {
    const conv = '19:edit-final@thread.tacv2';
    const { callId, rev, carol, alice } = await setUp(conv);
    await press('agenda.finalise', { callId, rev, topN: '2' }, alice);
    expect(await say('topic edit 1 Too late', carol)).toBe(s.topicsFinal);
    expect(await say('topic delete 1', carol)).toBe(s.topicsFinal);
    expect(cardText(cardOf(await press('agenda.topicDelete', { callId, rev, n: 1 }, carol)))).toContain(s.topicsFinal);
    expect((await titles(conv, callId))[0]).toEqual([1, 'How do champions keep momentum?']);
  });

  test('when the agenda card is seen by the proposer, then only their own topics offer Edit and Delete; pressing them works, forged presses are refused', async () => {
    const conv = '19:edit-card@thread.tacv2';
    const { callId, rev, carol, bob } = await setUp(conv);
    const carolView = cardOf(await press('agenda.view', { callId }, carol));
    const json = JSON.stringify(carolView);
    expect(json).toContain('"verb":"agenda.topicEdit","callId":"' + callId + '","rev":' + rev + ',"n":1');
    expect(json).not.toContain('"n":2');
    // The shared card (no viewer) has none.
    await say('agenda', bob);
    expect(JSON.stringify(bot.connector.cards({ conversationId: conv, method: 'POST' }).at(-1)!.card)).not.toContain('agenda.topicEdit');

    // Save from the Edit box: the box is the input `edit1`; the propose box (`topic`) rides along and changes nothing.
    const saved = cardOf(await press('agenda.topicEdit', { callId, rev, n: 1, edit1: 'Champions after launch', topic: '' }, carol));
    expect(cardText(saved)).toContain('Champions after launch (edited)');
    // Bob forging a press on Carol's topic: refused on his card, nothing changed.
    const forged = cardOf(await press('agenda.topicEdit', { callId, rev, n: 1, edit1: 'Hijacked' }, bob));
    expect(cardText(forged)).toContain(s.topicNotYours(1));
    expect(cardText(cardOf(await press('agenda.topicDelete', { callId, rev, n: 1 }, bob)))).toContain(s.topicNotYours(1));
    expect((await titles(conv, callId))[0]).toEqual([1, 'Champions after launch']);
    // Data the bot never sent: a 400, nothing changed.
    expect((await bot.send(bot.teams.cardAction('agenda.topicDelete', { callId, rev, n: 'one' }, carol))).status).toBe(400);
    expect((await bot.send(bot.teams.cardAction('agenda.topicEdit', { callId, rev }, carol))).status).toBe(400);
    // An empty or oversized box.
    expect(cardText(cardOf(await press('agenda.topicEdit', { callId, rev, n: 1, edit1: '   ' }, carol)))).toContain(s.topicEditEmptyOnCard);
    expect(cardText(cardOf(await press('agenda.topicEdit', { callId, rev, n: 1, edit1: 'y'.repeat(400) }, carol)))).toContain(s.topicTooLong(300));
    // Delete from the card.
    const deleted = cardOf(await press('agenda.topicDelete', { callId, rev, n: 1 }, carol));
    expect(cardText(deleted)).toContain(s.topicDeleted(1, 1));
    expect(cardText(deleted)).not.toContain('Champions after launch');
  });

  test('when an author edits a note, then the running note and the recap show it as edited', async () => {
    const conv = '19:note-edited@thread.tacv2';
    const alice = { conversationId: conv, from: ALICE };
    await say('call "Notes" 2026-12-10 16:00', alice);
    const call = (await service().currentCall({ tenantId: TENANT, conversationId: conv }))!;
    await press('call.note', { callId: call.callId, topic: '0', text: 'first draft', kind: 'note' }, alice);
    await press('call.note', { callId: call.callId, topic: '0', text: 'left alone', kind: 'note' }, alice);
    const mine = cardOf(await press('call.mine', { callId: call.callId }, alice));
    const nodes: Record<string, unknown>[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n && typeof n === 'object') {
        nodes.push(n as Record<string, unknown>);
        Object.values(n).forEach(walk);
      }
    };
    walk(mine);
    const input = String(nodes.find((n) => n.type === 'Input.Text' && n.value === 'first draft')!.id);
    const target = nodes.find((n) => n.type === 'Action.Execute' && (n.data as { verb?: string; input?: string } | undefined)?.verb === 'call.noteEdit' && (n.data as { input?: string }).input === input)!.data as Record<string, unknown>;
    cardOf(await press('call.noteEdit', { ...target, [input]: 'final wording' }, alice));
    const notes = await service().repo.listNotes({ tenantId: TENANT, conversationId: conv }, call.callId);
    const edited = notes.find((n) => n.text === 'final wording');
    expect(edited).toBeDefined();
    bot.connector.reset();
    await press('call.start', { callId: call.callId }, alice);
    const running = bot.connector.cards({ conversationId: conv }).map((c) => cardText(c.card)).find((t) => t.includes('final wording'));
    expect(running).toContain('final wording (edited)');
    expect(running).not.toContain('left alone (edited)');
    const today = clock.current;
    clock.current = new Date('2026-12-10T16:05:00Z');
    await say('call done', alice);
    clock.current = today;
    const recapCard = bot.connector.cards({ conversationId: conv }).map((c) => cardText(c.card)).find((t) => t.includes('Recap'));
    expect(recapCard).toContain('final wording (edited)');
    expect(recapCard).not.toContain('left alone (edited)');
  });
});
