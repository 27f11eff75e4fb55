import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, CHANNEL, TEAM, TENANT, person, type Person as TeamsPerson } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../src/people/organizers';
import { StoriesService } from '../../src/features/stories/service';
import { CARD_LEASE_MS, ConnectService, ReminderNotScheduled } from '../../src/features/connect/service';
import { QUESTIONS_TABLE } from '../../src/features/connect/repo';
import type { Store } from '../../src/store/tables';
import { storiesPorts } from '../../src/features/connect/ports';
import { REMINDER_JOB } from '../../src/features/connect/jobs';
import { connectStrings as s } from '../../src/features/connect/strings';
import { MAX_QUESTION_LENGTH } from '../../src/features/connect/model';
import { standing, TOP_SIZE } from '../../src/features/connect/expertise';
import { agendaInternals } from '../../src/features/agenda/routes';
import { callInternals } from '../../src/features/call/routes';
import { PROCESSED_TABLE } from '../../src/teams/middleware';
import { key } from '../../src/store/keys';
import { odata, type TableClient } from '@azure/data-tables';
import { agendaStrings } from '../../src/features/agenda/strings';

/** Connect over real HTTP with Azurite: ask, the question card's buttons, the answer dialog, who knows, hide/show, buckets, the reminder. */
const start = new Date('2026-06-01T09:00:00Z');
const clock = { at: start, now: (): Date => new Date(clock.at) };
const where = { tenantId: TENANT, spaceId: TEAM };
const CAROL = person('carol', 'Carol Champion');
const DANA = person('dana', 'Dana Veteran');
const ERIN = person('erin', 'Erin Helper');
const FRED = person('fred', 'Fred Governance');
const DAY = 86_400_000;

type Json = Record<string, unknown>;

const questionIdOf = (c: unknown): string => {
  const m = /"questionId":"([^"]+)"/.exec(JSON.stringify(c));
  if (!m?.[1]) throw new Error('no questionId on the card');
  return m[1];
};
const versionOf = (c: unknown): number => Number(/"v":(\d+)/.exec(JSON.stringify(c))?.[1] ?? NaN);

function invokeCard(body: unknown): Json {
  const b = body as { type?: string; value?: Json };
  expect(b.type).toBe('application/vnd.microsoft.card.adaptive');
  expectValidCard(b.value);
  return b.value as Json;
}

function invokeMessage(body: unknown): string {
  const b = body as { type?: string; value?: string };
  expect(b.type).toBe('application/vnd.microsoft.activity.message');
  return b.value ?? '';
}

