import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, TENANT, type Person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { callInternals } from '../../src/features/call/routes';
import { agendaStrings as as } from '../../src/features/agenda/strings';
import { callStrings as cs } from '../../src/features/call/strings';

/**
 * A call off the record, over HTTP with Azurite: its notes keep only decisions and actions,
 * without names (author not stored, nobody credited), the running note and the recap say so,
 * the next occurrence stays off the record; the form's field; bad input.
 */
const clock = { current: new Date('2026-12-01T09:00:00Z'), now(): Date { return new Date(this.current); } };
type InvokeBody = { type?: string; value?: unknown };

describe('a call off the record', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    bot.connector.members = [ALICE, BOB].map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId }));
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => bot.connector.reset());

  const say = async (text: string, where: Where, from: Person = BOB): Promise<string[]> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...where }));
    expect(res.status).toBe(200);
    return bot.connector.texts(where.conversationId);
  };
  const press = async (verb: string, data: Record<string, unknown>, where: Where, from: Person, replyToId?: string): Promise<{ status: number; body: InvokeBody }> =>
    (await bot.send(bot.teams.cardAction(verb, data, { from, ...where }, 'channel', replyToId))) as { status: number; body: InvokeBody };
  const service = () => agendaInternals(bot.app.host)!.service;

  test('when a call is created off the record, then only decisions and actions are kept, without names, and the recap says so', async () => {
    const here: Where = { teamId: '19:otr-team@thread.tacv2', conversationId: '19:otr-chan@thread.tacv2' };
    const key = { tenantId: TENANT, conversationId: here.conversationId! };
    await say('call "Confidential circle" 2026-12-10 16:00 monthly off the record', here, ALICE);
    const call = (await service().currentCall(key))!;
    expect(call).toMatchObject({ title: 'Confidential circle', cadence: 'monthly', offRecord: true });
    await say('topic Churn at a bank', here, BOB);

    // A plain note is not kept; decisions and actions are, with no author.
    expect(await say('note 1 Contoso told us their churn numbers', here, BOB)).toEqual([as.offRecordOnlyDecisions]);
    await say('note 1 decision: we share churn playbooks', here, BOB);
    await press('call.start', { callId: call.callId }, here, ALICE);
    const noteCard = bot.connector.cards({ conversationId: here.conversationId, method: 'POST' }).find((c) => cardText(c.card).includes('Running note:'))!;
    expect(cardText(noteCard.card)).toContain(cs.offRecordBanner);
    const added = await press('call.note', { callId: call.callId, topic: '0', text: 'a name-dropping note', kind: 'note' }, here, BOB, noteCard.record.activityId);
    expect(cardText(added.body.value)).toContain(cs.offRecordOnlyDecisions);
    const action = await press('call.note', { callId: call.callId, topic: '1', text: 'Draft the playbook outline', kind: 'action', due: '2026-12-20' }, here, BOB, noteCard.record.activityId);
    expect(action.status).toBe(200);
    expectValidCard(action.body.value);
    const notes = await service().repo.listNotes(key, call.callId);
    expect(notes.map((n) => [n.kind, n.text]).sort()).toEqual([['action', 'Draft the playbook outline'], ['decision', 'we share churn playbooks']]);
    for (const n of notes) {
      expect(n.authorId).toBe('');
      expect(n.authorName).toBe('');
      expect(n.ownerId ?? '').toBe('');
      expect(JSON.stringify(n)).not.toContain(BOB.name);
      expect(JSON.stringify(n)).not.toContain(BOB.aadObjectId);
    }
    await callInternals(bot.app.host)?.cards.coalescer.settled();

    // Nobody is credited for what was said: stats count no notes.
    bot.connector.reset();
    await say('stats 7d', here, ALICE);
    const stats = cardText(bot.connector.cards({ conversationId: here.conversationId }).at(-1)!.card);
    expect(stats).toMatch(/Notes\s*0/);

    // The recap says it was off the record and names nobody beside a note.
    // After the call (before it, `call done` asks to confirm).
    clock.current = new Date('2026-12-10T16:30:00Z');
    await say('call done', here, ALICE);
    clock.current = new Date('2026-12-01T09:00:00Z');
    const recap = bot.connector.cards({ conversationId: here.conversationId }).map((c) => c.card).find((c) => cardText(c).includes(as.recapOffRecord));
    expect(recap).toBeDefined();
    expectValidCard(recap);
    const recapText = cardText(recap);
    expect(recapText).toContain('we share churn playbooks');
    expect(recapText).toContain('Draft the playbook outline');
    expect(recapText).not.toContain(BOB.name);
    expect(recapText).not.toContain('churn numbers');

    // The next occurrence is off the record too.
    const next = (await service().currentCall(key))!;
    expect(next.callId).not.toBe(call.callId);
    expect(next.offRecord).toBe(true);
  });

  test('when a call is created from the form with Off the record, then it is off the record; a forged value is refused and nothing is created', async () => {
    const here: Where = { teamId: '19:otr-form-team@thread.tacv2', conversationId: '19:otr-form@thread.tacv2' };
    const key = { tenantId: TENANT, conversationId: here.conversationId! };
    await say('call new', here, ALICE);
    const form = bot.connector.cards({ conversationId: here.conversationId, method: 'POST' })[0]!;
    expectValidCard(form.card);
    expect(JSON.stringify(form.card)).toContain('"id":"offRecord"');
    const fields = { title: 'Quiet room', date: '2026-12-08', time: '10:00', duration: '45', cadence: 'once' };
    const forged = await press('agenda.create', { ...fields, offRecord: 'perhaps' }, here, ALICE, form.record.activityId);
    expect(forged.status).toBe(400);
    expect(await service().currentCall(key)).toBeUndefined();
    const ok = await press('agenda.create', { ...fields, offRecord: 'true' }, here, ALICE, form.record.activityId);
    expect(ok.status).toBe(200);
    expect((await service().currentCall(key))?.offRecord).toBe(true);
  });

  test('when a call is not off the record, then notes keep their authors as before', async () => {
    const here: Where = { teamId: '19:otr-normal-team@thread.tacv2', conversationId: '19:otr-normal@thread.tacv2' };
    const key = { tenantId: TENANT, conversationId: here.conversationId! };
    await say('call "Open circle" 2026-12-10 16:00', here, ALICE);
    const call = (await service().currentCall(key))!;
    expect(call.offRecord).toBeUndefined();
    await say('note a plain note', here, BOB);
    expect((await service().repo.listNotes(key, call.callId)).map((n) => [n.text, n.authorName])).toEqual([['a plain note', BOB.name]]);
  });
});
