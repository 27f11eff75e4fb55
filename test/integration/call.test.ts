import { connectStrings } from '../../src/features/connect/strings';
import { startTestBot, uniquePrefix, type TestBot } from '../support/harness';
import { ConnectorStandIn, type Member } from '../support/connector';
import { ALICE, BOB, TEAM, TENANT, person, type Person, type Where } from '../support/activities';
import { insightsOf } from '../../src/features/insights/routes';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { callInternals } from '../../src/features/call/routes';
import { NO_RUNNING_NOTE_TTL_MS } from '../../src/features/call/live';
import { ACTION_DUE_JOB, REMIND_JOB, START_JOB } from '../../src/features/call/jobs';
import { AUTO_FINALISE_JOB } from '../../src/features/agenda/jobs';

/**
 * The call itself over HTTP against Azurite: the meeting link, Join and the signed calendar
 * file, I'll be there / Can't make it, the 15-minute reminder, the one running note (started by
 * an organizer or the job), notes from everyone, editing, actions with owners reminded on their
 * due date, and two instances racing for the same reminders.
 */
const JOIN = 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d';
const ENV = { PUBLIC_BASE_URL: 'https://coach.example.org', CALENDAR_LINK_SECRET: 'test-secret-test-secret-test-secret-0123' };
type InvokeBody = { statusCode: number; type: string; value: unknown };
const clockAt = (iso: string) => ({ current: new Date(iso), now(): Date { return this.current; } });
const asMember = (p: Person): Member => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId });

function helpers(bot: TestBot) {
  const say = (text: string, where: Where = {}) => bot.send(bot.teams.channelMessage(text, { from: BOB, ...where }));
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
  const textOf = (body: InvokeBody): string => (body.type === 'application/vnd.microsoft.activity.message' ? String(body.value) : cardText(body.value));
  const createCall = async (conv: string, extra = '') => {
    await say(`call "Power Hour" 2026-12-10 16:00 weekly ${extra}`.trim(), { conversationId: conv, from: ALICE });
    const call = await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv });
    return call!;
  };
  return { say, press, cardOf, textOf, createCall };
}

