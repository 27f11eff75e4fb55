import { startTestBot, uniquePrefix, type TestBot } from '../support/harness';
import { ConnectorStandIn, type Member } from '../support/connector';
import { ALICE, BOB, TENANT, person, type Person } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { digestStrings } from '../../src/features/digest/strings';
import type { Contribution } from '../../src/teams/events';

/**
 * Who came, over HTTP against Azurite with two instances sharing storage: meeting events in the
 * shapes Teams sends (meetingStart, meetingParticipantJoin, re-delivered and sent to both
 * instances) and Here check-ins announce `contributed` kind 'attended' exactly once per person
 * per occurrence, with first-time known; the digest then shows the last call's turnout,
 * newcomers ("New at the call"), and its actions still open until they are done.
 */
const JOIN = 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_att%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d';
const CONV = '19:attendance-channel@thread.tacv2';
const MEETING_CHAT = '19:meeting_YXR0ZW5k@thread.v2';
const MEETING_ID = 'MCMxOTptZWV0aW5nX1lYUjBaVzVrQHRocmVhZC52MiMw';
const clockAt = (iso: string) => ({ current: new Date(iso), now(): Date { return this.current; } });
const asMember = (p: Person): Member => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId });
type InvokeBody = { statusCode: number; type: string; value: unknown };

