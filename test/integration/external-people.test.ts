import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, TENANT, TEAM, type Person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { connectStrings } from '../../src/features/connect/strings';
import { coreStrings } from '../../src/teams/strings';
import { forgetJobsOf } from '../../src/features/insights/routes';
import { insightStrings } from '../../src/features/insights/strings';

/**
 * Customers as members (docs/customers.md), over HTTP against Azurite, with the activity shapes
 * Teams sends:
 * - a GUEST (B2B collaboration): an account in the host tenant, so its activities look like a
 *   member's (host tenant, the guest account's object id); the roster says userRole 'guest';
 * - a PARTNER-tenant member of a SHARED channel (B2B direct connect): the activity carries the
 *   host tenant and the person's object id from their own tenant; channelData.channel.type is
 *   'shared'; the roster (GET members/{id}) names their home tenant.
 */
const PARTNER = '0f8276ea-111b-46af-9512-79ce81d5dea1';
const STRANGER = '9c1a6f5e-2222-4333-8444-555566667777';
const SAME_OID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

const GUEST: Person = { id: '29:guest-gus', name: 'Gus Guest (Fabrikam)', aadObjectId: 'a0a0a0a0-1111-4222-8333-000000000001' };
const PARTNER_PAT: Person = { id: '29:partner-pat', name: 'Pat Partner', aadObjectId: SAME_OID };
/** A host member whose object id is the same GUID as Pat's (object ids are unique only within a tenant). */
const HOST_TWIN: Person = { id: '29:host-twin', name: 'Tess Host', aadObjectId: SAME_OID };
const STRANGER_SAM: Person = { id: '29:stranger-sam', name: 'Sam Stranger', aadObjectId: 'b0b0b0b0-1111-4222-8333-000000000002' };
const CAROL: Person = { id: '29:user-carol', name: 'Carol Champion', aadObjectId: 'aad-user-carol' };

const clock = { at: new Date('2026-12-01T09:00:00Z'), now(): Date { return new Date(this.at); } };
type InvokeBody = { statusCode?: number; type?: string; value?: unknown };