/** A value written beside a reply: polled until it is there (at most 5 s). */
async function eventually<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  const until = Date.now() + 5000;
  for (;;) {
    const v = await read();
    if (v !== undefined || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const mentionIds = (c: Json): string[] => (((c.msteams as Json | undefined)?.entities as { mentioned: { id: string } }[] | undefined) ?? []).map((e) => e.mentioned.id);

describe('connect', () => {
  let bot: TestBot;
  let service: ConnectService;

  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    service = new ConnectService(bot.app.store, clock, storiesPorts(bot.app.store, clock), { reminderHours: 72 });
    // Dana told three stories on champions two years ago; Carol two this month; Erin one on governance.
    clock.at = new Date(start.getTime() - 730 * DAY);
    for (const n of [1, 2, 3]) await story(`Our champions network ran office hours every week, round ${n}`, DANA);
    clock.at = new Date(start.getTime() - 20 * DAY);
    await story('Contoso champions kept momentum with a monthly champions call', CAROL);
    clock.at = new Date(start.getTime() - 14 * DAY);
    await story('Fabrikam champions shared a playbook for new champions', CAROL);
    await story('We set up a governance board for Teams naming policies and retention', ERIN);
    clock.at = start;
  });
  afterAll(async () => bot.close());
  beforeEach(() => {
    bot.connector.reset();
    clock.at = new Date(clock.at.getTime() + 60_000);
  });

  async function story(text: string, from: TeamsPerson, w: { teamId?: string; conversationId?: string } = {}): Promise<void> {
    const res = await bot.send(bot.teams.channelMessage(`story ${text}`, { from, ...w }));
    expect(res.status).toBe(200);
  }

  async function ask(text: string, from: TeamsPerson = BOB, w: { tenantId?: string; teamId?: string; conversationId?: string } = {}): Promise<{ card: Json; questionId: string; activityId: string; cardId: string }> {
    bot.connector.reset();
    const activity = bot.teams.channelMessage(`ask ${text}`, { from, ...w });
    expect((await bot.send(activity)).status).toBe(200);
    const cards = bot.connector.cards();
    expect(cards).toHaveLength(1);
    expectValidCard(cards[0]!.card);
    return { card: cards[0]!.card, questionId: questionIdOf(cards[0]!.card), activityId: activity.id, cardId: cards[0]!.record.activityId };
  }

  const press = (verb: string, data: Json, from: TeamsPerson, cardId?: string, w: { tenantId?: string; teamId?: string; conversationId?: string } = {}) =>
    bot.send(bot.teams.cardAction(verb, data, { from, ...w }, 'channel', cardId));

  async function answer(questionId: string, from: TeamsPerson, text: string): Promise<{ answerId: string; status: number; body: unknown }> {
    const fetched = await bot.send(bot.teams.taskFetch({ verb: 'connect.answer', questionId }, { from }));
    expect(fetched.status).toBe(200);
    const task = (fetched.body as { task: { type: string; value: { card: { content: Json } } } }).task;
    expect(task.type).toBe('continue');
    expectValidCard(task.value.card.content);
    const answerId = /"answerId":"([0-9a-f]{12})"/.exec(JSON.stringify(task.value.card.content))?.[1] ?? '';
    const submitted = await bot.send(bot.teams.taskSubmit({ verb: 'connect.answer', questionId, answerId, answer: text }, { from }));
    return { answerId, ...submitted };
  }

  describe('ask', () => {
    test('when someone asks in a channel, then the card shows the question, its theme, related stories and up to 3 people @mentioned, recent contributors first, never the asker', async () => {
      const { card, questionId, cardId } = await ask('How do you keep champions engaged after the launch?', BOB);
      const text = cardText(card);
      expect(text).toContain('How do you keep champions engaged after the launch?');
      expect(text).toContain('#champions');
      expect(text).toMatch(/Contoso champions kept momentum|Fabrikam champions shared a playbook/);
      expect(text).toContain(`<at>${CAROL.name}</at>`);
      // Carol (recent) is suggested before Dana (two years ago); both are mentioned so Teams notifies them.
      expect(mentionIds(card)).toEqual([CAROL.aadObjectId, DANA.aadObjectId]);
      expect(text.indexOf(CAROL.name)).toBeLessThan(text.indexOf(DANA.name));
      const stored = await service.find({ ...where, conversationId: CHANNEL }, questionId);
      expect(stored).toMatchObject({ asker: { userId: BOB.aadObjectId }, answerIds: [] });
      expect(stored.themes).toContain('champions');
      expect(stored.bucket).toBe(stored.themes[0]);
      // The card's id is remembered beside the reply (it does not hold the turn).
      expect(await eventually(async () => (await service.find({ ...where, conversationId: CHANNEL }, questionId)).cardId)).toBe(cardId);
    });

    test('when the asker is the expert, then they are not suggested on their own question', async () => {
      const { card } = await ask('What makes champions programmes last?', CAROL);
      expect(mentionIds(card)).not.toContain(CAROL.aadObjectId);
      expect(mentionIds(card)).toContain(DANA.aadObjectId);
    });

    test('when a related story was deleted, then it is not shown beside a question', async () => {
      const conv = { teamId: '19:related-team@thread.tacv2', conversationId: '19:related-channel@thread.tacv2' };
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('story Zeppelin champions ran a quiz night for the whole plant #champions', { from: CAROL, ...conv }));
      const storyId = /"storyId":"([^"]+)"/.exec(JSON.stringify(bot.connector.cards()[0]!.card))![1]!;
      expect(cardText((await ask('Has anyone run a champions quiz night?', BOB, conv)).card)).toContain('Zeppelin champions ran a quiz night');
      expect((await bot.send(bot.teams.cardAction('story.delete', { storyId }, { from: CAROL, ...conv }))).status).toBe(200);
      expect(cardText((await ask('Who ran a champions quiz night?', BOB, conv)).card)).not.toContain('Zeppelin');
    });

    test('when the question is empty or over the length limit, then the person is told and nothing is stored', async () => {
      const before = (await service.openQuestions(where, 1000)).length;
      await bot.send(bot.teams.channelMessage('ask   '));
      expect(bot.connector.texts()).toEqual([s.emptyQuestion]);
      bot.connector.reset();
      const long = 'why '.repeat(MAX_QUESTION_LENGTH / 2);
      await bot.send(bot.teams.channelMessage(`ask ${long}`));
      expect(bot.connector.texts()).toEqual([s.questionTooLong(long.trim().length)]);
      expect(bot.connector.cards()).toHaveLength(0);
      expect((await service.openQuestions(where, 1000)).length).toBe(before);
    });

    test('when Teams delivers the same ask twice (at once, and again later), then one question is stored, counted and posted, and no de-duplication row is written for it', async () => {
      const conv = { teamId: '19:redelivery-team@thread.tacv2', conversationId: '19:redelivery-channel@thread.tacv2' };
      const place = { tenantId: TENANT, spaceId: conv.teamId };
      const activity = bot.teams.channelMessage('ask Who has run champions office hours twice?', { from: BOB, ...conv });
      const results = await Promise.all([bot.send(activity), bot.send(activity)]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect((await bot.send(activity)).status).toBe(200);
      expect(bot.connector.cards()).toHaveLength(1);
      expect(await service.openQuestions(place, 10)).toHaveLength(1);
      // The bucket's counter is written beside the reply: once it shows, it shows one question.
      const counted = await eventually(async () => (await service.buckets(place)).find((b) => b.asked > 0));
      expect(counted).toMatchObject({ asked: 1, open: 1 });
      // The question's own transaction held the activity: the door's `processed` table has no row for it.
      const rows: unknown[] = [];
      for await (const r of bot.app.store.table(PROCESSED_TABLE).listEntities({ queryOptions: { filter: odata`RowKey eq ${key('message', activity.id)}` } })) rows.push(r);
      expect(rows).toHaveLength(0);
    });

    test('when the card of a stored question could not be posted, then a re-delivery of the ask posts it (once, even twice at once), and the question is counted once', async () => {
      const conv = { teamId: '19:resume-team@thread.tacv2', conversationId: '19:resume-channel@thread.tacv2' };
      const place = { tenantId: TENANT, spaceId: conv.teamId };
      const activity = bot.teams.channelMessage('ask How did you keep champions going after the launch party?', { from: BOB, ...conv });
      bot.connector.failConversation(conv.conversationId, 403);
      await bot.send(activity);
      expect(bot.connector.cards()).toHaveLength(0);
      expect(await service.openQuestions(place, 10)).toHaveLength(1);
      bot.connector.reset();
      const again = await Promise.all([bot.send(activity), bot.send(activity)]);
      expect(again.map((r) => r.status)).toEqual([200, 200]);
      expect(bot.connector.cards()).toHaveLength(1);
      expect(bot.connector.texts()).toEqual([]);
      const [question] = await service.openQuestions(place, 10);
      expect(questionIdOf(bot.connector.cards()[0]!.card)).toBe(question!.questionId);
      // The card's id is kept (a press updates it), and the first delivery's count stands alone.
      const stored = await eventually(async () => {
        const q = await service.find({ ...place, conversationId: conv.conversationId }, question!.questionId);
        return q.cardId ? q : undefined;
      });
      expect(stored?.cardId).toBe(bot.connector.cards()[0]!.record.activityId);
      expect(await eventually(async () => (await service.buckets(place)).find((b) => b.asked > 0))).toMatchObject({ asked: 1, open: 1 });
      bot.connector.reset();
      await bot.send(activity);
      expect(bot.connector.posts()).toHaveLength(0);
    });

    test('when the instance that stored a question stopped before posting its card, then a re-delivery waits for its lease, then posts the card and counts the question', async () => {
      const conv = { teamId: '19:resume2-team@thread.tacv2', conversationId: '19:resume2-channel@thread.tacv2' };
      const place = { tenantId: TENANT, spaceId: conv.teamId, conversationId: conv.conversationId };
      const activity = bot.teams.channelMessage('ask Who has a template for champions office hours?', { from: BOB, ...conv });
      // `service` stands for an instance that stored the question for this activity and then stopped.
      const prepared = await service.prepare(place, { userId: BOB.aadObjectId, userName: BOB.name }, 'Who has a template for champions office hours?', '{}');
      expect(await service.save(prepared, activity.id)).toBeDefined();
      await bot.send(activity);
      expect(bot.connector.posts()).toHaveLength(0);
      clock.at = new Date(clock.at.getTime() + CARD_LEASE_MS + 1_000);
      await Promise.all([bot.send(activity), bot.send(activity)]);
      expect(bot.connector.cards()).toHaveLength(1);
      expect(questionIdOf(bot.connector.cards()[0]!.card)).toBe(prepared.question.questionId);
      expect(await eventually(async () => (await service.buckets(place)).find((b) => b.asked > 0))).toMatchObject({ asked: 1 });
    });

    test('when ask is used in personal chat, then the person is told it works in channels and chats', async () => {
      await bot.send(bot.teams.personalMessage('ask anything?'));
      expect(bot.connector.cards()).toHaveLength(0);
      expect(bot.connector.texts()).toHaveLength(1);
    });
  });

  describe('"Ask the network" on a message', () => {
    test('when someone uses the message action, then the dialog holds the message and submitting posts the question card in that message\'s thread', async () => {
      const message = { id: '1790000000001', html: '<p>Does anyone know how to keep <b>champions</b> engaged after launch?</p>', from: ERIN };
      const fetched = await bot.send(bot.teams.messageActionFetch('askNetwork', message, { from: BOB }));
      const task = (fetched.body as { task: { type: string; value: { card: { content: Json } } } }).task;
      expect(task.type).toBe('continue');
      expectValidCard(task.value.card.content);
      expect(JSON.stringify(task.value.card.content)).toContain('Does anyone know how to keep champions engaged after launch?');
      bot.connector.reset();
      const submitted = await bot.send(bot.teams.messageActionSubmit('askNetwork', { question: 'How do you keep champions engaged after launch?' }, message, { from: BOB }));
      expect(submitted.status).toBe(200);
      const cards = bot.connector.cards({ method: 'POST' });
      expect(cards).toHaveLength(1);
      expect(cards[0]!.record.conversationId).toBe(`${CHANNEL};messageid=${message.id}`);
      expect(mentionIds(cards[0]!.card)).toContain(CAROL.aadObjectId);
      const stored = await service.find({ ...where, conversationId: CHANNEL }, questionIdOf(cards[0]!.card));
      expect(stored.asker.userId).toBe(BOB.aadObjectId);
      expect(await eventually(async () => (await service.find({ ...where, conversationId: CHANNEL }, stored.questionId)).cardId)).toBe(cards[0]!.record.activityId);
    });

    test('when the dialog comes back empty or forged, then nothing is asked', async () => {
      const message = { id: '1790000000002', html: '<p>hello</p>', from: ERIN };
      const before = (await service.openQuestions(where, 1000)).length;
      const empty = await bot.send(bot.teams.messageActionSubmit('askNetwork', { question: '  ' }, message, { from: BOB }));
      expect(JSON.stringify(empty.body)).toContain(s.emptyQuestion.slice(0, 30));
      const forged = await bot.send(bot.teams.messageActionSubmit('askNetwork', { question: 42 }, message, { from: BOB }));
      expect(forged.status).toBe(400);
      expect((await service.openQuestions(where, 1000)).length).toBe(before);
    });
  });

  describe('the question card', () => {
    test('when a question is asked and answered twice, then insights hears one question (with its themes) and two answers, only the first timed from the ask', async () => {
      const heard: { kind: string; themes?: string[]; firstAnswerTo?: { askedAt: Date } }[] = [];
      bot.app.host.events.on('contributed', async (c) => void (c.kind === 'question' || c.kind === 'answer' ? heard.push(c) : undefined));
      const { questionId } = await ask('How do champions keep momentum after a launch?');
      await answer(questionId, CAROL, 'Monthly show and tell.');
      await answer(questionId, DANA, 'A shared backlog of ideas.');
      expect(heard.map((c) => c.kind)).toEqual(['question', 'answer', 'answer']);
      expect(heard[0]!.themes).toContain('champions');
      expect(heard[1]!.firstAnswerTo?.askedAt).toBeInstanceOf(Date);
      expect(heard[2]!.firstAnswerTo).toBeUndefined();
    });

    test('when two people press "I can help" at once, then exactly one claims it, the other is told who did, and the asker is told once', async () => {
      const { questionId, card, cardId } = await ask('Who has run a champions hackathon?');
      const v = versionOf(card);
      bot.connector.reset();
      const [a, b] = await Promise.all([press('connect.claim', { questionId, v }, CAROL, cardId), press('connect.claim', { questionId, v }, DANA, cardId)]);
      const texts = [cardText(invokeCard(a.body)), cardText(invokeCard(b.body))];
      const stored = await service.find({ ...where, conversationId: CHANNEL }, questionId);
      const winner = stored.claimedBy!;
      expect([CAROL.aadObjectId, DANA.aadObjectId]).toContain(winner.userId);
      expect(texts.filter((t) => t.includes(s.claimedByYou))).toHaveLength(1);
      expect(texts.filter((t) => t.includes(s.alreadyClaimed(winner.userName)))).toHaveLength(1);
      const told = bot.connector.posts().filter((p) => p.body.text?.includes('will help with your question'));
      expect(told).toHaveLength(1);
      expect(told[0]!.body.text).toContain(winner.userName);
      expect(told[0]!.conversationId).toContain(';messageid=');
      expect(JSON.stringify(told[0]!.body.entities)).toContain(BOB.aadObjectId);
      // Pressing again changes nothing.
      bot.connector.reset();
      const again = await press('connect.claim', { questionId, v }, winner.userId === CAROL.aadObjectId ? CAROL : DANA, cardId);
      expect(cardText(invokeCard(again.body))).toContain(s.claimedByYou);
      expect(bot.connector.posts()).toHaveLength(0);
    });

    test('when the question is asked inside a channel thread, then what follows (who helps) is posted in that thread, not in a new one', async () => {
      const thread = `${CHANNEL};messageid=thread-root-1`;
      const { questionId, card, cardId } = await ask('Who has a champions onboarding checklist?', BOB, { conversationId: thread });
      bot.connector.reset();
      await press('connect.claim', { questionId, v: versionOf(card) }, CAROL, cardId);
      const told = bot.connector.posts().filter((p) => p.body.text?.includes('will help with your question'));
      expect(told).toHaveLength(1);
      expect(told[0]!.conversationId).toBe(thread);
    });

    test('when the asker presses "I can help", or the data is forged, then nothing changes and they are told why', async () => {
      const { questionId, card } = await ask('How do champions report progress?');
      const v = versionOf(card);
      expect(invokeMessage((await press('connect.claim', { questionId, v }, BOB)).body)).toBe(s.ownQuestionClaim);
      expect(invokeMessage((await press('connect.claim', { questionId, v }, CAROL, undefined, { conversationId: '19:other-channel@thread.tacv2' })).body)).toBe(s.questionNotFound);
      expect(invokeMessage((await press('connect.claim', { questionId, v }, CAROL, undefined, { tenantId: 'other-tenant' })).body)).toBe(s.questionNotFound);
      expect(invokeMessage((await press('connect.claim', { questionId, v: v + 5 }, CAROL)).body)).toBe(s.questionNotFound);
      expect((await press('connect.claim', { questionId: 'not-an-id', v }, CAROL)).status).toBe(400);
      expect((await service.find({ ...where, conversationId: CHANNEL }, questionId)).claimedBy).toBeUndefined();
    });

    test('when a suggested person says "Not for me", then the next person is offered, and the one who declined is never suggested for it again', async () => {
      const { questionId, card, cardId } = await ask('Any tips for a champions kickoff event?', ERIN);
      expect(mentionIds(card)).toEqual([CAROL.aadObjectId, DANA.aadObjectId]);
      bot.connector.reset();
      const res = await press('connect.decline', { questionId, v: versionOf(card) }, CAROL, cardId);
      const after = invokeCard(res.body);
      expect(cardText(after)).toContain(s.declined);
      expect(mentionIds(after)).toEqual([DANA.aadObjectId]);
      expect(bot.connector.updates().some((u) => u.activityId === cardId)).toBe(true);
      const stored = await service.find({ ...where, conversationId: CHANNEL }, questionId);
      expect(stored.declined).toEqual([CAROL.aadObjectId]);
      // Pressing again is the same answer; someone never suggested cannot decline.
      expect(cardText(invokeCard((await press('connect.decline', { questionId, v: versionOf(card) }, CAROL)).body))).not.toContain(`<at>${CAROL.name}</at>`);
      expect(invokeMessage((await press('connect.decline', { questionId, v: versionOf(card) }, FRED)).body)).toBe(s.notSuggested);
      // Dana declines too: Fred has shared nothing on champions, so nobody is left.
      const last = invokeCard((await press('connect.decline', { questionId, v: versionOf(after) }, DANA)).body);
      expect(mentionIds(last)).toEqual([]);
    });

    test('when a suggested person declines and someone else knows the theme, then that person is @mentioned in the thread and added to the card', async () => {
      const conv = { teamId: '19:decline-team@thread.tacv2', conversationId: '19:decline-channel@thread.tacv2' };
      for (const [p, t] of [[CAROL, 'Our champions ran a kickoff roadshow'], [DANA, 'Champions roadshow in every office'], [FRED, 'A champions roadshow with demos']] as const) await story(`${t} #champions`, p, conv);
      clock.at = new Date(clock.at.getTime() - 30 * DAY);
      await story('Champions roadshow lessons from last year #champions', ERIN, conv);
      clock.at = new Date(clock.at.getTime() + 30 * DAY);
      const { questionId, card, cardId } = await ask('How to run a champions roadshow?', BOB, conv);
      expect(mentionIds(card)).toHaveLength(3);
      expect(mentionIds(card)).not.toContain(ERIN.aadObjectId);
      const decliner = [CAROL, DANA, FRED].find((p) => p.aadObjectId === mentionIds(card)[0])!;
      bot.connector.reset();
      const res = invokeCard((await press('connect.decline', { questionId, v: versionOf(card) }, decliner, cardId, conv)).body);
      expect(mentionIds(res)).not.toContain(decliner.aadObjectId);
      expect(mentionIds(res)).toContain(ERIN.aadObjectId);
      const offered = bot.connector.posts().filter((p) => p.body.text === s.nextSuggestion(`<at>${ERIN.name}</at>`));
      expect(offered).toHaveLength(1);
      expect(offered[0]!.conversationId).toContain(`${conv.conversationId};messageid=`);
      expect(JSON.stringify(offered[0]!.body.entities)).toContain(ERIN.aadObjectId);
    });
  });

  describe('answers', () => {
    test('when someone answers in the dialog, then the answer is posted in the question thread and kept; the same submit again posts nothing; accept is for the asker; the accepted answer counts for the answerer and can be saved as a story', async () => {
      const { questionId } = await ask('How did you measure champions impact?', BOB);
      bot.connector.reset();
      const { answerId, status, body } = await answer(questionId, ERIN, 'We counted active channels per champion every month.');
      expect(status).toBe(200);
      // The dialog closes with the door's plain "Done." (never an empty body); the answer is in the thread.
      expect((body as Json | undefined)?.task).toEqual({ type: 'message', value: 'Done.' });
      const posted = bot.connector.cards({ method: 'POST' });
      expect(posted).toHaveLength(1);
      expect(posted[0]!.record.conversationId).toContain(';messageid=');
      expect(cardText(posted[0]!.card)).toContain('We counted active channels per champion every month.');
      expect((await service.find({ ...where, conversationId: CHANNEL }, questionId)).answerIds).toEqual([answerId]);
      expect((await service.openQuestions(where, 1000)).map((q) => q.questionId)).not.toContain(questionId);

      bot.connector.reset();
      const again = await bot.send(bot.teams.taskSubmit({ verb: 'connect.answer', questionId, answerId, answer: 'We counted active channels per champion every month.' }, { from: ERIN }));
      expect((again.body as { task: { value: string } }).task.value).toBe(s.duplicateAnswer);
      expect(bot.connector.posts()).toHaveLength(0);

      const empty = await bot.send(bot.teams.taskSubmit({ verb: 'connect.answer', questionId, answerId: 'abcdefabcdef', answer: '   ' }, { from: ERIN }));
      expect((empty.body as { task: { value: string } }).task.value).toBe(s.emptyAnswer);

      expect(invokeMessage((await press('connect.accept', { questionId, answerId }, DANA)).body)).toBe(s.onlyAskerAccepts);
      const accepted = invokeCard((await press('connect.accept', { questionId, answerId }, BOB, posted[0]!.record.activityId)).body);
      expect(cardText(accepted)).toContain(s.acceptedBadge);
      expect(cardText(accepted)).toContain(s.saveAsStory);
      expect((await service.find({ ...where, conversationId: CHANNEL }, questionId)).accepted?.answerer.userId).toBe(ERIN.aadObjectId);
      // Set-state: pressing Accept again is still accepted, and counts once.
      expect(cardText(invokeCard((await press('connect.accept', { questionId, answerId }, BOB)).body))).toContain(s.acceptedBadge);
      const erin = (await service.whoKnows(where, '#champions', { userId: BOB.aadObjectId, userName: BOB.name })).experts.find((e) => e.person.userId === ERIN.aadObjectId);
      expect(erin?.evidence[0]?.counts.answer).toBe(1);

      expect(invokeMessage((await press('connect.saveStory', { questionId, answerId }, DANA)).body)).toBe(s.onlyAskerSaves);
      expect(invokeMessage((await press('connect.saveStory', { questionId, answerId }, BOB)).body)).toBe(s.savedAsStory);
      expect(invokeMessage((await press('connect.saveStory', { questionId, answerId }, BOB)).body)).toBe(s.savedAsStoryAlready);
      const stories = await new StoriesService(bot.app.store, clock).storiesBetween(TENANT, TEAM, new Date(0), new Date(clock.now().getTime() + 1));
      const saved = stories.find((st) => st.text === 'We counted active channels per champion every month.');
      expect(saved).toMatchObject({ tellerId: ERIN.aadObjectId });
      expect(saved?.themes).toContain('champions');
    });

    test('when an answer names a question of another conversation, then the dialog says so and nothing is stored', async () => {
      const { questionId } = await ask('Where is the champions playbook?', BOB);
      const fetched = await bot.send(bot.teams.taskFetch({ verb: 'connect.answer', questionId }, { from: ERIN, conversationId: '19:elsewhere@thread.tacv2' }));
      expect((fetched.body as { task: { value: string } }).task.value).toBe(s.questionNotFound);
      const sub = await bot.send(bot.teams.taskSubmit({ verb: 'connect.answer', questionId, answerId: 'abcdefabcdef', answer: 'here' }, { from: ERIN, conversationId: '19:elsewhere@thread.tacv2' }));
      expect((sub.body as { task: { value: string } }).task.value).toBe(s.questionNotFound);
      expect((await service.find({ ...where, conversationId: CHANNEL }, questionId)).answerIds).toEqual([]);
    });
  });

  describe('who knows, hide me, show me', () => {
    test('when someone asks who knows a theme, then people are ranked by what they shared, recent work first, each with the reason', async () => {
      await bot.send(bot.teams.channelMessage('who knows #champions', { from: ALICE }));
      const [c] = bot.connector.cards();
      expectValidCard(c!.card);
      const text = cardText(c!.card);
      expect(text.indexOf(CAROL.name)).toBeGreaterThan(0);
      expect(text.indexOf(CAROL.name)).toBeLessThan(text.indexOf(DANA.name));
      expect(text).toMatch(/2 stories on \\?#champions, latest 2 weeks ago/);
      expect(text).toMatch(/3 stories on \\?#champions, latest 2 years ago/);
    });

    test('when the words name no theme, or an unknown #theme, or nothing, then the person is told which themes exist', async () => {
      await bot.send(bot.teams.channelMessage('who knows #underwater-basketry'));
      expect(bot.connector.texts()[0]).toContain("I don't know the theme #underwater-basketry");
      expect(bot.connector.texts()[0]).toContain('#champions');
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('who knows'));
      expect(bot.connector.texts()).toEqual([s.whoEmpty]);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('who knows governance'));
      expect(cardText(bot.connector.cards()[0]!.card)).toContain(ERIN.name);
      // A few words in the theme's own terms, too short for the tagger's story bar, still name it.
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('who knows lifecycle policy'));
      expect(bot.connector.texts()).toEqual([]);
      expect(cardText(bot.connector.cards()[0]!.card)).toContain(ERIN.name);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('who knows the weather today'));
      expect(bot.connector.texts()[0]).toContain('#governance');
    });

    test('when a person says "hide me", then they appear in no suggestion or who-knows list, in any team of the tenant, until "show me"', async () => {
      await bot.send(bot.teams.personalMessage('hide me', { from: CAROL }));
      expect(bot.connector.texts()).toEqual([s.hidden]);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('who knows #champions', { from: ALICE }));
      expect(cardText(bot.connector.cards()[0]!.card)).not.toContain(CAROL.name);
      const { card } = await ask('Who can mentor new champions?', ALICE);
      expect(mentionIds(card)).not.toContain(CAROL.aadObjectId);
      bot.connector.reset();
      await bot.send(bot.teams.personalMessage('show me', { from: CAROL }));
      expect(bot.connector.texts()).toEqual([s.shown]);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('who knows #champions', { from: ALICE }));
      expect(cardText(bot.connector.cards()[0]!.card)).toContain(CAROL.name);
    });

    test('when a person opts out on another instance, then the next question here does not suggest them (the opt-outs are read on every question), and after "show me" there they are suggested again', async () => {
      const question = 'How do champions keep the momentum going?';
      expect(mentionIds((await ask(question, BOB)).card)).toContain(CAROL.aadObjectId);
      // `service` stands for another instance on the same storage: this bot keeps the opt-outs it read last.
      await service.hide(TENANT, { userId: CAROL.aadObjectId, userName: CAROL.name });
      const hidden = await ask(question, BOB);
      expect(mentionIds(hidden.card)).not.toContain(CAROL.aadObjectId);
      expect(cardText(hidden.card)).not.toContain(`<at>${CAROL.name}</at>`);
      expect((await service.find({ ...where, conversationId: CHANNEL }, hidden.questionId)).suggested.map((p) => p.userId)).not.toContain(CAROL.aadObjectId);
      await service.show(TENANT, { userId: CAROL.aadObjectId, userName: CAROL.name });
      expect(mentionIds((await ask(question, BOB)).card)).toContain(CAROL.aadObjectId);
    });

    test('when another tenant or another team asks, then nobody from this team is suggested', async () => {
      await bot.send(bot.teams.channelMessage('who knows #champions', { tenantId: 'other-tenant-id' }));
      expect(cardText(bot.connector.cards()[0]!.card)).toContain(s.whoNobody);
      const { card } = await ask('How do champions stay engaged?', BOB, { teamId: '19:another-team@thread.tacv2', conversationId: '19:another-channel@thread.tacv2' });
      expect(mentionIds(card)).toEqual([]);
      expect(cardText(card)).toContain(s.nobodySuggested);
    });
  });

  describe('the expertise index learns as people contribute', () => {
    test('when someone proposes a topic or takes a note in a call, then they count on its themes (topics proposed, notes taken)', async () => {
      const conv = { teamId: '19:agenda-team@thread.tacv2', conversationId: '19:agenda-channel@thread.tacv2' };
      const GINA = person('gina', 'Gina Governor');
      await bot.send(bot.teams.channelMessage('call "Governance hour" 2026-12-10 16:00 monthly', { from: ALICE, ...conv }));
      await bot.send(bot.teams.channelMessage('topic How do we set retention and governance policies for Teams?', { from: GINA, ...conv }));
      await bot.send(bot.teams.channelMessage('note 1 decision: a governance board reviews naming policies', { from: GINA, ...conv }));
      // The agenda card's own updates may land after the reset: read the who-knows card by its title.
      const whoKnowsCard = () => cardText(bot.connector.cards({ conversationId: conv.conversationId, method: 'POST' }).map((c) => c.card).find((c) => cardText(c).startsWith(s.whoTitle([]).trim()))!);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('who knows #governance', { from: BOB, ...conv }));
      const text = whoKnowsCard();
      expect(text).toContain(GINA.name);
      expect(text).toContain('1 topic proposed, 1 note taken on');
      // A story counts once per story: the same text told again (a duplicate) adds nothing.
      const before = (await service.whoKnows({ tenantId: TENANT, spaceId: conv.teamId }, '#governance', { userId: BOB.aadObjectId, userName: BOB.name })).experts.find((e) => e.person.userId === GINA.aadObjectId)!;
      await story('Our governance board reviews every new team name', GINA, conv);
      await story('Our governance board reviews every new team name', GINA, conv);
      // The index is written beside the capture turn: read it through who knows, which waits for it.
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('who knows #governance', { from: BOB, ...conv }));
      expect(before.evidence[0]!.counts.story).toBeUndefined();
      expect(whoKnowsCard()).toMatch(/1 story, 1 topic proposed, 1 note taken on/);
    });
  });

  describe('the story shortlist of a theme', () => {
    test('when thirty long stories are told on a theme, then the shortlist keeps the newest 30 within one string property (32k characters)', async () => {
      const space = { tenantId: TENANT, spaceId: '19:long-stories-team@thread.tacv2' };
      const words = Array.from({ length: 600 }, (_, i) => `champion${i.toString(36)}word`);
      for (let n = 0; n < 31; n++) {
        const text = `Story ${n}: ${words.slice(n, n + 500).join(' ')} champions onboarding`.slice(0, 5000);
        await service.recordContribution({ ...space, personId: `aad-user-long-${n}`, name: `Teller ${n}`, kind: 'story', themes: ['champions'], story: { storyId: `long-${n}`, text, tellerName: `Teller ${n}` }, at: new Date(clock.now().getTime() - (31 - n) * 60_000) });
      }
      const { stories } = await service.repo.themeLists(space, 'champions');
      expect(stories).toHaveLength(30);
      expect(stories[0]!.storyId).toBe('long-30');
      expect(JSON.stringify(stories).length).toBeLessThan(32_000);
    });
  });

  describe('introductions', () => {
    const introduce = (personId: string, from: TeamsPerson = BOB) => press('connect.introduce', { personId, themes: 'champions' }, from);
    const reply = (from: TeamsPerson, requesterId: string, answer: 'yes' | 'no', spaceId = TEAM) =>
      bot.send(bot.teams.cardAction('connect.introReply', { s: spaceId, r: requesterId, answer }, { from }, 'personal'));

    test('when someone presses "Introduce me" on who knows, then the person gets a card in personal chat; on "Happy to talk" both get a chat link; 14 days later both are asked once whether it helped', async () => {
      await bot.send(bot.teams.channelMessage('who knows #champions', { from: BOB }));
      const whoCard = bot.connector.cards()[0]!.card;
      expect(cardText(whoCard)).toContain(s.introduceMe);
      expect(JSON.stringify(whoCard)).toContain(`"personId":"${CAROL.aadObjectId}"`);
      bot.connector.reset();
      expect(invokeMessage((await introduce(CAROL.aadObjectId)).body)).toBe(s.introSent(CAROL.name));
      expect(bot.connector.created.map((c) => (c.members as { id: string }[])[0]!.id)).toEqual([CAROL.aadObjectId]);
      const [intro] = bot.connector.cards({ method: 'POST' });
      expect(intro!.record.conversationId).toBe(`a:personal-${CAROL.aadObjectId}`);
      expectValidCard(intro!.card);
      expect(cardText(intro!.card)).toContain(s.introAsk(BOB.name, '#champions'));
      expect(invokeMessage((await introduce(CAROL.aadObjectId)).body)).toBe(s.introAlready(CAROL.name));
      // The question card offers the same for each suggested person.
      const { card: qCard } = await ask('Who could walk me through a champions launch?', BOB);
      expect(cardText(qCard)).toContain(s.introduceMe);
      expect(JSON.stringify(qCard)).toContain(`"verb":"connect.introduce","personId":"${DANA.aadObjectId}"`);

      bot.connector.reset();
      expect(invokeMessage((await reply(ERIN, BOB.aadObjectId, 'yes')).body)).toBe(s.introNotFound);
      expect(invokeMessage((await reply(CAROL, BOB.aadObjectId, 'yes', '19:another-team@thread.tacv2')).body)).toBe(s.introNotFound);
      const yes = invokeMessage((await reply(CAROL, BOB.aadObjectId, 'yes')).body);
      expect(yes).toBe(s.introAcceptedForPerson(BOB.name, `https://teams.microsoft.com/l/chat/0/0?users=${BOB.aadObjectId}`));
      const toBob = bot.connector.posts(`a:personal-${BOB.aadObjectId}`);
      expect(toBob.map((p) => p.body.text)).toEqual([s.introAccepted(CAROL.name, `https://teams.microsoft.com/l/chat/0/0?users=${CAROL.aadObjectId}`)]);
      // Set-state: the same answer again tells nobody anything new; the other answer is refused.
      bot.connector.reset();
      expect(invokeMessage((await reply(CAROL, BOB.aadObjectId, 'yes')).body)).toBe(yes);
      expect(invokeMessage((await reply(CAROL, BOB.aadObjectId, 'no')).body)).toBe(s.introAnswered);
      expect(bot.connector.posts()).toHaveLength(0);

      clock.at = new Date(clock.at.getTime() + 13 * DAY);
      await bot.app.bot.jobs.runOnce(['connect.intro-follow-up']);
      expect(bot.connector.posts()).toHaveLength(0);
      clock.at = new Date(clock.at.getTime() + 1 * DAY + 3_600_000);
      await Promise.all([bot.app.bot.jobs.runOnce(['connect.intro-follow-up']), bot.app.bot.jobs.runOnce(['connect.intro-follow-up'])]);
      await bot.app.bot.jobs.runOnce(['connect.intro-follow-up']);
      expect(bot.connector.posts(`a:personal-${CAROL.aadObjectId}`).map((p) => p.body.text)).toEqual([s.introFollowUp(BOB.name)]);
      expect(bot.connector.posts(`a:personal-${BOB.aadObjectId}`).map((p) => p.body.text)).toEqual([s.introFollowUp(CAROL.name)]);
      clock.at = new Date(clock.at.getTime() - 14 * DAY - 3_600_000);
    });

    test('when the person says "Not now", then the requester is told nothing', async () => {
      expect(invokeMessage((await introduce(DANA.aadObjectId, ERIN)).body)).toBe(s.introSent(DANA.name));
      bot.connector.reset();
      expect(invokeMessage((await reply(DANA, ERIN.aadObjectId, 'no')).body)).toBe(s.introDeclined);
      expect(bot.connector.posts()).toHaveLength(0);
      expect(bot.connector.created).toHaveLength(0);
    });

    test('when the introduction is to oneself, to someone not listed, or to someone the bot cannot reach, then the requester is told and nothing is kept', async () => {
      expect(invokeMessage((await introduce(BOB.aadObjectId)).body)).toBe(s.introduceSelf);
      expect(invokeMessage((await introduce('aad-user-nobody')).body)).toBe(s.notIntroducible);
      expect((await press('connect.introduce', { personId: '' }, BOB)).status).toBe(400);
      bot.connector.unreachable.add(DANA.aadObjectId);
      expect(invokeMessage((await introduce(DANA.aadObjectId)).body)).toBe(s.introCannotReach(DANA.name));
      expect(bot.connector.posts()).toHaveLength(0);
      bot.connector.unreachable.clear();
      // Nothing was kept, so asking again works once the bot can reach them.
      expect(invokeMessage((await introduce(DANA.aadObjectId)).body)).toBe(s.introSent(DANA.name));
    });
  });

  describe('buckets', () => {
    test('when buckets is asked, then each question theme shows its count, open questions and median time to first answer', async () => {
      const conv = { teamId: '19:bucket-team@thread.tacv2', conversationId: '19:bucket-channel@thread.tacv2' };
      const q1 = await ask('How do champions plan their first month?', BOB, conv);
      await ask('What do champions do every week?', BOB, conv);
      clock.at = new Date(clock.at.getTime() + 2 * 3_600_000);
      const fetched = await bot.send(bot.teams.taskFetch({ verb: 'connect.answer', questionId: q1.questionId }, { from: ERIN, ...conv }));
      const answerId = /"answerId":"([0-9a-f]{12})"/.exec(JSON.stringify(fetched.body))?.[1];
      await bot.send(bot.teams.taskSubmit({ verb: 'connect.answer', questionId: q1.questionId, answerId, answer: 'A launch week with demos.' }, { from: ERIN, ...conv }));
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('buckets', conv));
      const text = cardText(bot.connector.cards()[0]!.card);
      expect(text).toContain('#champions');
      expect(text).toContain('2 questions, 1 open, first answer in 2 hours (median)');
    });

    test('when a non-organizer routes a bucket, then they are refused; an organizer routes it to named people, who are suggested first', async () => {
      const conv = { teamId: '19:route-team@thread.tacv2', conversationId: '19:route-channel@thread.tacv2' };
      await bot.send(bot.teams.channelMessage(`buckets set #governance: @${FRED.name}, @${ERIN.name}`, { from: BOB, ...conv }, [FRED, ERIN]));
      expect(bot.connector.texts()).toEqual([s.bucketsNotOrganizer]);
      await new OrganizersRepo(bot.app.store.table(ORGANIZERS_TABLE)).add({ tenantId: TENANT, spaceId: conv.teamId }, { userId: ALICE.aadObjectId, userName: ALICE.name }, 'test', clock.now());
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage(`buckets set #no-such-theme: @${FRED.name}`, { from: ALICE, ...conv }, [FRED]));
      expect(bot.connector.texts()[0]).toContain("I don't know the theme #no-such-theme");
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage(`buckets set #governance: @${FRED.name}, @${ERIN.name}`, { from: ALICE, ...conv }, [FRED, ERIN]));
      expect(bot.connector.texts()).toEqual([s.bucketsSet('governance', `${FRED.name}, ${ERIN.name}`)]);
      const { card } = await ask('Who decides our Teams governance and retention policies?', BOB, conv);
      expect(mentionIds(card).slice(0, 2)).toEqual([FRED.aadObjectId, ERIN.aadObjectId]);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('buckets', conv));
      expect(cardText(bot.connector.cards()[0]!.card)).toContain(`Routed to ${FRED.name}, ${ERIN.name}`);
    });

    test('when an organizer routes a bucket to a channel (with a person), then each question on it is cross-posted there once, presses on either copy act on the one question, and both copies update', async () => {
      const team = '19:xpost-team@thread.tacv2';
      const conv = { teamId: team, conversationId: '19:xpost-general@thread.tacv2' };
      const GOV = { id: '19:xpost-governance@thread.tacv2', name: 'Governance', aadObjectId: '' } as TeamsPerson;
      const govWhere = { teamId: team, conversationId: GOV.id };
      const OTHER = { id: '19:other-team-channel@thread.tacv2', name: 'Elsewhere', aadObjectId: '' } as TeamsPerson;
      const place = { tenantId: TENANT, spaceId: team, conversationId: conv.conversationId };
      await new OrganizersRepo(bot.app.store.table(ORGANIZERS_TABLE)).add({ tenantId: TENANT, spaceId: team }, { userId: ALICE.aadObjectId, userName: ALICE.name }, 'test', clock.now());
      // A channel the bot has never been used in, or one of another team: refused, nothing routed.
      await bot.send(bot.teams.channelMessage(`buckets set #governance: @${GOV.name}`, { from: ALICE, ...conv }, [GOV]));
      expect(bot.connector.texts()).toEqual([s.channelNotInTeam(GOV.name)]);
      await bot.send(bot.teams.channelMessage('help', { from: BOB, teamId: '19:some-other-team@thread.tacv2', conversationId: OTHER.id }));
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage(`buckets set #governance: @${OTHER.name}`, { from: ALICE, ...conv }, [OTHER]));
      expect(bot.connector.texts()).toEqual([s.channelNotInTeam(OTHER.name)]);
      // Once the bot is used in the Governance channel of this team, it can be routed there, with a person.
      await bot.send(bot.teams.channelMessage('help', { from: BOB, ...govWhere }));
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage(`buckets set #governance: @${FRED.name}, @${GOV.name}`, { from: ALICE, ...conv }, [FRED, GOV]));
      expect(bot.connector.texts()).toEqual([s.bucketsSetChannels('governance', FRED.name, s.channelLabel(GOV.name))]);

      // Teams answers the first cross-post with 429: the poster backs off and posts it.
      let throttled = 0;
      bot.connector.respondWith((req) => (req.method === 'POST' && req.conversationId === GOV.id && throttled++ === 0 ? { status: 429, body: { error: { code: 'TooManyRequests' } }, headers: { 'Retry-After': '1' } } : undefined));
      const askActivity = bot.teams.channelMessage('ask Who decides our Teams governance and retention policies?', { from: BOB, ...conv });
      expect((await bot.send(askActivity)).status).toBe(200);
      const [reply] = bot.connector.cards({ conversationId: conv.conversationId, method: 'POST' });
      const asked = { card: reply!.card, cardId: reply!.record.activityId, questionId: questionIdOf(reply!.card), activityId: askActivity.id };
      expect(mentionIds(asked.card)[0]).toBe(FRED.aadObjectId);
      const copies = () => bot.connector.cards({ conversationId: GOV.id, method: 'POST' });
      expect(await eventually(async () => (copies().length ? copies() : undefined))).toHaveLength(1);
      expect(throttled).toBe(2);
      const [copy] = copies();
      expectValidCard(copy!.card);
      expect(copy!.record.body.text).toBe(s.routedHere('governance'));
      expect(questionIdOf(copy!.card)).toBe(asked.questionId);
      const stored = await eventually(async () => {
        const q = await service.find(place, asked.questionId);
        return q.copies?.[0]?.cardId ? q : undefined;
      });
      expect(stored!.copies).toEqual([expect.objectContaining({ conversationId: GOV.id, cardId: copy!.record.activityId })]);
      // The copy is claimed once per question and channel: a second attempt (another instance) posts nothing.
      expect(await service.repo.claimCopy(place, asked.questionId, GOV.id, clock.now())).toBe(false);

      // Fred presses "I can help" on the copy: the one question is claimed; both cards show it.
      bot.connector.reset();
      const claimed = invokeCard((await press('connect.claim', { questionId: asked.questionId, v: versionOf(copy!.card) }, FRED, copy!.record.activityId, govWhere)).body);
      expect(cardText(claimed)).toContain(s.claimedByYou);
      const updated = bot.connector.updates().map((u) => u.activityId);
      expect(updated).toEqual(expect.arrayContaining([asked.cardId, copy!.record.activityId]));
      // The asker is told in the question's own thread.
      expect(bot.connector.posts().find((p) => p.body.text?.includes('will help with your question'))?.conversationId).toBe(`${conv.conversationId};messageid=${asked.activityId}`);
      // Erin presses on the original: it is the same question, claimed by Fred.
      expect(cardText(invokeCard((await press('connect.claim', { questionId: asked.questionId, v: versionOf(asked.card) }, ERIN, asked.cardId, conv)).body))).toContain(s.alreadyClaimed(FRED.name));
      // The Answer dialog opens from the copy too; a channel the question was not routed to is refused.
      const fetched = await bot.send(bot.teams.taskFetch({ verb: 'connect.answer', questionId: asked.questionId }, { from: ERIN, ...govWhere }));
      expect((fetched.body as { task: { type: string } }).task.type).toBe('continue');
      expect(invokeMessage((await press('connect.claim', { questionId: asked.questionId, v: 1 }, ERIN, undefined, { teamId: team, conversationId: '19:xpost-random@thread.tacv2' })).body)).toBe(s.questionNotFound);

      // Routing rules are per team: the same theme asked in another team is not posted in Governance.
      bot.connector.reset();
      await ask('Who decides governance and retention policies for our Teams?', BOB, { teamId: '19:some-other-team@thread.tacv2', conversationId: OTHER.id });
      await new Promise((r) => setTimeout(r, 300));
      expect(copies()).toHaveLength(0);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('buckets', conv));
      expect(cardText(bot.connector.cards()[0]!.card)).toContain(`Routed to ${FRED.name}, ${s.channelLabel(GOV.name)}`);
    });
  });

  describe('the digest', () => {
    test('when a team has open questions, then the digest lists them under "Open questions you could answer", and answered ones are gone', async () => {
      const conv = { teamId: '19:digest-team@thread.tacv2', conversationId: '19:digest-channel@thread.tacv2' };
      await ask('Who has a champions newsletter template?', BOB, conv);
      const answered = await ask('Is there a champions FAQ?', BOB, conv);
      const fetched = await bot.send(bot.teams.taskFetch({ verb: 'connect.answer', questionId: answered.questionId }, { from: ERIN, ...conv }));
      const answerId = /"answerId":"([0-9a-f]{12})"/.exec(JSON.stringify(fetched.body))?.[1];
      await bot.send(bot.teams.taskSubmit({ verb: 'connect.answer', questionId: answered.questionId, answerId, answer: 'Yes, pinned in the channel.' }, { from: ERIN, ...conv }));
      await bot.send(bot.teams.channelMessage('digest on', { from: ALICE, ...conv }));
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('digest preview', { from: ALICE, ...conv }));
      const [digest] = bot.connector.cards();
      expectValidCard(digest!.card);
      const text = cardText(digest!.card);
      expect(text).toContain('Open questions you could answer');
      expect(text).toContain('Who has a champions newsletter template?');
      expect(text).toContain(`asked by ${BOB.name}`);
      expect(text).not.toContain('Is there a champions FAQ?');
    });
  });

  describe('live questions of a call', () => {
    test('when a call ends with questions the host left open, then each becomes a question for the network once (themes, suggested people, card in the channel); answered ones do not', async () => {
      const conv = { conversationId: '19:handoff-channel@thread.tacv2' };
      const place = { ...where, conversationId: conv.conversationId };
      const saved = clock.at;
      await bot.send(bot.teams.channelMessage('call "Power Hour" 2026-06-10 16:00 weekly', { from: ALICE, ...conv }));
      const call = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv.conversationId }))!;
      await press('call.start', { callId: call.callId }, ALICE, undefined, conv);
      await bot.send(bot.teams.channelMessage('ask How do you keep champions engaged after the launch?', { from: BOB, ...conv }));
      await bot.send(bot.teams.channelMessage('ask Who owns the pilot budget?', { from: ERIN, ...conv }));
      const notes = await agendaInternals(bot.app.host)!.service.repo.listStoredNotes({ tenantId: TENANT, conversationId: conv.conversationId }, call.callId);
      expect(notes.filter((n) => n.kind === 'question')).toHaveLength(2);
      const pilot = notes.find((n) => n.text === 'Who owns the pilot budget?')!;
      await press('call.answered', { callId: call.callId, noteKey: pilot.noteKey }, ALICE, undefined, conv);
      const before = (await service.openQuestions(where, 1000)).length;
      bot.connector.reset();
      clock.at = new Date('2026-06-10T17:30:00Z');
      await bot.send(bot.teams.channelMessage('call done', { from: ALICE, ...conv }));
      const questionCards = () => bot.connector.cards({ conversationId: conv.conversationId, method: 'POST' }).filter((c) => cardText(c.card).includes(s.questionKicker) && cardText(c.card).includes('champions engaged'));
      // Handed off beside the turn that ended the call.
      expect(await eventually(async () => (questionCards().length ? questionCards() : undefined))).toHaveLength(1);
      const [posted] = questionCards();
      expectValidCard(posted!.card);
      expect(posted!.record.body.text).toBe(s.fromCall('Power Hour'));
      expect(mentionIds(posted!.card)).toContain(CAROL.aadObjectId);
      expect(mentionIds(posted!.card)).not.toContain(BOB.aadObjectId);
      const q = await service.find(place, questionIdOf(posted!.card));
      expect(q).toMatchObject({ text: 'How do you keep champions engaged after the launch?', asker: { userId: BOB.aadObjectId }, bucket: 'champions', answerIds: [] });
      expect(await eventually(async () => (await service.find(place, q.questionId)).cardId)).toBe(posted!.record.activityId);
      expect(JSON.stringify(bot.connector.cards({ conversationId: conv.conversationId }))).not.toContain('Who owns the pilot budget?');
      expect((await service.openQuestions(where, 1000)).length).toBe(before + 1);

      // Presses on the handed-off question work as on any question: answers go to its thread.
      const claimed = invokeCard((await press('connect.claim', { questionId: q.questionId, v: versionOf(posted!.card) }, CAROL, posted!.record.activityId, conv)).body);
      expect(cardText(claimed)).toContain(s.claimedByYou);
      expect(bot.connector.posts().find((p) => p.body.text?.includes('will help with your question'))?.conversationId).toBe(`${conv.conversationId};messageid=${posted!.record.activityId}`);
      // The running note's last coalesced update is sent before the next test watches the connector.
      await callInternals(bot.app.host)!.cards.coalescer.settled();
      clock.at = saved;
    });
  });

  describe('the reminder', () => {
    test('when a question has no answer after the configured time, then one reminder is posted in its thread, once, even with the job run again', async () => {
      const conv = { teamId: '19:remind-team@thread.tacv2', conversationId: '19:remind-channel@thread.tacv2' };
      const open = await ask('Has anyone automated champions onboarding?', BOB, conv);
      const answered = await ask('Is there a champions badge template?', BOB, conv);
      const fetched = await bot.send(bot.teams.taskFetch({ verb: 'connect.answer', questionId: answered.questionId }, { from: ERIN, ...conv }));
      const answerId = /"answerId":"([0-9a-f]{12})"/.exec(JSON.stringify(fetched.body))?.[1];
      await bot.send(bot.teams.taskSubmit({ verb: 'connect.answer', questionId: answered.questionId, answerId, answer: 'Yes, in the playbook.' }, { from: ERIN, ...conv }));
      bot.connector.reset();
      clock.at = new Date(clock.at.getTime() + 71 * 3_600_000);
      await bot.app.bot.jobs.runOnce([REMINDER_JOB]);
      const here = () => bot.connector.posts().filter((p) => p.conversationId.startsWith(conv.conversationId));
      expect(here()).toHaveLength(0);
      clock.at = new Date(clock.at.getTime() + 2 * 3_600_000);
      await Promise.all([bot.app.bot.jobs.runOnce([REMINDER_JOB]), bot.app.bot.jobs.runOnce([REMINDER_JOB])]);
      await bot.app.bot.jobs.runOnce([REMINDER_JOB]);
      const reminders = here().filter((p) => p.body.text?.includes('has had no answer'));
      expect(here()).toHaveLength(1);
      expect(reminders).toHaveLength(1);
      expect(reminders[0]!.conversationId).toBe(`${conv.conversationId};messageid=${open.activityId}`);
      expect(reminders[0]!.body.text).toContain('3 days');
      expect((await service.find({ ...where, spaceId: conv.teamId, conversationId: conv.conversationId }, open.questionId)).remindedAt).toBeDefined();
    });

    test('when writing a reminder fails, then it is retried beside the reply until it is written; a failure that lasts is reported with the question, never dropped silently', async () => {
      const space = { tenantId: TENANT, spaceId: '19:flaky-team@thread.tacv2', conversationId: '19:flaky-channel@thread.tacv2' };
      let failures = 0;
      // Storage refuses the reminder rows (`due|` partitions) `failures` times; everything else is Azurite as usual.
      const flakyStore: Store = {
        ...bot.app.store,
        table: (name: string) => {
          const table = bot.app.store.table(name);
          if (name !== QUESTIONS_TABLE) return table;
          return new Proxy(table, {
            get(target, prop, receiver) {
              if (prop !== 'upsertEntity') return Reflect.get(target, prop, receiver) as unknown;
              return async (...args: Parameters<TableClient['upsertEntity']>) => {
                if (args[0].partitionKey.startsWith('due') && failures-- > 0) throw Object.assign(new Error('server busy'), { statusCode: 503 });
                return target.upsertEntity(...args);
              };
            },
          });
        },
      };
      const reported: unknown[] = [];
      const flaky = new ConnectService(flakyStore, clock, storiesPorts(flakyStore, clock), { reminderHours: 72, reminderRetryMs: [5, 5, 5] }, (err) => reported.push(err));
      const dueIds = async () => (await flaky.dueReminders(new Date(clock.now().getTime() + 73 * 3_600_000))).map((r) => r.questionId);

      failures = 2;
      const kept = await flaky.ask(space, { userId: BOB.aadObjectId, userName: BOB.name }, 'Who has a champions onboarding checklist?', JSON.stringify({ conversation: { id: space.conversationId } }));
      flaky.recordAsked(kept, undefined);
      await flaky.settled();
      expect(reported).toHaveLength(2);
      expect(await dueIds()).toContain(kept.questionId);

      failures = 100;
      reported.length = 0;
      const lost = await flaky.ask(space, { userId: BOB.aadObjectId, userName: BOB.name }, 'Who has a champions offboarding checklist?', JSON.stringify({ conversation: { id: space.conversationId } }));
      flaky.recordAsked(lost, undefined);
      await flaky.settled();
      expect(await dueIds()).not.toContain(lost.questionId);
      expect(reported.at(-1)).toBeInstanceOf(ReminderNotScheduled);
      expect((reported.at(-1) as ReminderNotScheduled).questionId).toBe(lost.questionId);
      expect(reported).toHaveLength(4);
    });

    test('when the reminder offers "Propose for the next call", then the question becomes one topic of the next call, even with presses at once; with no call planned the person is told and can press again later', async () => {
      const conv = { teamId: '19:propose-team@thread.tacv2', conversationId: '19:propose-channel@thread.tacv2' };
      const saved = clock.at;
      const { questionId } = await ask('How do champions run a quarterly review?', BOB, conv);
      bot.connector.reset();
      clock.at = new Date(clock.at.getTime() + 73 * 3_600_000);
      await bot.app.bot.jobs.runOnce([REMINDER_JOB]);
      const reminder = bot.connector.cards({ method: 'POST' }).find((c) => c.record.conversationId.startsWith(conv.conversationId))!;
      expectValidCard(reminder.card);
      expect(reminder.record.body.text).toContain('has had no answer');
      expect(cardText(reminder.card)).toContain(s.proposeForCall);
      const proposeData = { questionId };
      const pressPropose = (from: TeamsPerson) => press('connect.propose', proposeData, from, reminder.record.activityId, conv);

      // No call planned in this channel: the agenda's refusal, nothing kept.
      const refused = invokeCard((await pressPropose(CAROL)).body);
      expect(cardText(refused)).toContain(agendaStrings.noOpenCall);
      expect((await service.find({ ...where, ...conv, spaceId: conv.teamId }, questionId)).proposed).toBeUndefined();

      await bot.send(bot.teams.channelMessage('call "Champions hour" 2026-07-20 16:00 monthly', { from: ALICE, ...conv }));
      bot.connector.reset();
      const [a, b, c] = await Promise.all([pressPropose(CAROL), pressPropose(DANA), pressPropose(ERIN)]);
      const answers = [a, b, c].map((r) => cardText(invokeCard(r.body)));
      const call = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: conv.conversationId }))!;
      const topics = await agendaInternals(bot.app.host)!.service.repo.listTopics({ tenantId: TENANT, conversationId: conv.conversationId }, call.callId);
      expect(topics.map((t) => t.title)).toEqual(['How do champions run a quarterly review?']);
      // One proposes; the others are told it is proposed (or being proposed, while the first is at it).
      const others = (t: string): boolean => t.includes('proposed this question for the next call already') || t.includes('is proposing this question');
      expect(answers.filter((t) => !others(t) && t.includes(s.proposedForCall(topics[0]!.number, 'Champions hour')))).toHaveLength(1);
      expect(answers.filter(others)).toHaveLength(2);
      const stored = await service.find({ ...where, ...conv, spaceId: conv.teamId }, questionId);
      expect(stored.proposed).toMatchObject({ callId: call.callId, topicNumber: topics[0]!.number, callTitle: 'Champions hour' });
      // Everyone's copy of the reminder shows the topic, without the button.
      const shared = bot.connector.updates().filter((u) => u.activityId === reminder.record.activityId).at(-1)!.body.attachments![0]!.content;
      expect(cardText(shared)).toContain(s.proposedForCall(topics[0]!.number, 'Champions hour'));
      expect(cardText(shared)).not.toContain(s.proposeForCall);
      // Pressing again (a retry) adds nothing.
      expect(cardText(invokeCard((await pressPropose(CAROL)).body))).toContain(s.proposedForCall(topics[0]!.number, 'Champions hour'));
      expect(await agendaInternals(bot.app.host)!.service.repo.listTopics({ tenantId: TENANT, conversationId: conv.conversationId }, call.callId)).toHaveLength(1);
      // A forged id, or a question of another channel, changes nothing.
      expect((await press('connect.propose', { questionId: 'nope' }, CAROL, undefined, conv)).status).toBe(400);
      expect(invokeMessage((await press('connect.propose', proposeData, CAROL, undefined, { ...conv, conversationId: '19:elsewhere@thread.tacv2' })).body)).toBe(s.questionNotFound);
      clock.at = saved;
    });
  });
  test('when 40 people contribute on one theme at once (a burst of notes), then every person is counted and the theme\'s top list is exactly the best of them', async () => {
    const space = { tenantId: TENANT, spaceId: '19:burst-team@thread.tacv2' };
    const people = Array.from({ length: 40 }, (_, i) => person(`burst-${i}`, `Burst ${i}`));
    const at = (i: number) => new Date(start.getTime() + i * 1000);
    await Promise.all(
      people.flatMap((p, i) =>
        Array.from({ length: (i % 4) + 1 }, (_, k) => service.recordContribution({ ...space, personId: p.aadObjectId, name: p.name, kind: 'note', themes: ['burst-theme'], at: at(i * 4 + k) })),
      ),
    );
    const rows = await service.repo.expertsOn(space, 'burst-theme');
    expect(rows).toHaveLength(40);
    expect(rows.reduce((sum, r) => sum + (r.noteCount ?? 0), 0)).toBe(people.reduce((sum, _, i) => sum + (i % 4) + 1, 0));
    const best = [...rows].sort((a, b) => standing(b) - standing(a)).slice(0, TOP_SIZE).map((r) => r.personId);
    expect((await service.repo.topOn(space, 'burst-theme')).map((r) => r.personId)).toEqual(best);
  }, 60_000);
});
