import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, TENANT, person, type Person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { StoriesService } from '../../src/features/stories/service';
import { storyStrings as s } from '../../src/features/stories/strings';

/**
 * Consent before retelling, over HTTP with Azurite: "Ask to retell" (dialog), the contact's
 * Approve / Decline in their personal chat (set-state; forged and stale presses refused), the
 * answer kept with its time and told to the requester, only approved stories for outside use,
 * "Retell in…" with its count, and a personal chat Teams will not open.
 */
const clock = { at: new Date('2026-10-05T09:00:00Z'), now: (): Date => new Date(clock.at) };
const CUSTOMER = person('cust', 'Casey Customer');
const DAN = person('dan', 'Dan Member');
const A: Where = { teamId: '19:consent-team-a@thread.tacv2', conversationId: '19:consent-chan-a@thread.tacv2' };
const B: Where = { teamId: '19:consent-team-b@thread.tacv2', conversationId: '19:consent-chan-b@thread.tacv2' };
const where = { tenantId: TENANT, spaceId: A.teamId! };

type Json = Record<string, unknown>;
type Body = { type?: string; value?: unknown; task?: { type: string; value: unknown } };
const personalChat = (p: Person): string => `a:personal-${p.aadObjectId}`;

describe('consent before retelling', () => {
  let bot: TestBot;
  let stories: StoriesService;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
    stories = new StoriesService(bot.app.store, clock);
    bot.connector.members = [ALICE, BOB, CUSTOMER, DAN].map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId }));
    await say('call "Customer hour" 2026-12-10 16:00', A, ALICE);
    await say('call "Other hour" 2026-12-10 16:00', B, ALICE);
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => {
    bot.connector.reset();
    clock.at = new Date(clock.at.getTime() + 60_000);
  });

  async function say(text: string, w: Where, from: Person = BOB): Promise<{ texts: string[]; cards: Json[] }> {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...w }));
    expect(res.status).toBe(200);
    return { texts: bot.connector.texts(w.conversationId), cards: bot.connector.cards({ conversationId: w.conversationId }).map((c) => c.card) };
  }
  const tell = async (text: string, from: Person = BOB): Promise<string> => {
    const { cards } = await say(`story ${text}`, A, from);
    expect(cards).toHaveLength(1);
    return /"storyId":"([^"]+)"/.exec(JSON.stringify(cards[0]))![1]!;
  };
  const submit = async (data: Json, from: Person, w: Where = A): Promise<{ status: number; body: Body }> =>
    (await bot.send(bot.teams.taskSubmit(data, { from, ...w }))) as { status: number; body: Body };
  const message = (r: { body: Body }): string => String(r.body.task?.value ?? '');
  const ask = (storyId: string, from: Person = ALICE, contact: Person = BOB, use = 'A quote in our customer newsletter'): Promise<{ status: number; body: Body }> =>
    submit({ verb: 'story.ask', storyId, use, contact: contact.aadObjectId }, from);
  /** The consent card posted in the contact's personal chat, and the request id its buttons carry. */
  const consentCard = (contact: Person): { card: Json; r: string } => {
    const posted = bot.connector.cards({ conversationId: personalChat(contact) });
    expect(posted.length).toBeGreaterThan(0);
    const card = posted.at(-1)!.card;
    expectValidCard(card);
    return { card, r: /"r":"([0-9a-f]{12})"/.exec(JSON.stringify(card))![1]! };
  };
  const answer = async (storyId: string, r: string, from: Person, value: string): Promise<{ status: number; body: Body }> =>
    (await bot.send(bot.teams.cardAction('story.consent', { s: A.teamId, storyId, r, answer: value }, { from }, 'personal'))) as { status: number; body: Body };
  const press = async (verb: string, data: Json, from: Person, w: Where = A): Promise<{ status: number; body: Body }> =>
    (await bot.send(bot.teams.cardAction(verb, data, { from, ...w }))) as { status: number; body: Body };

  test('when an organizer asks, then the teller gets the exact text and the use in a personal chat; Approve is kept with its time and the requester told', async () => {
    const storyId = await tell('Contoso halved their support tickets with a champions network customer: Contoso');
    // The dialog: the teller first, then the conversation's people.
    const fetched = (await bot.send(bot.teams.taskFetch({ verb: 'story.ask', storyId }, { from: ALICE, ...A }))) as { body: Body };
    const dialog = fetched.body.task!.value as { card: { content: Json } };
    expectValidCard(dialog.card.content);
    const dialogText = JSON.stringify(dialog.card.content);
    expect(dialogText).toContain(s.askTheTeller(BOB.name));
    expect(dialogText).toContain(CUSTOMER.name);

    expect(message(await ask(storyId))).toBe(s.asked(BOB.name));
    const { card, r } = consentCard(BOB);
    const text = cardText(card);
    expect(text).toContain('Contoso halved their support tickets with a champions network');
    expect(text).toContain('A quote in our customer newsletter');
    expect(text).toContain(s.consentIntro(ALICE.name));

    bot.connector.reset();
    const approvedAt = clock.now();
    const approved = await answer(storyId, r, BOB, 'approve');
    expect(approved.status).toBe(200);
    expect(cardText(approved.body.value)).toContain(s.consentApproved);
    const stored = await stories.getStory(where, storyId);
    expect(stored?.consent).toMatchObject({ state: 'approved', use: 'A quote in our customer newsletter', contact: { userId: BOB.aadObjectId }, requester: { userId: ALICE.aadObjectId } });
    expect(stored?.consent?.answeredAt?.getTime()).toBe(approvedAt.getTime());
    // Alice hears it in her personal chat.
    expect(bot.connector.texts(personalChat(ALICE))).toEqual([s.consentToldRequester(BOB.name, true, 'A quote in our customer newsletter')]);

    // Pressed again (a retry): nothing changes, nobody is told twice.
    bot.connector.reset();
    const again = await answer(storyId, r, BOB, 'approve');
    expect(cardText(again.body.value)).toContain(s.consentUnchanged);
    expect(bot.connector.texts(personalChat(ALICE))).toEqual([]);

    // Now it may be marked for outside use, and the organizer's card says who approved, when.
    const outside = await press('story.visibility', { storyId, visibility: 'outside' }, ALICE);
    const outsideText = cardText(outside.body.value);
    expect(outsideText).toContain(s.visibilitySet(s.visibilityNames.outside));
    expect(outsideText).toContain(s.consentStatus('approved', BOB.name, '2026-10-05'));
    // Asking again once approved: refused, nothing sent.
    bot.connector.reset();
    expect(message(await ask(storyId))).toBe(s.alreadyApproved(BOB.name));
    expect(bot.connector.posts(personalChat(BOB))).toHaveLength(0);

    // Declining later withdraws the approval: the story comes back from outside use to the network.
    const declined = await answer(storyId, r, BOB, 'decline');
    expect(cardText(declined.body.value)).toContain(s.consentDeclined);
    const after = await stories.getStory(where, storyId);
    expect(after?.consent?.state).toBe('declined');
    expect(after?.visibility).toBe('network');
  });

  test('when a customer contact from the conversation is asked, then only they can answer; a forged, stale or malformed press records nothing', async () => {
    const storyId = await tell('Fabrikam cut onboarding from six weeks to three customer: Fabrikam');
    expect(message(await ask(storyId, ALICE, CUSTOMER, 'A slide at our partner summit'))).toBe(s.asked(CUSTOMER.name));
    const first = consentCard(CUSTOMER).r;

    // Someone else pressing the contact's buttons (forwarded card, forged data): refused.
    const byBob = await answer(storyId, first, BOB, 'approve');
    expect(JSON.stringify(byBob.body)).toContain(s.consentNotYours(CUSTOMER.name));
    // A made-up request id, a malformed one, an answer the card never offers, a story id of nothing.
    expect(JSON.stringify((await answer(storyId, 'abcdefabcdef', CUSTOMER, 'approve')).body)).toContain(s.consentStale);
    for (const [r, value, id] of [['xyz', 'approve', storyId], [first, 'maybe', storyId], [first, 'approve', 'not-a-story']] as const) {
      expect((await answer(id, r, CUSTOMER, value)).status).toBe(400);
    }
    expect((await stories.getStory(where, storyId))?.consent?.state).toBe('asked');

    // A new request replaces the pending one: the first card's buttons are stale.
    expect(message(await ask(storyId, ALICE, CUSTOMER, 'A case study on the website'))).toBe(s.asked(CUSTOMER.name));
    const second = consentCard(CUSTOMER).r;
    expect(second).not.toBe(first);
    expect(JSON.stringify((await answer(storyId, first, CUSTOMER, 'approve')).body)).toContain(s.consentStale);
    expect((await stories.getStory(where, storyId))?.consent?.state).toBe('asked');
    const ok = await answer(storyId, second, CUSTOMER, 'approve');
    expect(cardText(ok.body.value)).toContain(s.consentApproved);
    expect((await stories.getStory(where, storyId))?.consent).toMatchObject({ state: 'approved', use: 'A case study on the website', contact: { userId: CUSTOMER.aadObjectId } });
  });

  test('when the person cannot be reached in a personal chat, then the requester is told plainly and nothing is recorded', async () => {
    const storyId = await tell('Northwind ran their first community call with 200 people customer: Northwind');
    bot.connector.unreachable.add(BOB.aadObjectId);
    const refused = await ask(storyId);
    expect(message(refused)).toBe(s.cannotReach(BOB.name));
    expect((await stories.getStory(where, storyId))?.consent).toBeUndefined();

    // The chat opens but the card cannot be posted there: the request is taken back.
    bot.connector.reset();
    bot.connector.failConversation(personalChat(BOB), 403);
    expect(message(await ask(storyId))).toBe(s.cannotReach(BOB.name));
    expect((await stories.getStory(where, storyId))?.consent).toBeUndefined();
  });

  test('when the wrong person asks, or the use or contact is missing or made up, then it is refused and nothing is sent', async () => {
    const storyId = await tell('Litware doubled their champions in a quarter customer: Litware');
    // Dan is neither the teller nor an organizer.
    expect(message(await ask(storyId, DAN))).toBe(s.notAllowedAsk);
    const fetched = (await bot.send(bot.teams.taskFetch({ verb: 'story.ask', storyId }, { from: DAN, ...A }))) as { body: Body };
    expect(message(fetched)).toBe(s.notAllowedAsk);
    expect(message(await ask(storyId, ALICE, BOB, '   '))).toBe(s.useMissing);
    expect(message(await ask(storyId, ALICE, BOB, 'x'.repeat(301)))).toBe(s.useTooLong(300));
    expect(message(await ask(storyId, ALICE, person('stranger', 'Not Here')))).toBe(s.contactUnknown);
    expect((await submit({ verb: 'story.ask', storyId }, ALICE)).status).toBe(400);
    expect((await submit({ verb: 'story.ask', storyId: 'nope', use: 'x', contact: BOB.aadObjectId }, ALICE)).status).toBe(400);
    // The teller may ask for their own story (for a customer contact of theirs).
    expect(message(await ask(storyId, BOB, CUSTOMER))).toBe(s.asked(CUSTOMER.name));
    expect(bot.connector.posts(personalChat(BOB))).toHaveLength(0);
    expect((await stories.getStory(where, storyId))?.consent?.contact.userId).toBe(CUSTOMER.aadObjectId);
  });

  test('when an approved story is retold in another channel, then it is posted there with a link to the original, which counts it', async () => {
    const storyId = await tell('Adatum moved 3,000 people to hybrid meetings in a month customer: Adatum');
    // Team-only and not approved: it may not be retold.
    const early = (await bot.send(bot.teams.taskFetch({ verb: 'story.retell', storyId }, { from: BOB, ...A }))) as { body: Body };
    expect(message(early)).toBe(s.retellNotAllowed);
    await ask(storyId);
    await answer(storyId, consentCard(BOB).r, BOB, 'approve');

    // The choices: conversations of this tenant where Bob and the bot both are (not this one).
    const fetched = (await bot.send(bot.teams.taskFetch({ verb: 'story.retell', storyId }, { from: BOB, ...A }))) as { body: Body };
    if (typeof fetched.body.task?.value === 'string') throw new Error(fetched.body.task.value);
    const dialog = fetched.body.task!.value as { card: { content: Json } };
    expectValidCard(dialog.card.content);
    expect(JSON.stringify(dialog.card.content)).toContain(JSON.stringify(B.conversationId));
    expect(JSON.stringify(dialog.card.content)).not.toContain(JSON.stringify(A.conversationId));

    bot.connector.reset();
    expect(message(await submit({ verb: 'story.retell', storyId, target: B.conversationId }, BOB))).toBe(s.retold);
    const posted = bot.connector.cards({ conversationId: B.conversationId });
    expect(posted).toHaveLength(1);
    expectValidCard(posted[0]!.card);
    const retold = cardText(posted[0]!.card);
    expect(retold).toContain('Adatum moved 3,000 people to hybrid meetings');
    expect(retold).toContain(s.retoldFromNote);
    expect(retold).toContain(s.retoldKicker(BOB.name));
    // Who may see the original (this team only) would read as untrue on a copy posted elsewhere.
    expect(retold).not.toContain(s.visibilityLabel);
    expect((await stories.getStory(where, storyId))?.retellings).toBe(1);
    const view = await press('story.view', { storyId }, DAN);
    expect(cardText(view.body.value)).toContain(s.retellings(1));
    // The link to the original, pressed in the other team: the original as it is now, with its count.
    const link = JSON.stringify(posted[0]!.card).match(/"verb":"story.original","s":"([^"]+)","storyId":"([^"]+)"/);
    expect(link?.[1]).toBe(A.teamId);
    expect(link?.[2]).toBe(storyId);
    const original = await press('story.original', { s: A.teamId, storyId }, DAN, B);
    expectValidCard(original.body.value);
    expect(cardText(original.body.value)).toContain(s.originalTitle);
    expect(cardText(original.body.value)).toContain(s.retellings(1));
    // Forged: another team's team-only story is not shown through this link.
    const secret = await tell('Quietly our team-only story');
    expect(JSON.stringify((await press('story.original', { s: A.teamId, storyId: secret }, DAN, B)).body)).toContain(s.originalNotShared);
    expect((await press('story.original', { s: A.teamId, storyId: 'x' }, DAN, B)).status).toBe(400);

    // A target the dialog never offered, or one Teams refuses: nothing posted, nothing counted.
    bot.connector.reset();
    expect(message(await submit({ verb: 'story.retell', storyId, target: '19:made-up@thread.tacv2' }, BOB))).toBe(s.retellTargetUnknown);
    bot.connector.failConversation(B.conversationId!, 403);
    expect(message(await submit({ verb: 'story.retell', storyId, target: B.conversationId }, BOB))).toBe(s.retellFailed);
    expect((await stories.getStory(where, storyId))?.retellings).toBe(1);
    expect((await submit({ verb: 'story.retell', storyId }, BOB)).status).toBe(400);
  });

  test('when an anonymous story is asked about and retold, then the contact still sees the text, and the retelling shows only the stand-in', async () => {
    const storyId = await tell('anonymous as "a bank in the Nordics" Their champions wrote the onboarding guide together customer: Woodgrove visibility: network', CUSTOMER);
    bot.connector.reset();
    expect(message(await submit({ verb: 'story.retell', storyId, target: B.conversationId }, DAN))).toBe(s.retold);
    const retold = cardText(bot.connector.cards({ conversationId: B.conversationId })[0]!.card);
    expect(retold).toContain('a bank in the Nordics');
    expect(retold).not.toContain('Woodgrove');
    expect(retold).not.toContain(CUSTOMER.name);
  });
});