const findActions = (card: unknown, type: string): Record<string, unknown>[] => {
  const out: Record<string, unknown>[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (o.type === type) out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
};

describe('the call: join, calendar, who comes, reminders', () => {
  const clock = clockAt('2026-12-01T09:00:00Z');
  let bot: TestBot;
  let h: ReturnType<typeof helpers>;
  beforeAll(async () => {
    bot = await startTestBot({ env: ENV, deps: { clock } });
    h = helpers(bot);
    bot.connector.members = [ALICE, BOB, person(1), person(2)].map(asMember);
  });
  afterAll(async () => bot.close());
  beforeEach(() => {
    bot.connector.reset();
    clock.current = new Date('2026-12-01T09:00:00Z');
  });

  test('when a call is created with a Teams meeting link, then the card offers Join and a signed calendar file with the repeat rule', async () => {
    const conv = '19:call-join@thread.tacv2';
    const call = await h.createCall(conv, JOIN);
    expect(call.meetingUrl).toBe(JOIN);
    const posted = bot.connector.cards({ conversationId: conv, method: 'POST' })[0]!.card;
    expectValidCard(posted);
    const links = findActions(posted, 'Action.OpenUrl');
    expect(links.find((a) => a.title === 'Join')?.url).toBe(JOIN);
    const calendarUrl = String(links.find((a) => a.title === 'Add to calendar')?.url);
    expect(calendarUrl).toMatch(/^https:\/\/coach\.example\.org\/calendar\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.ics$/);

    const local = calendarUrl.replace(ENV.PUBLIC_BASE_URL, bot.app.url);
    const res = await fetch(local);
    expect([res.status, res.status === 200 ? '' : await res.text()]).toEqual([200, '']);
    expect(res.headers.get('content-type')).toContain('text/calendar');
    const ics = (await res.text()).replace(/\r\n /g, '');
    expect(ics).toContain('SUMMARY:Power Hour');
    expect(ics).toContain('DTSTART;TZID=Europe/Amsterdam:20261210T160000');
    expect(ics).toContain('RRULE:FREQ=WEEKLY');
    expect(ics).toContain(`URL:${JOIN}`);
    // Only public fields: no topic text, no people.
    await h.say('topic A private-ish topic text', { conversationId: conv });
    const again = await (await fetch(local)).text();
    expect(again).not.toContain('private-ish');
    expect(again).not.toContain('Alice');

    // A changed signature: 403. The same link after it expired: 410.
    const tampered = local.replace(/\.([A-Za-z0-9_-]{5})([A-Za-z0-9_-]+)\.ics$/, (_, a: string, b: string) => `.${a.split('').reverse().join('')}${b}.ics`);
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(`${bot.app.url}/calendar/not-a-token.ics`)).status).toBe(403);
    clock.current = new Date('2027-03-01T00:00:00Z');
    expect((await fetch(local)).status).toBe(410);
  });

  test('when the link is not a Teams meeting link, then the call is not created and the answer says what a link must be', async () => {
    const conv = '19:call-badlink@thread.tacv2';
    await h.say('call "Power Hour" 2026-12-10 16:00 weekly https://zoom.us/j/123456', { conversationId: conv, from: ALICE });
    expect(bot.connector.texts(conv).at(-1)).toMatch(/not a Teams meeting link/);
    expect(await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv })).toBeUndefined();
    // The form: a bad link comes back on the form with the reason and the fields kept; a good one creates.
    const form = { title: 'Formed', date: '2026-12-10', time: '16:00', duration: 60, cadence: 'monthly', link: 'http://teams.microsoft.com/l/meetup-join/x' };
    const refused = h.cardOf(await h.press('agenda.create', form, { conversationId: conv, from: ALICE }));
    expect(cardText(refused)).toMatch(/not a Teams meeting link/);
    expect(JSON.stringify(refused)).toContain('http://teams.microsoft.com/l/meetup-join/x');
    const created = h.cardOf(await h.press('agenda.create', { ...form, link: JOIN }, { conversationId: conv, from: ALICE }));
    expect(cardText(created)).toContain('Call created');
    expect(findActions(created, 'Action.OpenUrl').some((a) => a.url === JOIN)).toBe(true);
  });

  test("when people say I'll be there or Can't make it, then each person counts once with their last answer", async () => {
    const conv = '19:call-rsvp@thread.tacv2';
    const call = await h.createCall(conv);
    const rsvp = (p: Person, going: boolean) => h.press('agenda.rsvp', { callId: call.callId, going }, { conversationId: conv, from: p });
    await Promise.all([rsvp(person(1), true), rsvp(person(2), true), rsvp(person(3), true), rsvp(person(3), true), rsvp(person(4), false)]);
    // A changed mind: the button carries the answer, so pressing it twice still means "not going".
    await rsvp(person(2), false);
    const mine = h.cardOf(await rsvp(person(2), false));
    expect(cardText(mine)).toContain("2 coming · 2 can't make it");
    expect(cardText(mine)).toContain("You said you can't make it.");
    const view = await agendaInternals(bot.app.host)!.service.agendaView({ tenantId: TENANT, conversationId: conv }, call.callId);
    expect([view.attending?.going, view.attending?.notGoing]).toEqual([2, 2]);
  });

  test('when the scheduler reaches 24 hours before the start, then the final agenda goes out once with Join and Add to calendar', async () => {
    const conv = '19:call-final-join@thread.tacv2';
    await h.createCall(conv, JOIN);
    await h.say('topic Champions in retail', { conversationId: conv });
    bot.connector.reset();
    clock.current = new Date('2026-12-09T15:00:01Z');
    await bot.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]);
    await bot.app.bot.jobs.runOnce([AUTO_FINALISE_JOB]);
    const posted = bot.connector.cards({ conversationId: conv, method: 'POST' }).filter((c) => cardText(c.card).includes('Champions in retail'));
    expect(posted).toHaveLength(1);
    expectValidCard(posted[0]!.card);
    expect(cardText(posted[0]!.card)).toMatch(/final/i);
    const links = findActions(posted[0]!.card, 'Action.OpenUrl');
    expect(links.find((a) => a.title === 'Join')?.url).toBe(JOIN);
    expect(String(links.find((a) => a.title === 'Add to calendar')?.url)).toMatch(/\/calendar\/.+\.ics$/);
  });

  test('when the scheduler reaches 15 minutes before the start, then one reminder with Join and a question box goes out; a gone conversation stops only its own', async () => {
    const conv = '19:call-remind@thread.tacv2';
    const gone = '19:call-remind-gone@thread.tacv2';
    const call = await h.createCall(conv, JOIN);
    await h.createCall(gone, JOIN);
    bot.connector.reset();
    // The bot was removed from the other conversation: Teams answers 403 (counted: a stopped
    // reminder is tried once, never again).
    let goneAttempts = 0;
    bot.connector.respondWith((req) => {
      if (req.conversationId !== gone) return undefined;
      goneAttempts++;
      return { status: 403, body: { error: { code: 'BotNotInConversationRoster', message: 'stand-in failure' } } };
    });
    clock.current = new Date('2026-12-10T14:44:00Z');
    await bot.app.bot.jobs.runOnce([REMIND_JOB]);
    expect(bot.connector.posts(conv)).toHaveLength(0);
    clock.current = new Date('2026-12-10T14:45:01Z');
    await bot.app.bot.jobs.runOnce([REMIND_JOB]);
    await bot.app.bot.jobs.runOnce([REMIND_JOB]);
    clock.current = new Date('2026-12-10T14:50:00Z');
    await bot.app.bot.jobs.runOnce([REMIND_JOB]);
    expect(goneAttempts).toBe(1);
    const reminders = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(reminders).toHaveLength(1);
    expectValidCard(reminders[0]!.card);
    expect(cardText(reminders[0]!.card)).toContain('Starting in 15 minutes: Power Hour');
    expect(findActions(reminders[0]!.card, 'Action.OpenUrl')[0]?.url).toBe(JOIN);
    expect(bot.connector.posts(gone)).toHaveLength(0);

    // The last-minute question lands on the call's notes, under General.
    const answered = h.cardOf(await h.press('call.question', { callId: call.callId, text: 'Can we see the pilot numbers?' }, { conversationId: conv, from: person(1) }));
    expect(cardText(answered)).toContain('Your question is on the running note');
    const notes = await agendaInternals(bot.app.host)!.service.repo.listNotes({ tenantId: TENANT, conversationId: conv }, call.callId);
    expect(notes.map((n) => [n.kind, n.topic, n.text])).toEqual([['question', 0, 'Can we see the pilot numbers?']]);
    expect(h.textOf(await h.press('call.question', { callId: call.callId, text: '  ' }, { conversationId: conv }))).toContain('Write your question first');
  });
});