describe('customers as members: guests and partner-tenant people in shared channels', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock }, env: { ALLOWED_TENANTS: TENANT, PARTNER_TENANTS: PARTNER } });
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => {
    bot.connector.reset();
    bot.connector.members = [
      { id: ALICE.id, name: ALICE.name, aadObjectId: ALICE.aadObjectId, tenantId: TENANT, userRole: 'user' },
      { id: CAROL.id, name: CAROL.name, aadObjectId: CAROL.aadObjectId, tenantId: TENANT, userRole: 'user' },
      { id: GUEST.id, name: GUEST.name, aadObjectId: GUEST.aadObjectId, tenantId: TENANT, userRole: 'guest', userPrincipalName: 'gus_fabrikam.com#EXT#@contoso.onmicrosoft.com' },
      { id: PARTNER_PAT.id, name: PARTNER_PAT.name, aadObjectId: SAME_OID, tenantId: PARTNER, userRole: 'user' },
      { id: HOST_TWIN.id, name: HOST_TWIN.name, aadObjectId: SAME_OID, tenantId: TENANT, userRole: 'user' },
      { id: STRANGER_SAM.id, name: STRANGER_SAM.name, aadObjectId: STRANGER_SAM.aadObjectId, tenantId: STRANGER, userRole: 'user' },
    ];
    // The bot is installed in the host tenant only: Teams refuses a personal chat in another tenant.
    bot.connector.unreachableTenants.add(PARTNER);
    clock.at = new Date(clock.at.getTime() + 60_000);
  });

  const service = () => agendaInternals(bot.app.host)!.service;
  const say = (text: string, from: Person, where: Where) => bot.send(bot.teams.channelMessage(text, { ...where, from }));
  const press = async (verb: string, data: Record<string, unknown>, from: Person, where: Where, replyToId?: string): Promise<InvokeBody> => {
    const res = await bot.send(bot.teams.cardAction(verb, data, { ...where, from }, 'channel', replyToId));
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  };
  const texts = (conv: string): string => bot.connector.texts(conv).join('\n');
  const lastCard = (conv: string) => {
    const cards = bot.connector.cards({ conversationId: conv, method: 'POST' });
    expect(cards.length).toBeGreaterThan(0);
    const c = cards.at(-1)!;
    expectValidCard(c.card);
    return c;
  };
  const noFailure = (conv: string): void => expect(texts(conv)).not.toMatch(/went wrong|not available|couldn't check|isn't open/);

  /** Every flow, driven by `who` in `where`; `key` is the id every room must store for them. */
  async function everyFlow(who: Person, key: string, where: Where & { conversationId: string }): Promise<void> {
    const conv = where.conversationId;
    // Agenda: an organizer creates the call; the external person proposes and votes; the organizer finalises.
    await say('call "Customer Council" 2026-12-10 16:00', ALICE, where);
    await say('topic How do your champions keep momentum?', who, where);
    expect(texts(conv)).toContain('topic 1');
    const call = (await service().currentCall({ tenantId: TENANT, conversationId: conv }))!;
    bot.connector.reset();
    await say('agenda', who, where);
    const agendaCard = lastCard(conv);
    expect(cardText((await press('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, who, where, agendaCard.record.activityId)).value)).toContain('Your vote for topic 1 is counted');
    const view = await service().agendaView({ tenantId: TENANT, conversationId: conv }, call.callId);
    expect(view.topics.map((t) => [t.number, t.votes])).toEqual([[1, 1]]);
    const [topic] = await service().repo.listTopics({ tenantId: TENANT, conversationId: conv }, call.callId);
    expect(topic!.proposedBy).toBe(key);
    expect(await service().repo.getVote({ tenantId: TENANT, conversationId: conv }, call.callId, 1, key)).toBeDefined();
    expect(cardText((await press('agenda.finalise', { callId: call.callId, rev: 1, topN: '1' }, ALICE, where, agendaCard.record.activityId)).value)).toContain('Final agenda');

    // Stories: the person tells one; an organizer finds it Inspiring; so does the teller's own press count once.
    bot.connector.reset();
    await say('story Contoso cut onboarding time in half with a #champions programme', who, where);
    const story = lastCard(conv);
    const storyId = /"storyId":"([^"]+)"/.exec(JSON.stringify(story.card))![1]!;
    expect(cardText((await press('story.endorse', { storyId, endorse: true }, ALICE, where, story.record.activityId)).value)).toContain('You found this inspiring');
    expect(cardText((await press('story.endorse', { storyId, endorse: true }, who, where, story.record.activityId)).value)).toContain('You and 1 other found this inspiring');

    // Digest: changing it is for organizers (the person is told so, as any member); settings and a preview are for everyone.
    bot.connector.reset();
    await say('digest on', who, where);
    expect(texts(conv)).toContain('Only the organizers');
    await say('digest on', ALICE, where);
    expect(texts(conv)).toMatch(/Monday 09:00/);
    bot.connector.reset();
    await say('digest settings', who, where);
    expect(cardText(lastCard(conv).card)).toMatch(/Monday/);
    await say('digest preview', who, where);
    noFailure(conv);
    expect(bot.connector.cards({ conversationId: conv, method: 'POST' }).length).toBeGreaterThan(0);

    // Connect: the person asks; an organizer can help; the person presses "I can help" on someone else's question; who knows finds the teller.
    bot.connector.reset();
    await say('ask How do you keep champions engaged after launch?', who, where);
    const question = lastCard(conv);
    const questionId = /"questionId":"([^"]+)"/.exec(JSON.stringify(question.card))![1]!;
    const v = Number(/"v":(\d+)/.exec(JSON.stringify(question.card))![1]);
    const claimed = await press('connect.claim', { questionId, v }, ALICE, where, question.record.activityId);
    expect(JSON.stringify(claimed)).not.toMatch(/went wrong/);
    bot.connector.reset();
    await say('ask What should a champions newsletter hold?', ALICE, where);
    const other = lastCard(conv);
    const otherId = /"questionId":"([^"]+)"/.exec(JSON.stringify(other.card))![1]!;
    const otherV = Number(/"v":(\d+)/.exec(JSON.stringify(other.card))![1]);
    const helped = await press('connect.claim', { questionId: otherId, v: otherV }, who, where, other.record.activityId);
    expect(JSON.stringify(helped)).toContain(who.name);
    bot.connector.reset();
    await say('who knows #champions', ALICE, where);
    const whoKnows = lastCard(conv);
    // Card text is escaped markdown: "Gus Guest \\(Fabrikam\\)".
    expect(cardText(whoKnows.card)).toContain(who.name.split(' (')[0]);
    expect(JSON.stringify(whoKnows.card)).toContain(`"personId":"${key}"`);

    // Insights: stats counts the person among the people.
    bot.connector.reset();
    await say('stats 30d', who, where);
    noFailure(conv);
    expect(cardText(lastCard(conv).card)).toMatch(/people|People/);
  }

  test('when a guest (an account in the host tenant) takes part in a standard channel, then every flow works and stores the guest\'s object id', async () => {
    await everyFlow(GUEST, GUEST.aadObjectId, { conversationId: '19:guest-standard@thread.tacv2', teamId: '19:team-guests@thread.tacv2' });
  });

  test('when a partner-tenant member takes part in a shared channel, then every flow works and stores their object id with their home tenant', async () => {
    await everyFlow(PARTNER_PAT, `${SAME_OID}@${PARTNER}`, { conversationId: '19:shared-partner@thread.tacv2', teamId: '19:team-shared@thread.tacv2', shared: true });
  });

  test('when a partner member has the same object id as a host member, then they are two people: two votes, and neither can act as the other', async () => {
    const where = { conversationId: '19:shared-twins@thread.tacv2', teamId: '19:team-twins@thread.tacv2', shared: true };
    await say('call "Twins" 2026-12-10 16:00', HOST_TWIN, where);
    await say('topic Partner topic', PARTNER_PAT, where);
    const call = (await service().currentCall({ tenantId: TENANT, conversationId: where.conversationId }))!;
    await press('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, PARTNER_PAT, where);
    const twinVote = await press('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, HOST_TWIN, where);
    expect(cardText(twinVote.value)).toContain('Your vote for topic 1 is counted');
    const view = await service().agendaView({ tenantId: TENANT, conversationId: where.conversationId }, call.callId);
    expect(view.topics.map((t) => t.votes)).toEqual([2]);
    // The host twin created the call, so the twin is an organizer; the partner with the same GUID is not.
    expect(await service().isOrganizer({ tenantId: TENANT, spaceId: where.teamId }, SAME_OID)).toBe(true);
    expect(await service().isOrganizer({ tenantId: TENANT, spaceId: where.teamId }, `${SAME_OID}@${PARTNER}`)).toBe(false);
    const refused = await press('agenda.finalise', { callId: call.callId, rev: 1, topN: '1' }, PARTNER_PAT, where);
    expect(cardText(refused.value)).toContain('only the organizers');
    expect((await service().currentCall({ tenantId: TENANT, conversationId: where.conversationId }))!.status).toBe('open');
  });

  test('when a partner member is @mentioned in a shared channel, then the mention names them with their home tenant, not the host member with the same object id', async () => {
    const where = { conversationId: '19:shared-mentions@thread.tacv2', teamId: '19:team-mentions@thread.tacv2', shared: true };
    await say('call "Mentions" 2026-12-10 16:00', ALICE, where);
    bot.connector.reset();
    await bot.send(bot.teams.channelMessage('organizers add @Pat Partner', { ...where, from: ALICE }, [PARTNER_PAT]));
    expect(texts(where.conversationId)).toContain('Added as organizers: Pat Partner');
    expect(await service().isOrganizer({ tenantId: TENANT, spaceId: where.teamId }, `${SAME_OID}@${PARTNER}`)).toBe(true);
    expect(await service().isOrganizer({ tenantId: TENANT, spaceId: where.teamId }, SAME_OID)).toBe(false);
    // Pat may now finalise; Tess (same GUID, host tenant) may not.
    const call = (await service().currentCall({ tenantId: TENANT, conversationId: where.conversationId }))!;
    expect(cardText((await press('agenda.finalise', { callId: call.callId, rev: 1, topN: '1' }, HOST_TWIN, where)).value)).toContain('only the organizers');
    expect(cardText((await press('agenda.finalise', { callId: call.callId, rev: 1, topN: '1' }, PARTNER_PAT, where)).value)).toContain('Final agenda');
  });

  test('when the personal chat cannot be opened with a partner member, then introductions fall back to the channel and nothing is lost', async () => {
    const where = { conversationId: '19:shared-intros@thread.tacv2', teamId: '19:team-intros@thread.tacv2', shared: true };
    await say('story Our #champions ran weekly office hours for the customer network', PARTNER_PAT, where);
    await say('story Carol\'s #champions playbook helped three customers launch', CAROL, where);
    // Introducing someone to the partner member: Teams refuses the 1:1 (403); the requester is told, nothing is kept.
    const toPat = await press('connect.introduce', { personId: `${SAME_OID}@${PARTNER}`, themes: 'champions' }, ALICE, where);
    expect(toPat.value).toBe(connectStrings.introCannotReach(PARTNER_PAT.name));
    expect(bot.connector.created).toHaveLength(0);
    // The partner member asks to meet Carol: Carol is asked in her personal chat; her "yes" reaches Pat in the channel.
    const fromPat = await press('connect.introduce', { personId: CAROL.aadObjectId, themes: 'champions' }, PARTNER_PAT, where);
    expect(fromPat.value).toBe(connectStrings.introSent(CAROL.name));
    bot.connector.reset();
    bot.connector.unreachableTenants.add(PARTNER);
    const yes = await bot.send(bot.teams.cardAction('connect.introReply', { s: where.teamId, r: `${SAME_OID}@${PARTNER}`, answer: 'yes' }, { from: CAROL }, 'personal'));
    expect(yes.status).toBe(200);
    expect(bot.connector.texts(where.conversationId).join('\n')).toContain(connectStrings.introAccepted(CAROL.name, `https://teams.microsoft.com/l/chat/0/0?users=${CAROL.aadObjectId}`));
    // The only personal chat tried was Pat's, in Pat's own tenant.
    expect(bot.connector.created).toHaveLength(0);
  });

  test('when a partner member asks for their data in the shared channel, then the card carries no link, and the link goes only to whoever presses, for their own data', async () => {
    const where = { conversationId: '19:shared-mydata@thread.tacv2', teamId: '19:team-mydata@thread.tacv2', shared: true };
    await say('story Our #champions kept the customer network alive', PARTNER_PAT, where);
    bot.connector.reset();
    await say('my data', PARTNER_PAT, where);
    const card = lastCard(where.conversationId);
    expect(JSON.stringify(card.card)).not.toContain('/download/');
    expect(texts(where.conversationId)).not.toContain('/download/');
    const pressed = await press('privacy.myData', { format: 'json' }, PARTNER_PAT, where, card.record.activityId);
    expect(pressed.type).toBe('application/vnd.microsoft.activity.message');
    const url = /(http\S+\/download\/\S+)/.exec(String(pressed.value))![1]!;
    // Nothing was posted to the channel by the press.
    expect(bot.connector.posts(where.conversationId)).toHaveLength(1);
    const body = await (await fetch(url)).text();
    expect(body).toContain(`${SAME_OID}@${PARTNER}`);
    expect(body).toContain('kept the customer network alive');
    // The host twin pressing the same button gets their own (empty-handed) data, never Pat's.
    const twin = await press('privacy.myData', { format: 'json' }, HOST_TWIN, where, card.record.activityId);
    const twinBody = await (await fetch(/(http\S+\/download\/\S+)/.exec(String(twin.value))![1]!)).text();
    expect(twinBody).not.toContain('kept the customer network alive');
    // A forged format is a 400.
    expect((await bot.send(bot.teams.cardAction('privacy.myData', { format: 'xml' }, { ...where, from: PARTNER_PAT }))).status).toBe(400);
  });

  test('when an organizer saves a partner member\'s message as a story, then the teller is the partner member (author\'s tenant from the message), not the host twin', async () => {
    const where = { conversationId: '19:shared-save@thread.tacv2', teamId: '19:team-save@thread.tacv2', shared: true };
    const message = { id: '1714820009999', html: '<p>Our partner ran #champions clinics every Friday</p>', from: PARTNER_PAT, fromTenantId: PARTNER };
    const submit = await bot.send(bot.teams.messageActionSubmit('saveStory', { text: 'Our partner ran champions clinics every Friday', tags: 'champions' }, message, { ...where, from: ALICE }));
    expect(submit.status).toBe(200);
    const dataOf = async (who: Person): Promise<string> => {
      bot.connector.reset();
      await say('my data', who, where);
      const card = lastCard(where.conversationId);
      const pressed = await press('privacy.myData', { format: 'json' }, who, where, card.record.activityId);
      return (await fetch(/(http\S+\/download\/\S+)/.exec(String(pressed.value))![1]!)).text();
    };
    expect(await dataOf(PARTNER_PAT)).toContain('champions clinics every Friday');
    expect(await dataOf(HOST_TWIN)).not.toContain('champions clinics every Friday');
  });

  test('when a partner member says "forget me" in the shared channel, then only they are forgotten (the host twin with the same object id keeps everything), and only they see the answers', async () => {
    const where = { conversationId: '19:shared-forget@thread.tacv2', teamId: '19:team-forget@thread.tacv2', shared: true };
    await say('call "Forgetting" 2026-12-10 16:00', ALICE, where);
    await say('story Quokkapat our partner programme doubled adoption #champions', PARTNER_PAT, where);
    await say('story Quokkatess the host team ran office hours #champions', HOST_TWIN, where);
    await say('topic Quokkapattopic how do partners onboard?', PARTNER_PAT, where);
    const dataOf = async (who: Person): Promise<string> => {
      bot.connector.reset();
      await say('my data', who, where);
      const card = lastCard(where.conversationId);
      const pressed = await press('privacy.myData', { format: 'json' }, who, where, card.record.activityId);
      return (await fetch(/(http\S+\/download\/\S+)/.exec(String(pressed.value))![1]!)).text();
    };
    expect(await dataOf(PARTNER_PAT)).toContain('Quokkapat our partner');

    // The card names no one and carries no link; its buttons answer only the presser.
    bot.connector.reset();
    await say('forget me', PARTNER_PAT, where);
    const card = lastCard(where.conversationId);
    expect(cardText(card.card)).toContain(insightStrings.forgetTitle);
    expect(JSON.stringify(card.card)).not.toContain(PARTNER_PAT.name);
    const started = await press('privacy.forgetHere', { choice: 'delete' }, PARTNER_PAT, where, card.record.activityId);
    expect(started.type).toBe('application/vnd.microsoft.activity.message');
    expect(String(started.value)).toBe(insightStrings.forgetStartedHere('delete'));
    const patId = `${SAME_OID}@${PARTNER}`;
    const deadline = Date.now() + 60_000;
    while ((await forgetJobsOf(bot.app.host)!.inProgress(TENANT)).some((st) => st.person.userId === patId)) {
      if (Date.now() > deadline) throw new Error('forget me did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Nothing was posted in the channel for it, and no personal chat was tried (Pat has none with the bot).
    expect(bot.connector.posts(where.conversationId)).toHaveLength(1);
    expect(bot.connector.created).toHaveLength(0);

    const pat = await dataOf(PARTNER_PAT);
    expect(pat).not.toContain('Quokkapat');
    const tess = await dataOf(HOST_TWIN);
    expect(tess).toContain('Quokkatess the host team ran office hours');
    bot.connector.reset();
    await say('stories Quokkapat Quokkatess', ALICE, where);
    const library = cardText(lastCard(where.conversationId).card);
    expect(library).not.toContain('Quokkapat our partner');
    expect(library).toContain('Quokkatess');
    expect((await service().repo.listTopics({ tenantId: TENANT, conversationId: where.conversationId }, (await service().currentCall({ tenantId: TENANT, conversationId: where.conversationId }))!.callId)).map((tp) => tp.title)).not.toContain('Quokkapattopic how do partners onboard?');
    // A forged choice is a 400.
    expect((await bot.send(bot.teams.cardAction('privacy.forgetHere', { choice: 'everything' }, { ...where, from: PARTNER_PAT }))).status).toBe(400);
  });

  test('when someone from a tenant that is neither host nor partner writes in a shared channel, then they are told politely and nothing is stored', async () => {
    const where = { conversationId: '19:shared-stranger@thread.tacv2', teamId: '19:team-stranger@thread.tacv2', shared: true };
    await say('call "Strangers" 2026-12-10 16:00', ALICE, where);
    bot.connector.reset();
    await say('topic Let me in', STRANGER_SAM, where);
    expect(texts(where.conversationId)).toBe(coreStrings.organisationNotAllowed);
    const call = (await service().currentCall({ tenantId: TENANT, conversationId: where.conversationId }))!;
    expect((await service().agendaView({ tenantId: TENANT, conversationId: where.conversationId }, call.callId)).topics).toHaveLength(0);
    const pressed = await press('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, STRANGER_SAM, where);
    expect(pressed.value).toBe(coreStrings.organisationNotAllowed);
  });

  test('when Teams cannot say who a shared channel\'s sender is, then they are asked to try again and nothing is stored', async () => {
    const where = { conversationId: '19:shared-unknown@thread.tacv2', teamId: '19:team-unknown@thread.tacv2', shared: true };
    const nobody: Person = { id: '29:not-in-roster', name: 'Nobody', aadObjectId: 'c0c0c0c0-1111-4222-8333-000000000003' };
    await say('story This must not be kept', nobody, where);
    expect(texts(where.conversationId)).toBe(coreStrings.identityUnknown);
    expect(bot.connector.cards({ conversationId: where.conversationId })).toHaveLength(0);
  });

  test('when a conversation lives in a partner tenant (not a host), then it is dropped unprocessed', async () => {
    const where = { tenantId: PARTNER, conversationId: '19:partner-own@thread.tacv2', teamId: '19:partner-team@thread.tacv2' };
    const res = await say('help', PARTNER_PAT, where);
    expect(res.status).toBe(200);
    expect(bot.connector.posts()).toHaveLength(0);
    const invoke = await bot.send(bot.teams.cardAction('agenda.vote', { callId: 'x', rev: 1, topic: 1, vote: true }, { ...where, from: PARTNER_PAT }));
    expect(invoke.status).toBe(403);
  });

  test('when the same people write in a standard channel of the host, then their ids are the object ids as before (stored rows keep working)', async () => {
    const where = { conversationId: '19:standard-legacy@thread.tacv2', teamId: TEAM };
    await say('call "Legacy" 2026-12-10 16:00', ALICE, where);
    await say('topic Still me', HOST_TWIN, where);
    const call = (await service().currentCall({ tenantId: TENANT, conversationId: where.conversationId }))!;
    const [topic] = await service().repo.listTopics({ tenantId: TENANT, conversationId: where.conversationId }, call.callId);
    expect(topic!.proposedBy).toBe(SAME_OID);
  });
});
