import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, CHANNEL, GROUP_CHAT, TENANT, TEAM, person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import type { AgendaService } from '../../src/features/agenda/service';

/** The whole life of a call over HTTP: create, propose, vote, finalise, notes, recap, carry-over. */
const clock = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return this.current; } };

type InvokeBody = { statusCode: number; type: string; value: unknown };

describe('call agendas over HTTP', () => {
  let bot: TestBot;
  let service: AgendaService;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    service = agendaInternals(bot.app.host)!.service;
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => bot.connector.reset());

  const say = (text: string, where: Where = {}, mentions: typeof ALICE[] = []) => bot.send(bot.teams.channelMessage(text, { from: BOB, ...where }, mentions));
  const lastText = (conversationId = CHANNEL) => bot.connector.texts(conversationId).at(-1) ?? '';
  const press = async (verb: string, data: Record<string, unknown>, where: Where = {}, replyToId?: string): Promise<InvokeBody> => {
    const res = await bot.send(bot.teams.cardAction(verb, data, { from: BOB, ...where }, 'channel', replyToId));
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  };
  const cardOf = (body: InvokeBody): Record<string, unknown> => {
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expectValidCard(body.value);
    return body.value as Record<string, unknown>;
  };

  test('the lifecycle: create, propose, vote, finalise, take notes, close, recap and carry over', async () => {
    const conv = '19:lifecycle@thread.tacv2';
    const here = { conversationId: conv };
    // Create with the text shortcut: the creator becomes an organizer, the live card is posted.
    await say('call "KM Power Hour" 2026-12-10 16:00 monthly', { ...here, from: ALICE, timezone: 'Europe/Amsterdam' });
    const created = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(created).toHaveLength(1);
    expectValidCard(created[0]!.card);
    expect(cardText(created[0]!.card)).toContain('KM Power Hour');
    const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    expect(new Date(call.startsAt).toISOString()).toBe('2026-12-10T15:00:00.000Z');
    expect(await service.isOrganizer({ tenantId: TENANT, spaceId: TEAM }, ALICE.aadObjectId)).toBe(true);

    // Topics, and a near-duplicate pointed to the existing one.
    for (const [i, t] of ['How do we measure adoption?', 'Pilot in Q1', 'Tooling wishlist', 'Community awards'].entries()) {
      await say(`topic ${t}`, { ...here, from: person(i) });
      expect(lastText(conv)).toContain(`topic ${i + 1}`);
    }
    await say('topic   how do we MEASURE adoption!!', { ...here, from: person(9) });
    expect(lastText(conv)).toMatch(/already on the agenda as topic 1/);

    // The agenda card, then votes pressed on it.
    bot.connector.reset();
    await say('agenda', here);
    const posted = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(posted).toHaveLength(1);
    expectValidCard(posted[0]!.card);
    const cardId = posted[0]!.record.activityId;
    const vote = (who: number, topic: number, intent = true) => press('agenda.vote', { callId: call.callId, rev: 1, topic, vote: intent }, { ...here, from: person(who) }, cardId);
    for (const who of [1, 2, 3]) expect(cardText(cardOf(await vote(who, 2)))).toContain('Your vote for topic 2 is counted');
    await vote(4, 3);
    await vote(5, 3);
    // Pressing Vote again keeps the vote (a retry never undoes it); the person's card offers to remove it.
    expect(cardText(cardOf(await vote(5, 3)))).toContain('Remove my vote');
    expect(cardText(cardOf(await vote(5, 3, false)))).toContain('withdrawn');
    // An older card's toggle (no intent) changes nothing and shows the truth.
    const legacy = cardOf(await press('agenda.vote', { callId: call.callId, rev: 1, topic: 2 }, { ...here, from: person(1) }, cardId));
    expect(cardText(legacy)).toContain('older card');
    const view = await service.agendaView({ tenantId: TENANT, conversationId: conv }, call.callId);
    expect(view.topics.map((t) => [t.number, t.votes])).toEqual([[2, 3], [3, 1], [1, 0], [4, 0]]);

    // The shared card is updated for everyone, and its last update has the exact counts.
    await agendaInternals(bot.app.host)!.live.coalescer.settled();
    const updates = bot.connector.updates(conv).filter((u) => u.activityId === cardId);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(4);
    const lastShared = updates.at(-1)!.body.attachments![0]!.content;
    expectValidCard(lastShared);
    expect(cardText(lastShared)).toContain('3 votes · proposed by');
    expect(cardText(lastShared)).toContain('1 vote · proposed by');
    // The shared card is everyone's: no notice, no personal marks, no organizer controls.
    expect(cardText(lastShared)).not.toMatch(/counted|withdrawn|You voted|Remove my vote|Finalise/);

    // A non-organizer cannot finalise; an organizer can, with N chosen on the card.
    const refused = cardOf(await press('agenda.finalise', { callId: call.callId, rev: 1, topN: '2' }, here, cardId));
    expect(cardText(refused)).toContain('only the organizers');
    expect((await service.currentCall({ tenantId: TENANT, conversationId: conv }))!.status).toBe('open');
    const final = cardOf(await press('agenda.finalise', { callId: call.callId, rev: 1, topN: '2' }, { ...here, from: ALICE }, cardId));
    expect(cardText(final)).toContain('Final agenda');
    expect(cardText(final)).toContain('30 min');
    const finalised = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    expect(finalised.status).toBe('finalised');
    expect(JSON.parse(finalised.finalJson!).map((f: { number: number }) => f.number)).toEqual([2, 3]);

    // Votes and topics on a final agenda are refused, and nothing changes.
    const late = cardOf(await vote(7, 1));
    expect(cardText(late)).toContain('agenda is final');
    expect(cardText(late)).not.toContain('Vote / unvote');
    // The shared card it was pressed on ends in the true (final) state for everyone.
    await agendaInternals(bot.app.host)!.live.coalescer.settled();
    const sharedNow = bot.connector.updates(conv).filter((u) => u.activityId === cardId).at(-1)!.body.attachments![0]!.content;
    expect(cardText(sharedNow)).toContain('Final agenda');
    expect(cardText(sharedNow)).not.toContain('Vote / unvote');
    await say('topic Something new', here);
    expect(lastText(conv)).toMatch(/no open call/);
    expect((await service.agendaView({ tenantId: TENANT, conversationId: conv }, call.callId)).topics.find((t) => t.number === 1)!.votes).toBe(0);

    // Running notes.
    await say('note Welcome, and thanks for joining', { ...here, from: ALICE });
    expect(lastText(conv)).toBe('Note added.');
    await say('note 2 decision: we run the pilot in Q1', { ...here, from: ALICE });
    expect(lastText(conv)).toBe('Decision added to topic 2.');
    await say('note 2 action: Bob drafts the pilot plan', here);
    await say('note 9 this topic does not exist', here);
    expect(lastText(conv)).toMatch(/no topic 9/);

    // Closing: organizers only; the recap lists what happened; what was not reached carries over.
    clock.current = new Date('2026-12-10T16:05:00Z');
    await say('call done', here);
    expect(lastText(conv)).toMatch(/only the organizers/);
    bot.connector.reset();
    await say('call done', { ...here, from: ALICE });
    const recap = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(recap).toHaveLength(1);
    expectValidCard(recap[0]!.card);
    const recapText = cardText(recap[0]!.card);
    expect(recapText).toContain('we run the pilot in Q1');
    expect(recapText).toContain('Bob drafts the pilot plan');
    expect(recapText).toContain('Welcome, and thanks for joining');
    expect(recapText).toContain('Carried over to the next call');
    expect(recapText).toContain('How do we measure adoption?');

    // The ended call's card refuses votes and proposals, showing its true state.
    const ended = cardOf(await press('agenda.vote', { callId: call.callId, rev: 2, topic: 1, vote: true }, here, cardId));
    expect(cardText(ended)).toContain('This call has ended');
    expect(cardText(cardOf(await press('agenda.propose', { callId: call.callId, rev: 3, topic: 'Late idea' }, here, cardId)))).toContain('This call has ended');
    const next = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    expect(next.occurrence).toBe(2);
    expect(new Date(next.startsAt).toISOString()).toBe('2027-01-14T15:00:00.000Z'); // 2nd Thursday of January
    const carried = await service.agendaView({ tenantId: TENANT, conversationId: conv }, next.callId);
    expect(carried.topics.map((t) => t.title).sort()).toEqual(['Community awards', 'How do we measure adoption?', 'Tooling wishlist']);
    expect(carried.topics.every((t) => t.carriedOver && t.votes === 0)).toBe(true);
    await say('agenda', here);
    expect(cardText(bot.connector.cards({ conversationId: conv, method: 'POST' }).at(-1)!.card)).toContain('carried over');

    // A second `call done` closes the next occurrence, not the ended one; the old recap stays findable.
    await say('recap', here);
    expect(cardText(bot.connector.cards({ conversationId: conv, method: 'POST' }).at(-1)!.card)).toContain('we run the pilot in Q1');
    await say('recap 2026-12-10', here);
    expect(cardText(bot.connector.cards({ conversationId: conv, method: 'POST' }).at(-1)!.card)).toContain('Recap: KM Power Hour');
    await say('recap 2026-12-11', here);
    expect(lastText(conv)).toMatch(/no recap for 2026-12-11.*2026-12-10/);
    await say('recap next tuesday', here);
    expect(lastText(conv)).toMatch(/Use a date like/);

    // What the digest reads.
    const upcoming = await service.nextCall(TENANT, conv, clock.now());
    expect(upcoming).toMatchObject({ callId: next.callId, title: 'KM Power Hour', status: 'open' });
    expect(upcoming!.topTopics).toHaveLength(3);
    const recaps = await service.recapsBetween(TENANT, conv, new Date('2026-12-01T00:00:00Z'), new Date('2026-12-31T00:00:00Z'));
    expect(recaps).toHaveLength(1);
    expect(recaps[0]).toMatchObject({ callId: call.callId, decisions: ['we run the pilot in Q1'], actions: ['Bob drafts the pilot plan'] });
    expect(await service.activityBetween(TENANT, conv, new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'))).toEqual({ topics: 4, votes: 4 });
    expect(await service.activityBetween(TENANT, conv, new Date('2026-12-02T00:00:00Z'), new Date('2026-12-03T00:00:00Z'))).toEqual({ topics: 0, votes: 0 });
    clock.current = new Date('2026-12-01T09:00:00Z');
  });

  test('when an organizer closes a call nobody finalised and nobody took notes on, then the top 5 count as discussed and the rest carry over', async () => {
    const conv = '19:close-unfinalised@thread.tacv2';
    const here = { conversationId: conv };
    await say('call "Quick weekly" 2026-12-03 10:00 weekly 30m UTC', { ...here, from: ALICE });
    for (let i = 1; i <= 7; i++) await say(`topic Subject number ${i}`, { ...here, from: person(i) });
    const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    await press('agenda.vote', { callId: call.callId, rev: 1, topic: 7, vote: true }, { ...here, from: person(1) });
    await press('agenda.vote', { callId: call.callId, rev: 1, topic: 6, vote: true }, { ...here, from: person(2) });
    bot.connector.reset();
    // Before the call's start, `call done` asks first; the organizer confirms.
    await say('call done', { ...here, from: ALICE });
    const question = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(cardText(question[0]!.card)).toContain('End it now');
    bot.connector.reset();
    await press('agenda.endConfirm', { callId: call.callId }, { ...here, from: ALICE }, question[0]!.record.activityId);
    const recap = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(recap).toHaveLength(1);
    expectValidCard(recap[0]!.card);
    const next = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    expect(new Date(next.startsAt).toISOString()).toBe('2026-12-10T10:00:00.000Z');
    const carried = await service.agendaView({ tenantId: TENANT, conversationId: conv }, next.callId);
    // Ranked 7, 6 (one vote each), then 1..5 by who proposed first: the top 5 are 7, 6, 1, 2, 3.
    expect(carried.topics.map((t) => t.title)).toEqual(['Subject number 4', 'Subject number 5']);
    expect(carried.topics.map((t) => t.number)).toEqual([1, 2]);
  });

  test('when a call is created from the form, then the form becomes the live agenda card for everyone', async () => {
    const conv = '19:form-flow@thread.tacv2';
    await say('call new', { conversationId: conv, from: ALICE });
    const form = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(form).toHaveLength(1);
    expectValidCard(form[0]!.card);
    const formId = form[0]!.record.activityId;
    const bad = cardOf(await press('agenda.create', { title: 'Weekly sync', date: '2020-01-01', time: '10:00', duration: '45', cadence: 'weekly' }, { conversationId: conv, from: ALICE }, formId));
    expect(cardText(bad)).toContain('in the past');
    expect(await service.currentCall({ tenantId: TENANT, conversationId: conv })).toBeUndefined();
    const ok = cardOf(await press('agenda.create', { title: 'Weekly sync', date: '2026-12-08', time: '10:00', duration: '45', cadence: 'weekly' }, { conversationId: conv, from: ALICE, timezone: 'America/New_York' }, formId));
    expect(cardText(ok)).toContain('Weekly sync');
    const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    expect(call).toMatchObject({ durationMin: 45, cadence: 'weekly', timeZone: 'America/New_York' });
    expect(new Date(call.startsAt).toISOString()).toBe('2026-12-08T15:00:00.000Z');
    const replaced = bot.connector.updates(conv).filter((u) => u.activityId === formId);
    expect(replaced).toHaveLength(1);
    expectValidCard(replaced[0]!.body.attachments![0]!.content);
    // The replaced form is now a registered agenda card: a vote on it updates it for everyone.
    await say('topic First topic', { conversationId: conv });
    await press('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, from: person(1) }, formId);
    await agendaInternals(bot.app.host)!.live.coalescer.settled();
    expect(cardText(bot.connector.updates(conv).filter((u) => u.activityId === formId).at(-1)!.body.attachments![0]!.content)).toContain('1 vote');
  });

  test('when a group chat creates a call, then it works there too, and personal chat is refused', async () => {
    await bot.send(bot.teams.groupMessage('call "Chat call" 2026-12-20 09:00', { from: ALICE }));
    expect(bot.connector.cards({ conversationId: GROUP_CHAT })).toHaveLength(1);
    await bot.send(bot.teams.personalMessage('agenda'));
    expect(bot.connector.texts().at(-1)).toMatch(/not available in this kind of conversation/);
  });

  test.each([
    ['call "X" 2020-01-01 10:00', /in the past/],
    ['call "X" 2026-12-40 10:00', /could not read that date/],
    ['call "X" 2026-12-20 10:00 Mars/Olympus', /not a time zone/],
    ['call "X" 2026-12-20 10:00 900m', /between 5 and 480 minutes/],
    [`call "${'x'.repeat(130)}" 2026-12-20 10:00`, /title is too long/],
    ['call next week', /date and start time/],
  ])('when someone types %s, then the answer says what is wrong and nothing is created', async (text, message) => {
    const conv = '19:bad-input@thread.tacv2';
    await say(text, { conversationId: conv, from: ALICE });
    expect(lastText(conv)).toMatch(message);
    expect(await service.currentCall({ tenantId: TENANT, conversationId: conv })).toBeUndefined();
  });

  test('when a topic or note comes with no call, or a topic is empty or too long, then the answer says how to go on', async () => {
    const conv = '19:no-call-yet@thread.tacv2';
    await say('topic Measuring adoption', { conversationId: conv });
    expect(lastText(conv)).toMatch(/no open call.*call new/);
    await say('note We met', { conversationId: conv });
    expect(lastText(conv)).toMatch(/no call in this conversation.*call new/);
    await say('agenda', { conversationId: conv });
    expect(lastText(conv)).toMatch(/call new/);
    await say('call "Sync" 2026-12-20 10:00', { conversationId: conv, from: ALICE });
    await say('topic', { conversationId: conv });
    expect(lastText(conv)).toMatch(/Add the topic after the command/);
    await say(`topic ${'y'.repeat(301)}`, { conversationId: conv });
    expect(lastText(conv)).toMatch(/too long.*300/);
    await say('note', { conversationId: conv });
    expect(lastText(conv)).toMatch(/Write the note/);
    const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    expect((await service.agendaView({ tenantId: TENANT, conversationId: conv }, call.callId)).topics).toHaveLength(0);
  });

  test('when a card action is forged, stale, or from another conversation or tenant, then it is refused and changes nothing', async () => {
    const conv = '19:refusals@thread.tacv2';
    await say('call "Guarded" 2026-12-20 10:00', { conversationId: conv, from: ALICE });
    await say('topic Only topic', { conversationId: conv });
    const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    const count = async () => (await service.agendaView({ tenantId: TENANT, conversationId: conv }, call.callId)).topics[0]!.votes;

    const stale = cardOf(await press('agenda.vote', { callId: call.callId, rev: 7, topic: 1, vote: true }, { conversationId: conv }));
    expect(cardText(stale)).toContain('out of date');
    expect(cardText(stale)).toContain('Only topic');
    const missing = cardOf(await press('agenda.vote', { callId: call.callId, rev: 1, topic: 42, vote: true }, { conversationId: conv }));
    expect(cardText(missing)).toContain('not on this agenda');
    const otherConversation = await press('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { conversationId: '19:elsewhere@thread.tacv2' });
    expect(otherConversation.value).toMatch(/cannot find/);
    const otherTenant = await press('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { conversationId: conv, tenantId: 'another-tenant' });
    expect(otherTenant.value).toMatch(/cannot find/);
    for (const data of [{ callId: call.callId, rev: 1, topic: 'one' }, { callId: '../../etc', rev: 1, topic: 1 }, { rev: 1, topic: 1 }, { callId: call.callId }, { callId: call.callId, rev: 1, topic: 1, vote: 'yes' }]) {
      // Data the bot never sent: 400 with a plain reason, the same answer every verb gives.
      const forged = await bot.send(bot.teams.cardAction('agenda.vote', data, { from: BOB, conversationId: conv }, 'channel'));
      expect(forged.status).toBe(400);
      expect(JSON.stringify(forged.body)).toMatch(/could not read/);
    }
    expect(await count()).toBe(0);

    // A vote whose replyToId is not a card we posted never updates that message: only the
    // call's registered live copy is brought up to date.
    bot.connector.reset();
    await press('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { conversationId: conv }, 'some-other-message');
    await agendaInternals(bot.app.host)!.live.coalescer.settled();
    expect(await count()).toBe(1);
    expect(bot.connector.updates(conv).filter((u) => u.activityId === 'some-other-message')).toHaveLength(0);
    expect(bot.connector.updates(conv).every((u) => cardText(u.body.attachments![0]!.content).includes('1 vote'))).toBe(true);
  });

  test('when someone proposes a topic on the card, then it is added, and a duplicate is pointed to', async () => {
    const conv = '19:card-propose@thread.tacv2';
    await say('call "Card topics" 2026-12-20 10:00', { conversationId: conv, from: ALICE });
    const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    const added = cardOf(await press('agenda.propose', { callId: call.callId, rev: 1, topic: 'Roadmap [preview](https://evil.example) <at>All</at>' }, { conversationId: conv }));
    expect(cardText(added)).toContain('Added as topic 1');
    expect(cardText(added)).not.toContain('[preview](');
    expect(cardText(added)).not.toContain('<at>');
    const dup = cardOf(await press('agenda.propose', { callId: call.callId, rev: 1, topic: 'ROADMAP preview https evil example at All at' }, { conversationId: conv }));
    expect(cardText(dup)).toContain('already on the agenda as topic 1');
    const empty = cardOf(await press('agenda.propose', { callId: call.callId, rev: 1, topic: '   ' }, { conversationId: conv }));
    expect(cardText(empty)).toContain('Write your topic in the box');
    expect((await service.agendaView({ tenantId: TENANT, conversationId: conv }, call.callId)).topics).toHaveLength(1);
  });

  test('when organizers are managed, then only organizers add them, by mention', async () => {
    const team = '19:organizers-team@thread.tacv2';
    const conv = '19:organizers-channel@thread.tacv2';
    const where = { conversationId: conv, teamId: team };
    await say('organizers', where);
    expect(lastText(conv)).toMatch(/No organizers yet/);
    await say('call "First call" 2026-12-20 10:00', { ...where, from: ALICE });
    await say('organizers add @Bob Member', { ...where, from: BOB }, [BOB]);
    expect(lastText(conv)).toMatch(/only the organizers/);
    await say('organizers add', { ...where, from: ALICE });
    expect(lastText(conv)).toMatch(/Mention the people/);
    await say('organizers add @Bob Member', { ...where, from: ALICE }, [BOB]);
    expect(lastText(conv)).toMatch(/Added as organizers: Bob Member/);
    await say('organizers', where);
    expect(lastText(conv)).toMatch(/Alice Organizer.*Bob Member|Bob Member.*Alice Organizer/);
    // Once a space has organizers, only they create calls.
    await say('call "Someone else" 2026-12-21 10:00', { ...where, from: person(77) });
    expect(lastText(conv)).toMatch(/Only the organizers/);
  });

  test('when a digest card opens an agenda, then the live card for that call comes back', async () => {
    const conv = '19:digest-open@thread.tacv2';
    await say('call "Opened from digest" 2026-12-20 10:00', { conversationId: conv, from: ALICE });
    const call = (await service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    const opened = cardOf(await press('agenda.open', { callId: call.callId }, { conversationId: conv }));
    expect(cardText(opened)).toContain('Opened from digest');
  });
});