describe('the running note', () => {
  const clock = clockAt('2026-12-01T09:00:00Z');
  let bot: TestBot;
  let h: ReturnType<typeof helpers>;
  const crowd = Array.from({ length: 30 }, (_, i) => person(`crowd-${i}`));
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    h = helpers(bot);
    bot.connector.members = [ALICE, BOB, person(1), ...crowd].map(asMember);
  });
  afterAll(async () => bot.close());
  beforeEach(() => {
    bot.connector.reset();
    clock.current = new Date('2026-12-01T09:00:00Z');
  });

  const runningNotes = (conv: string) => bot.connector.cards({ conversationId: conv, method: 'POST' }).filter((c) => cardText(c.card).includes('Running note:'));

  test('when organizers press Start call at once and the start job runs, then exactly one running note is posted; others get a plain answer', async () => {
    const conv = '19:note-start@thread.tacv2';
    const call = await h.createCall(conv);
    await h.say('topic Adoption numbers', { conversationId: conv });
    bot.connector.reset();
    expect(h.textOf(await h.press('call.start', { callId: call.callId }, { conversationId: conv, from: BOB }))).toMatch(/Only the organizers/);
    const presses = await Promise.all(Array.from({ length: 5 }, () => h.press('call.start', { callId: call.callId }, { conversationId: conv, from: ALICE })));
    const answers = presses.map(h.textOf);
    expect(answers.filter((a) => a.includes('The running note is up'))).toHaveLength(1);
    expect(runningNotes(conv)).toHaveLength(1);
    clock.current = new Date('2026-12-10T15:00:01Z');
    await bot.app.bot.jobs.runOnce([START_JOB]);
    expect(runningNotes(conv)).toHaveLength(1);
    expect(h.textOf(await h.press('call.start', { callId: call.callId }, { conversationId: conv, from: ALICE }))).toMatch(/already up/);
    const card = runningNotes(conv)[0]!.card;
    expectValidCard(card);
    expect(cardText(card)).toContain('Running note: Power Hour');
    expect(JSON.stringify(card)).toContain('1. Adoption numbers');
  });

  test('when the start time comes and nobody pressed, then the job posts the running note once', async () => {
    const conv = '19:note-job@thread.tacv2';
    await h.createCall(conv);
    bot.connector.reset();
    clock.current = new Date('2026-12-10T15:00:01Z');
    await Promise.all([bot.app.bot.jobs.runOnce([START_JOB]), bot.app.bot.jobs.runOnce([START_JOB])]);
    expect(runningNotes(conv)).toHaveLength(1);
  });

  test('when notes are added from the card and typed, then they land on the one card, grouped; bad input gets a clear answer and writes nothing', async () => {
    const conv = '19:note-add@thread.tacv2';
    const call = await h.createCall(conv);
    await h.say('topic Adoption numbers', { conversationId: conv });
    await h.press('call.start', { callId: call.callId }, { conversationId: conv, from: ALICE });
    const noteCard = runningNotes(conv)[0]!.record.activityId;
    const add = (data: Record<string, unknown>, from: Person = BOB) => h.press('call.note', { callId: call.callId, ...data }, { conversationId: conv, from }, noteCard);
    const ok = h.cardOf(await add({ topic: '1', text: 'Adoption is up 12%', kind: 'note' }));
    expect(cardText(ok)).toContain('Note added under 1. Adoption numbers');
    await add({ topic: '0', text: 'We pilot in Q1', kind: 'decision' });
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ topic: '7', text: 'lost', kind: 'note' }, /no topic 7/],
      [{ topic: '0', text: '   ', kind: 'note' }, /Write the note first/],
      [{ topic: '0', text: 'Send the deck', kind: 'action', due: '2026-12-20' }, /needs an owner/],
      [{ topic: '0', text: 'Send the deck', kind: 'action', owner: ALICE.aadObjectId }, /needs a due date/],
      [{ topic: '0', text: 'Send the deck', kind: 'action', owner: ALICE.aadObjectId, due: '2026-11-20' }, /in the past/],
      [{ topic: '0', text: 'Send the deck', kind: 'action', owner: 'aad-someone-else', due: '2026-12-20' }, /not in this conversation/],
    ];
    for (const [data, answer] of refusals) expect(cardText(h.cardOf(await add(data)))).toMatch(answer);
    const bad = await bot.send(bot.teams.cardAction('call.note', { callId: call.callId, kind: 'poem' }, { conversationId: conv }, 'channel', noteCard));
    expect(bad.status).toBe(400);
    await add({ topic: '1', text: 'Send the deck', kind: 'action', owner: ALICE.aadObjectId, due: '2026-12-20' });
    await h.say('note 1 typed during the call', { conversationId: conv });

    const stored = await agendaInternals(bot.app.host)!.service.repo.listNotes({ tenantId: TENANT, conversationId: conv }, call.callId);
    expect(stored.map((n) => n.text).sort()).toEqual(['Adoption is up 12%', 'Send the deck', 'We pilot in Q1', 'typed during the call']);
    const action = stored.find((n) => n.kind === 'action')!;
    expect([action.ownerId, action.ownerName, action.ownerTeamsId, action.due, action.done]).toEqual([ALICE.aadObjectId, ALICE.name, ALICE.id, '2026-12-20', false]);

    await callInternals(bot.app.host)!.cards.coalescer.settled();
    const last = bot.connector.updates(conv).filter((u) => u.activityId === noteCard).at(-1)!.body.attachments![0]!.content;
    expectValidCard(last);
    const text = cardText(last);
    expect(text).toContain('typed during the call');
    expect(text).toContain(`owner ${ALICE.name}, due 2026-12-20`);
    expect(text.indexOf('1. Adoption numbers')).toBeLessThan(text.indexOf('We pilot in Q1'));
  });

  test('when 30 people add notes at the same moment, then every note is kept and the last update of the card shows all 30', async () => {
    const conv = '19:note-burst@thread.tacv2';
    const call = await h.createCall(conv);
    await h.press('call.start', { callId: call.callId }, { conversationId: conv, from: ALICE });
    const noteCard = runningNotes(conv)[0]!.record.activityId;
    const started = Date.now();
    const results = await Promise.all(crowd.map((p, i) => h.press('call.note', { callId: call.callId, topic: '0', text: `burst note ${i}`, kind: 'note' }, { conversationId: conv, from: p }, noteCard)));
    const burstMs = Date.now() - started;
    expect(results.every((r) => r.type === 'application/vnd.microsoft.card.adaptive')).toBe(true);
    const stored = await agendaInternals(bot.app.host)!.service.repo.listNotes({ tenantId: TENANT, conversationId: conv }, call.callId);
    expect(stored).toHaveLength(30);
    await callInternals(bot.app.host)!.cards.coalescer.settled();
    const updates = bot.connector.updates(conv).filter((u) => u.activityId === noteCard);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(burstMs / 2000) + 1);
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.at - updates[i - 1]!.at).toBeGreaterThanOrEqual(1900);
    const text = cardText(updates.at(-1)!.body.attachments![0]!.content);
    for (let i = 0; i < 30; i++) expect(text).toContain(`burst note ${i} `);
  }, 60_000);

  test('when people ask during the call, then questions queue on the running note by +1s (each counted once), and only the host marks them answered', async () => {
    const conv = '19:note-questions@thread.tacv2';
    const call = await h.createCall(conv);
    const here = { conversationId: conv };
    await h.press('call.start', { callId: call.callId }, { ...here, from: ALICE });
    const noteCard = runningNotes(conv)[0]!.record.activityId;
    await h.say('ask How did you measure adoption?', { ...here, from: person(1) });
    await h.say('ask Who owns the pilot?', { ...here, from: person(2) });
    await h.say('ask', here);
    expect(bot.connector.texts(conv).at(-1)).toContain('Write the question after the command');
    // Asked for the network during the call: it joins the call's questions, and the person is told it stays with the team.
    await h.say('ask visibility: network Can other teams reuse our pilot plan?', { ...here, from: person(3) });
    expect(bot.connector.texts(conv).at(-1)).toContain(connectStrings.liveStaysInTeam);
    const questions = (await agendaInternals(bot.app.host)!.service.repo.listStoredNotes({ tenantId: TENANT, conversationId: conv }, call.callId)).filter((n) => n.kind === 'question');
    const pilot = questions.find((q) => q.text === 'Who owns the pilot?')!;
    const measure = questions.find((q) => q.text === 'How did you measure adoption?')!;
    const plusOne = (p: Person, noteKey: string, up = true) => h.press('call.upvote', { callId: call.callId, noteKey, up }, { ...here, from: p }, noteCard);
    // Three people +1 the pilot question (one of them three times at once), one the other, then withdraws.
    await Promise.all([plusOne(crowd[0]!, pilot.noteKey), plusOne(crowd[1]!, pilot.noteKey), plusOne(crowd[2]!, pilot.noteKey), plusOne(crowd[2]!, pilot.noteKey), plusOne(crowd[2]!, pilot.noteKey), plusOne(crowd[3]!, measure.noteKey)]);
    const withdrawn = h.cardOf(await plusOne(crowd[3]!, measure.noteKey, false));
    expect(cardText(withdrawn)).toContain('withdrawn');
    const mine = h.cardOf(await plusOne(crowd[0]!, pilot.noteKey));
    const text = cardText(mine);
    expect(text).toContain('Who owns the pilot? — Person 2 · 3 votes');
    expect(text).toContain('How did you measure adoption? — Person 1 · 0 votes');
    expect(text.indexOf('Who owns the pilot?')).toBeLessThan(text.indexOf('How did you measure adoption?'));
    expect(text).toContain('Remove my +1');
    // Only an organizer marks a question answered.
    expect(cardText(h.cardOf(await h.press('call.answered', { callId: call.callId, noteKey: pilot.noteKey }, { ...here, from: BOB }, noteCard)))).toContain('Only the organizers');
    const answered = h.cardOf(await h.press('call.answered', { callId: call.callId, noteKey: pilot.noteKey }, { ...here, from: ALICE }, noteCard));
    expect(cardText(answered)).toContain('Answered: 1');
    expect(cardText(h.cardOf(await plusOne(crowd[5]!, pilot.noteKey)))).toContain('already answered');
    await callInternals(bot.app.host)!.cards.coalescer.settled();
    const last = bot.connector.updates(conv).filter((u) => u.activityId === noteCard).at(-1)!.body.attachments![0]!.content;
    expectValidCard(last);
    expect(cardText(last)).toContain('How did you measure adoption? — Person 1 · 0 votes');
    expect(cardText(last)).not.toContain('Who owns the pilot? —');
  });

  test('when questions come by ask and by the running note\'s box and the call ends with some nobody marked answered, then each open one becomes a question for the network in the conversation, once, however often the end is handed on', async () => {
    const conv = '19:note-handoff@thread.tacv2';
    const call = await h.createCall(conv);
    const here = { conversationId: conv };
    await h.press('call.start', { callId: call.callId }, { ...here, from: ALICE });
    await h.say('ask Who has numbers on champion retention?', { ...here, from: person(1) });
    await h.say('ask Is the pilot budget approved?', { ...here, from: person(1) });
    // The running note's own box: a question joins the same queue.
    const noteCard = runningNotes(conv)[0]!.record.activityId;
    const boxed = h.cardOf(await h.press('call.note', { callId: call.callId, topic: '0', text: 'Can someone share the rollout checklist?', kind: 'question' }, { ...here, from: BOB }, noteCard));
    expect(cardText(boxed)).toContain('Your question is in the queue on the running note.');
    expect(cardText(boxed)).toMatch(/Can someone share the rollout checklist\? — Bob Member · 0 votes/);
    const questions = (await agendaInternals(bot.app.host)!.service.repo.listStoredNotes({ tenantId: TENANT, conversationId: conv }, call.callId)).filter((n) => n.kind === 'question');
    const budget = questions.find((q) => q.text === 'Is the pilot budget approved?')!;
    await h.press('call.answered', { callId: call.callId, noteKey: budget.noteKey }, { ...here, from: ALICE });
    bot.connector.reset();
    clock.current = new Date('2026-12-10T16:05:00Z');
    await h.say('call done', { ...here, from: ALICE });
    const asked = () => bot.connector.cards({ conversationId: conv, method: 'POST' }).filter((c) => cardText(c.card).includes('Who has numbers on champion retention?') && !cardText(c.card).includes('Recap'));
    expect(asked()).toHaveLength(1);
    expectValidCard(asked()[0]!.card);
    const boxedAsked = () => bot.connector.cards({ conversationId: conv, method: 'POST' }).filter((c) => cardText(c.card).includes('Can someone share the rollout checklist?') && !cardText(c.card).includes('Recap'));
    expect(boxedAsked()).toHaveLength(1);
    expect(bot.connector.cards({ conversationId: conv, method: 'POST' }).some((c) => cardText(c.card).includes('Is the pilot budget approved?') && !cardText(c.card).includes('Recap'))).toBe(false);
    // The end handed on again (a retried end, another instance): nothing is asked twice.
    const service = agendaInternals(bot.app.host)!.service;
    await Promise.all([1, 2].map(() => service.afterEnd!({ tenantId: TENANT, conversationId: conv, spaceId: call.spaceId }, { callId: call.callId, title: call.title })));
    expect([asked().length, boxedAsked().length]).toEqual([1, 1]);
  });

  test('when someone asks before the call is in progress, then it is a question for the network; once the running note is posted, ask joins the call queue instead (one ask command)', async () => {
    const conv = '19:ask-one-command@thread.tacv2';
    const call = await h.createCall(conv);
    const here = { conversationId: conv };
    const questionsOfCall = async () => (await agendaInternals(bot.app.host)!.service.repo.listStoredNotes({ tenantId: TENANT, conversationId: conv }, call.callId)).filter((n) => n.kind === 'question');
    const posted = () => bot.connector.cards({ conversationId: conv, method: 'POST' });
    // The call exists but has not started: the network gets the question (Connect's question card).
    await h.say('ask Who has run a champions programme before?', { ...here, from: person(1) });
    expect(cardText(posted().at(-1)!.card)).toContain('Who has run a champions programme before?');
    expect(await questionsOfCall()).toHaveLength(0);
    // The running note is posted: the call takes the question into its live queue, no question card.
    await h.press('call.start', { callId: call.callId }, { ...here, from: ALICE });
    const cardsBefore = posted().length;
    const asking = bot.teams.channelMessage('ask How did you measure adoption?', { ...here, from: person(2) });
    expect((await bot.send(asking)).status).toBe(200);
    expect(bot.connector.texts(conv).at(-1)).toContain('in the queue on the running note');
    expect((await questionsOfCall()).map((q) => q.text)).toEqual(['How did you measure adoption?']);
    expect(posted()).toHaveLength(cardsBefore);
    // Teams delivers the same activity again (twice at once): the queue keeps one question, nothing more is said.
    const said = bot.connector.texts(conv).length;
    expect((await Promise.all([bot.send(asking), bot.send(asking)])).map((r) => r.status)).toEqual([200, 200]);
    expect((await questionsOfCall()).map((q) => q.text)).toEqual(['How did you measure adoption?']);
    expect(bot.connector.texts(conv)).toHaveLength(said);
    expect(posted()).toHaveLength(cardsBefore);
  });

  test('when authors edit or delete their notes, then only their own change, and only until 48 hours after the call', async () => {
    const conv = '19:note-edit@thread.tacv2';
    const call = await h.createCall(conv);
    const here = { conversationId: conv };
    await h.press('call.note', { callId: call.callId, topic: '0', text: 'first draft', kind: 'note' }, { ...here, from: person(1) });
    await h.press('call.note', { callId: call.callId, topic: '0', text: 'bob wrote this', kind: 'note' }, { ...here, from: BOB });
    const mine = h.cardOf(await h.press('call.mine', { callId: call.callId }, { ...here, from: person(1) }));
    expect(JSON.stringify(mine)).toContain('first draft');
    expect(JSON.stringify(mine)).not.toContain('bob wrote this');
    const save = findActions(mine, 'Action.Execute').find((a) => a.title === 'Save')!.data as Record<string, unknown>;
    const saved = h.cardOf(await h.press('call.noteEdit', { ...save, [String(save.input)]: 'final wording' }, { ...here, from: person(1) }));
    expect(cardText(saved)).toContain('Saved');
    // Bob pressing a Save that carries person 1's note: refused, nothing changed.
    const forged = h.cardOf(await h.press('call.noteEdit', { ...save, [String(save.input)]: 'hijacked' }, { ...here, from: BOB }));
    expect(cardText(forged)).toContain('Only the person who wrote a note');
    const repo = agendaInternals(bot.app.host)!.service.repo;
    expect((await repo.listNotes({ tenantId: TENANT, conversationId: conv }, call.callId)).map((n) => n.text).sort()).toEqual(['bob wrote this', 'final wording']);

    // After the call plus 48 hours: no more changes.
    clock.current = new Date('2026-12-12T16:00:01Z');
    const late = h.cardOf(await h.press('call.noteDelete', { callId: call.callId, noteKey: save.noteKey }, { ...here, from: person(1) }));
    expect(cardText(late)).toContain('48 hours');
    clock.current = new Date('2026-12-12T15:59:00Z');
    const deleted = h.cardOf(await h.press('call.noteDelete', { callId: call.callId, noteKey: save.noteKey }, { ...here, from: person(1) }));
    expect(cardText(deleted)).toContain('Deleted');
    expect((await repo.listNotes({ tenantId: TENANT, conversationId: conv }, call.callId)).map((n) => n.text)).toEqual(['bob wrote this']);
    const again = h.cardOf(await h.press('call.noteDelete', { callId: call.callId, noteKey: save.noteKey }, { ...here, from: person(1) }));
    expect(cardText(again)).toContain('no longer exists');
  });
});