describe('attendance announced once, and the last call in the digest', () => {
  const clock = clockAt('2026-12-01T09:00:00Z');
  const connector = new ConnectorStandIn();
  let one: TestBot;
  let two: TestBot;
  const attended: Contribution[] = [];
  const NEWCOMER = person('att-newcomer', 'Nia Newcomer');
  const P1 = person('att-1', 'Pat One');
  const P2 = person('att-2', 'Sam Two');

  beforeAll(async () => {
    await connector.start();
    connector.members = [ALICE, BOB, P1, P2, NEWCOMER].map(asMember);
    const env = { STORAGE_TABLE_PREFIX: uniquePrefix() };
    one = await startTestBot({ env, deps: { clock }, connector });
    two = await startTestBot({ env, deps: { clock }, connector });
    for (const bot of [one, two]) {
      bot.app.host.events.on('contributed', async (c) => {
        if (c.kind === 'attended') attended.push(c);
      });
    }
  });
  afterAll(async () => {
    await one.close();
    await two.close();
    await connector.stop();
  });

  /** A meeting event as Teams sends it to a bot installed in the meeting (its group chat). */
  const meetingEvent = (bot: TestBot, name: string, value: unknown) => ({
    ...bot.teams.conversationFor('groupChat', { conversationId: MEETING_CHAT, from: ALICE }, 'event'),
    name: `application/vnd.microsoft.${name}`,
    value,
    channelData: { tenant: { id: TENANT }, meeting: { id: MEETING_ID } },
  });
  const participant = (p: Person) => ({ user: { tenantId: TENANT, objectId: p.aadObjectId, id: p.id, name: p.name, aadObjectId: p.aadObjectId, role: 'user' }, meeting: { inMeeting: true, role: 'Attendee' } });
  const press = async (bot: TestBot, verb: string, data: Record<string, unknown>, from: Person, replyToId?: string): Promise<InvokeBody> => {
    const res = await bot.send(bot.teams.cardAction(verb, data, { conversationId: CONV, from }, 'channel', replyToId));
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  };
  const say = (bot: TestBot, text: string, from: Person = ALICE) => bot.send(bot.teams.channelMessage(text, { conversationId: CONV, from }));
  const digestPreview = async (): Promise<string> => {
    connector.reset();
    await say(one, 'digest preview', BOB);
    const card = connector.cards({ conversationId: CONV }).find((c) => c.card.fallbackText === digestStrings.fallbackText)?.card;
    expect(card).toBeDefined();
    expectValidCard(card!);
    // Markdown characters in people's words come escaped (safeLine): read the text as shown.
    return cardText(card!).replace(/\\([()[\]*_])/g, '$1');
  };
  const currentCall = async () => (await agendaInternals(one.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: CONV }))!;
  const byPerson = (list: Contribution[]) => Object.fromEntries(list.map((c) => [c.name, c.firstTime]));

  test('when people join the meeting (events re-delivered, to both instances) and press Here at once, then each is announced once per call with first time right, and the digest shows turnout, newcomers and open actions until done', async () => {
    await say(one, `call "Power Hour" 2026-12-10 16:00 weekly ${JOIN}`);
    await say(one, 'digest on');
    const first = await currentCall();
    for (const [text, owner, due] of [['Send the deck', ALICE, '2026-12-20'], ['Book the room', BOB, '2026-12-21']] as const) {
      const body = await press(one, 'call.note', { callId: first.callId, topic: '0', text, kind: 'action', owner: owner.aadObjectId, due }, ALICE);
      expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    }

    // The meeting starts: the running note is posted once, whichever instance gets the event.
    clock.current = new Date('2026-12-10T15:00:30Z');
    connector.reset();
    const start = meetingEvent(one, 'meetingStart', { Id: MEETING_ID, MeetingType: 'Scheduled', JoinUrl: JOIN, Title: 'Power Hour', StartTime: '2026-12-10T15:00:10.000Z' });
    await Promise.all([one.send(start), two.send({ ...start })]);
    const noteCard = connector.cards({ conversationId: CONV, method: 'POST' }).filter((c) => cardText(c.card).includes('Running note:'));
    expect(noteCard).toHaveLength(1);

    // Joins: the same activity re-delivered, and overlapping joins with their own ids, on both instances at once.
    const joinA = meetingEvent(one, 'meetingParticipantJoin', { members: [participant(ALICE), participant(P1)] });
    const joinB = meetingEvent(two, 'meetingParticipantJoin', { members: [participant(P1), participant(P2)] });
    await Promise.all([one.send(joinA), two.send(joinA), one.send(joinA), two.send(joinB), one.send({ ...joinB, id: `${joinB.id}-again` })]);
    // Here, pressed twice at once on both instances by one who joined and one who did not.
    await Promise.all([one, two, one, two].map((bot, i) => press(bot, 'call.here', { callId: first.callId }, i % 2 ? P2 : BOB, noteCard[0]!.record.activityId)));

    expect(attended.map((c) => c.name).sort()).toEqual([ALICE.name, BOB.name, P1.name, P2.name].sort());
    expect(byPerson(attended)).toEqual({ [ALICE.name]: true, [BOB.name]: true, [P1.name]: true, [P2.name]: true });
    for (const c of attended) {
      expect(c).toMatchObject({ tenantId: TENANT, spaceId: first.spaceId, call: { callId: first.callId, title: 'Power Hour' } });
      expect(c.at.toISOString()).toBe('2026-12-10T15:00:30.000Z');
    }
    expect(new Set(attended.map((c) => c.personId))).toEqual(new Set([ALICE, BOB, P1, P2].map((p) => p.aadObjectId)));

    // Bob's action is done; the call ends.
    const notes = await agendaInternals(one.app.host)!.service.repo.listStoredNotes({ tenantId: TENANT, conversationId: CONV }, first.callId);
    const booking = notes.find((n) => n.text === 'Book the room')!;
    expect(cardText((await press(two, 'call.actionDone', { callId: first.callId, noteKey: booking.noteKey }, BOB)).value)).toContain('Marked done');
    clock.current = new Date('2026-12-10T16:05:00Z');
    await say(one, 'call done');

    // The week's digest: the recap with its turnout and who came for the first time.
    clock.current = new Date('2026-12-11T12:00:00Z');
    const week1 = await digestPreview();
    expect(week1).toContain('Last call: Power Hour');
    expect(week1).toContain('4 people came.');
    expect(week1).toMatch(/New at the call: .*Alice Organizer/);
    for (const p of [BOB, P1, P2]) expect(week1).toContain(p.name);
    expect(week1).toContain(`Send the deck (owner ${ALICE.name}, due 2026-12-20)`);
    // The recap lists the actions; no second list of the same call's open ones.
    expect(week1).not.toContain('Open actions from');

    // The next occurrence of the same recurring meeting (same meeting id; no meetingStart seen
    // this time): Alice comes back (Here), a newcomer joins through the meeting.
    attended.length = 0;
    const second = await currentCall();
    expect(second.callId).not.toBe(first.callId);
    clock.current = new Date('2026-12-17T15:01:00Z');
    // A customer invited from another tenant whose object id is the same GUID as Pat's (object
    // ids are unique only within a tenant): counted as their own person, coming for the first time.
    const PARTNER = 'b2b00000-0000-4000-8000-00000000c0de';
    const twin = { user: { tenantId: PARTNER, id: '29:partner-twin', name: 'Pat Partner', aadObjectId: P1.aadObjectId, role: 'user' }, meeting: { inMeeting: true, role: 'Attendee' } };
    await Promise.all([one.send(meetingEvent(one, 'meetingParticipantJoin', { members: [participant(NEWCOMER), twin] })), press(two, 'call.here', { callId: second.callId }, ALICE)]);
    expect(byPerson(attended)).toEqual({ [ALICE.name]: false, [NEWCOMER.name]: true, 'Pat Partner': true });
    expect(attended.find((c) => c.name === 'Pat Partner')!.personId).toBe(`${P1.aadObjectId}@${PARTNER}`);
    expect(attended.every((c) => c.call?.callId === second.callId)).toBe(true);

    // A week with no call ended in it: the last call's open actions still show, only the open ones.
    clock.current = new Date('2026-12-18T12:00:00Z');
    const week2 = await digestPreview();
    expect(week2).not.toContain('Last call:');
    expect(week2).toContain('Open actions from Power Hour');
    expect(week2).toContain(`Send the deck (owner ${ALICE.name}, due 2026-12-20)`);
    expect(week2).not.toContain('Book the room');
    expect(week2).not.toContain('people came');

    // Done: gone from the digest.
    const deck = notes.find((n) => n.text === 'Send the deck')!;
    await press(one, 'call.actionDone', { callId: first.callId, noteKey: deck.noteKey }, ALICE);
    expect(await digestPreview()).not.toContain('Open actions from');
  }, 60_000);
});