describe('actions in the recap and the next agenda', () => {
  const clock = clockAt('2026-12-01T09:00:00Z');
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    bot.connector.members = [ALICE, BOB].map(asMember);
  });
  afterAll(async () => bot.close());

  test('when a call with actions ends, then the recap lists owner and due date, and the next occurrence shows the open ones at the top until done', async () => {
    const h = helpers(bot);
    const conv = '19:actions-carry@thread.tacv2';
    const here = { conversationId: conv };
    const call = await h.createCall(conv);
    await h.press('call.note', { callId: call.callId, topic: '0', text: 'Send the deck', kind: 'action', owner: ALICE.aadObjectId, due: '2026-12-20' }, here);
    await h.press('call.note', { callId: call.callId, topic: '0', text: 'Book the room', kind: 'action', owner: BOB.aadObjectId, due: '2026-12-21' }, here);
    clock.current = new Date('2026-12-10T16:05:00Z');
    bot.connector.reset();
    await h.say('call done', { ...here, from: ALICE });
    const recap = bot.connector.cards({ conversationId: conv, method: 'POST' })[0]!.card;
    expectValidCard(recap);
    expect(cardText(recap)).toContain(`Send the deck (owner ${ALICE.name}, due 2026-12-20)`);
    // The digest's reading of the recap carries them too.
    const [digestRecap] = await agendaInternals(bot.app.host)!.service.recapsBetween(TENANT, conv, new Date('2026-12-10T00:00:00Z'), new Date('2026-12-11T00:00:00Z'));
    expect(digestRecap!.actions).toContain(`Send the deck (owner ${ALICE.name}, due 2026-12-20)`);

    const notes = await agendaInternals(bot.app.host)!.service.repo.listStoredNotes({ tenantId: TENANT, conversationId: conv }, call.callId);
    const booking = notes.find((n) => n.text === 'Book the room')!;
    expect(h.textOf(await h.press('call.actionDone', { callId: call.callId, noteKey: booking.noteKey }, { ...here, from: BOB }))).toContain('Marked done');
    bot.connector.reset();
    await h.say('agenda', here);
    const next = bot.connector.cards({ conversationId: conv, method: 'POST' })[0]!.card;
    expectValidCard(next);
    const text = cardText(next);
    expect(text).toContain('Open actions from the last call');
    expect(text).toContain(`Send the deck (owner ${ALICE.name}, due 2026-12-20)`);
    expect(text).not.toContain('Book the room');
    expect(text.indexOf('Open actions')).toBeLessThan(text.indexOf("I'll be there"));
  });
});

describe('who came: meeting events and Here', () => {
  const clock = clockAt('2026-12-01T09:00:00Z');
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    bot.connector.members = [ALICE, BOB, person(1), person(2)].map(asMember);
  });
  afterAll(async () => bot.close());

  const MEETING_CHAT = '19:meeting_NjQ4ZTk2@thread.v2';
  const MEETING_ID = 'MCMxOTptZWV0aW5nX05qUTRaVGsyQHRocmVhZC52MiMw';
  /** Meeting events as Teams sends them to a bot installed in the meeting (its group chat). */
  const meetingEvent = (name: string, value: unknown) => ({
    ...bot.teams.conversationFor('groupChat', { conversationId: MEETING_CHAT, from: ALICE }, 'event'),
    name: `application/vnd.microsoft.${name}`,
    value,
    channelData: { tenant: { id: TENANT }, meeting: { id: MEETING_ID } },
  });
  const participant = (p: Person) => ({ user: { tenantId: TENANT, objectId: p.aadObjectId, id: p.id, name: p.name, aadObjectId: p.aadObjectId, role: 'user' }, meeting: { inMeeting: true, role: 'Attendee' } });

  test('when the meeting starts and people join, then the channel call gets its running note and one attendance row per person; first-timers are known', async () => {
    const h = helpers(bot);
    const conv = '19:who-came@thread.tacv2';
    const call = await h.createCall(conv, JOIN);
    bot.connector.reset();
    // Teams sends the join URL encoded its own way: matched on the meeting's path.
    const start = meetingEvent('meetingStart', { Id: MEETING_ID, MeetingType: 'Scheduled', JoinUrl: JOIN.replace('%3a', ':').replace('%40', '@'), Title: 'Power Hour', StartTime: '2026-12-10T15:00:10.000Z' });
    expect((await bot.send(start)).status).toBeLessThan(300);
    // Re-delivered: still one running note.
    await bot.send(start);
    const notesPosted = bot.connector.cards({ conversationId: conv, method: 'POST' }).filter((c) => cardText(c.card).includes('Running note:'));
    expect(notesPosted).toHaveLength(1);
    const joins = [meetingEvent('meetingParticipantJoin', { members: [participant(ALICE), participant(person(1))] }), meetingEvent('meetingParticipantJoin', { members: [participant(person(1)), participant(person(2))] })];
    await Promise.all([...joins, ...joins].map((j) => bot.send({ ...j, id: `${j.id}-${Math.random()}` })));
    // Someone also presses Here (twice, at once): still one row.
    const noteCard = notesPosted[0]!.record.activityId;
    const [here] = await Promise.all([1, 2].map(() => h.press('call.here', { callId: call.callId }, { conversationId: conv, from: person(2) }, noteCard)));
    expect(cardText(h.cardOf(here!))).toMatch(/marked as here/);
    const here3 = h.cardOf(await h.press('call.here', { callId: call.callId }, { conversationId: conv, from: BOB }, noteCard));
    expect(cardText(here3)).toContain('4 people here');
    await bot.send(meetingEvent('meetingEnd', { Id: MEETING_ID, MeetingType: 'Scheduled', JoinUrl: JOIN, Title: 'Power Hour', EndTime: '2026-12-10T16:00:00.000Z' }));
    // A malformed meeting event is dropped without a reply.
    bot.connector.reset();
    expect((await bot.send(meetingEvent('meetingParticipantJoin', { members: 'everyone' }))).status).toBeLessThan(300);
    expect(bot.connector.posts()).toHaveLength(0);

    const attendance = callInternals(bot.app.host)!.attendance;
    const turnout = await attendance.turnout({ tenantId: TENANT, conversationId: conv }, call.callId);
    expect(turnout.count).toBe(4);
    expect([...turnout.names].sort()).toEqual([ALICE.name, BOB.name, 'Person 1', 'Person 2'].sort());
    expect([...turnout.firstTimers].sort()).toEqual([ALICE.name, BOB.name, 'Person 1', 'Person 2'].sort());
    // Stats counts the same attendance (the `attended` events, once per person): turnout and first-timers.
    const health = await insightsOf(bot.app.host)!.health({ tenantId: TENANT, spaceId: TEAM }, '7d');
    const power = health.turnout.find((t) => t.callId === call.callId);
    expect([power?.present, power?.firstTime]).toEqual([4, 4]);
    expect(health.counts.attendances.now).toBe(4);

    // The next occurrence: only newcomers are first-timers.
    clock.current = new Date('2026-12-10T16:05:00Z');
    await h.say('call done', { conversationId: conv, from: ALICE });
    const next = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv }))!;
    await callInternals(bot.app.host)!.notes.checkIn({ tenantId: TENANT, conversationId: conv }, { userId: 'aad-new', userName: 'Newcomer' }, next.callId);
    await callInternals(bot.app.host)!.notes.checkIn({ tenantId: TENANT, conversationId: conv }, { userId: ALICE.aadObjectId, userName: ALICE.name }, next.callId);
    const second = await attendance.turnout({ tenantId: TENANT, conversationId: conv }, next.callId);
    expect([second.count, second.firstTimers]).toEqual([2, ['Newcomer']]);
  });
});

describe('ask while a call starts on another instance', () => {
  test('when a running note was started on another instance, then for at most NO_RUNNING_NOTE_TTL_MS an ask here is a question for the network (nothing lost), and after it the ask joins the call queue', async () => {
    const shared = clockAt('2026-12-01T09:00:00Z');
    const connector = await new ConnectorStandIn().start();
    const env = { STORAGE_TABLE_PREFIX: uniquePrefix() };
    const one = await startTestBot({ env, deps: { clock: shared }, connector });
    const two = await startTestBot({ env, deps: { clock: shared }, connector });
    try {
      const conv = '19:ask-window@thread.tacv2';
      const here = { conversationId: conv };
      const call = await helpers(two).createCall(conv);
      const questionsOfCall = async () => (await agendaInternals(one.app.host)!.service.repo.listStoredNotes({ tenantId: TENANT, conversationId: conv }, call.callId)).filter((n) => n.kind === 'question').map((n) => n.text);
      const cardsWith = (question: string) => connector.cards({ conversationId: conv, method: 'POST' }).filter((c) => cardText(c.card).includes(question));
      // Instance one finds no running note here (and keeps that finding), then two starts the call.
      await helpers(one).say('ask Who has run a champions programme before?', { ...here, from: person(1) });
      expect(cardsWith('Who has run a champions programme before?')).toHaveLength(1);
      const startedAt = Date.now();
      await helpers(two).press('call.start', { callId: call.callId }, { ...here, from: ALICE });
      // Within the window, one still takes the call as not started: the ask becomes a question card, stored, not lost.
      await helpers(one).say('ask How did you measure adoption?', { ...here, from: person(2) });
      if (Date.now() - startedAt < NO_RUNNING_NOTE_TTL_MS) {
        expect(cardsWith('How did you measure adoption?')).toHaveLength(1);
        expect(await questionsOfCall()).toEqual([]);
      }
      // After the window, instance one reads again: the ask joins the call's live queue.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, NO_RUNNING_NOTE_TTL_MS - (Date.now() - startedAt)) + 100));
      await helpers(one).say('ask What would you do differently next time?', { ...here, from: person(3) });
      expect(connector.texts(conv).at(-1)).toContain('in the queue on the running note');
      expect(await questionsOfCall()).toEqual(['What would you do differently next time?']);
      expect(cardsWith('What would you do differently next time?').filter((c) => !cardText(c.card).includes('Power Hour'))).toHaveLength(0);
    } finally {
      await one.close();
      await two.close();
      await connector.stop();
    }
  }, 60_000);
});

describe('actions that get done, with two instances', () => {
  test('when reminders fall due on two instances, then the 15-minute reminder and the owner\'s action reminder (mentioned) each go out once; Done and Needs more time work; a gone conversation stops only its own', async () => {
    const shared = clockAt('2026-12-01T09:00:00Z');
    const connector = await new ConnectorStandIn().start();
    connector.members = [ALICE, BOB].map(asMember);
    const env = { STORAGE_TABLE_PREFIX: uniquePrefix() };
    const one = await startTestBot({ env, deps: { clock: shared }, connector });
    const two = await startTestBot({ env, deps: { clock: shared }, connector });
    try {
      const h = helpers(one);
      const conv = '19:actions@thread.tacv2';
      const gone = '19:actions-gone@thread.tacv2';
      const call = await h.createCall(conv);
      const goneCall = await h.createCall(gone);
      await h.press('call.note', { callId: call.callId, topic: '0', text: 'Send the deck', kind: 'action', owner: ALICE.aadObjectId, due: '2026-12-11' }, { conversationId: conv });
      await h.press('call.note', { callId: goneCall.callId, topic: '0', text: 'Lost cause', kind: 'action', owner: ALICE.aadObjectId, due: '2026-12-11' }, { conversationId: gone });
      connector.reset();
      connector.failConversation(gone, 404);
      const both = () => Promise.all([one.app.bot.jobs.runOnce([ACTION_DUE_JOB]), two.app.bot.jobs.runOnce([ACTION_DUE_JOB])]);

      // The 15-minute reminder, both instances at once, twice: one post; the gone chat gets none.
      shared.current = new Date('2026-12-10T14:45:01Z');
      const remindBoth = () => Promise.all([one.app.bot.jobs.runOnce([REMIND_JOB]), two.app.bot.jobs.runOnce([REMIND_JOB])]);
      await remindBoth();
      await remindBoth();
      expect(connector.cards({ conversationId: conv, method: 'POST' }).map((c) => cardText(c.card).split('\n')[0])).toEqual(['Starting in 15 minutes: Power Hour']);
      expect(connector.posts(gone)).toHaveLength(0);
      connector.reset();
      connector.failConversation(gone, 404);

      // 09:00 in Amsterdam on the due date is 08:00 UTC.
      shared.current = new Date('2026-12-11T07:59:00Z');
      await both();
      expect(connector.posts(conv)).toHaveLength(0);
      shared.current = new Date('2026-12-11T08:00:01Z');
      await both();
      await both();
      const posted = connector.cards({ conversationId: conv, method: 'POST' });
      expect(posted).toHaveLength(1);
      const card = posted[0]!.card;
      expectValidCard(card);
      expect(cardText(card)).toContain(`<at>${ALICE.name}</at>, this is due today: Send the deck`);
      expect((card.msteams as { entities: unknown[] }).entities).toEqual([{ type: 'mention', text: `<at>${ALICE.name}</at>`, mentioned: { id: ALICE.id, name: ALICE.name } }]);
      expect(connector.posts(gone)).toHaveLength(0);

      // Needs more time from the owner (a date in the past refused), someone else refused, then Done.
      const data = findActions(card, 'Action.Execute').find((a) => a.title === 'Needs more time')!.data as Record<string, unknown>;
      const later = (await h.press('call.actionLater', { ...data, due: '2026-12-15' }, { conversationId: conv, from: ALICE }, posted[0]!.record.activityId));
      expect(h.textOf(later)).toContain('Moved to 2026-12-15');
      expect(h.textOf(await h.press('call.actionLater', { ...data, due: '2026-12-01' }, { conversationId: conv, from: ALICE }))).toContain('in the past');
      expect(h.textOf(await h.press('call.actionDone', data, { conversationId: conv, from: person('stranger') }))).toContain('Only the owner');
      connector.reset();
      shared.current = new Date('2026-12-15T08:00:01Z');
      await both();
      expect(connector.cards({ conversationId: conv, method: 'POST' })).toHaveLength(1);
      const done = await h.press('call.actionDone', data, { conversationId: conv, from: ALICE }, 'act-reminder-2');
      expect(h.textOf(done)).toContain('Marked done');
      expect(h.textOf(await h.press('call.actionDone', data, { conversationId: conv, from: ALICE }))).toContain('Marked done');
      const note = (await agendaInternals(one.app.host)!.service.repo.listNotes({ tenantId: TENANT, conversationId: conv }, call.callId))[0]!;
      expect([note.done, note.due]).toEqual([true, '2026-12-15']);
    } finally {
      await one.close();
      await two.close();
      await connector.stop();
    }
  }, 60_000);
});
