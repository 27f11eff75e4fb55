import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, TENANT, person } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { digestRuntimeOf } from '../../src/features/digest/routes';
import { digestStrings } from '../../src/features/digest/strings';
import { seedStories, type SeedStory } from '../../src/features/stories/seeding';
import { AgendaService } from '../../src/features/agenda/service';
import { OrganizersRepo, ORGANIZERS_TABLE } from '../../src/people/organizers';
import type { Clock } from '../../src/clock';

/** `@Coach digest ...` over real HTTP, and the curation rules on stories built in storage. */
class TestClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
}

const NOW = '2026-11-25T12:00:00Z'; // Wednesday of ISO week 48
const DAY = 24 * 3600_000;
let n = 0;
const where = () => {
  n++;
  return { conversationId: `19:digest-cmd-${n}@thread.tacv2`, teamId: `19:digest-team-${n}@thread.tacv2` };
};

describe('digest commands and curation', () => {
  const clock = new TestClock(new Date(NOW));
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock }, env: { DIGEST_RETRY_BASE_MS: '20' } });
  });
  afterAll(async () => bot.close());
  beforeEach(() => {
    bot.connector.reset();
    clock.at = new Date(NOW);
  });

  const say = async (text: string, w: { conversationId: string; teamId: string }, from = ALICE): Promise<string> => {
    bot.connector.reset();
    await bot.send(bot.teams.channelMessage(text, { ...w, from }));
    return bot.connector.texts(w.conversationId).join('\n');
  };
  const repo = () => digestRuntimeOf(bot.app.host).repo;
  const digestCards = (id: string) => bot.connector.cards({ conversationId: id }).filter((c) => c.card.fallbackText === digestStrings.fallbackText);

  test('when someone says digest on, then the channel is subscribed for Monday 09:00 in their time zone', async () => {
    const w = where();
    expect(await say('digest on', w)).toMatch(/Monday 09:00 \(Europe\/Amsterdam\)/);
    const sub = await repo().get(TENANT, w.conversationId);
    expect(sub).toMatchObject({ active: true, day: 1, hour: 9, minute: 0, timeZone: 'Europe/Amsterdam', spaceId: w.teamId });
    expect(sub?.reference.serviceUrl).toBe(bot.connector.url);
    expect(await say('digest', w)).toMatch(/every Monday 09:00/);
  });

  test('when a day, time and zone are given, then that slot is used; digest off stops it', async () => {
    const w = where();
    expect(await say('digest on friday 16:00 Europe/London', w)).toMatch(/Friday 16:00 \(Europe\/London\)/);
    expect(await say('digest off', w)).toBe(digestStrings.unsubscribed);
    expect((await repo().get(TENANT, w.conversationId))?.active).toBe(false);
    expect(await say('digest off', w)).toBe(digestStrings.notSubscribed);
  });

  test.each([
    ['digest on funday', /"funday" is not a day/],
    ['digest on monday 25:00', /"25:00" is not a time/],
    ['digest on monday 09:00 Mars/Olympus', /"Mars\/Olympus" is not a time zone/],
    ['digest sideways', /I do not know "digest sideways"/],
  ])('when the input is "%s", then a clear answer comes back and nothing is subscribed', async (text, answer) => {
    const w = where();
    expect(await say(text, w)).toMatch(answer);
    expect(await repo().get(TENANT, w.conversationId)).toBeUndefined();
  });

  test('when digest is asked in a personal chat, then the answer says it is for channels and group chats', async () => {
    await bot.send(bot.teams.personalMessage('digest on'));
    expect(bot.connector.texts()).toEqual([digestStrings.personalScope]);
  });

  test('when the settings card is submitted, then day, time, zone and themes change; from another conversation or with bad values, nothing does', async () => {
    const w = where();
    await say('digest on', w);
    bot.connector.reset();
    await bot.send(bot.teams.channelMessage('digest settings', { ...w, from: ALICE }));
    const [settings] = bot.connector.cards({ conversationId: w.conversationId });
    expectValidCard(settings!.card);
    const data = { tenantId: TENANT, conversationId: w.conversationId };

    const other = where();
    const foreign = await bot.send(bot.teams.cardAction('digestSettings', { ...data, day: 'friday', time: '10:00', timeZone: 'UTC', themes: '' }, other));
    expect(JSON.stringify(foreign.body)).toContain(digestStrings.settingsNotMember);

    const badZone = await bot.send(bot.teams.cardAction('digestSettings', { ...data, day: 'friday', time: '10:00', timeZone: 'Nowhere/Land', themes: '' }, w));
    expect(JSON.stringify(badZone.body)).toMatch(/not a time zone/);
    const malformed = await bot.send(bot.teams.cardAction('digestSettings', { ...data, day: 7 }, w));
    expect(JSON.stringify(malformed.body)).toContain(digestStrings.settingsInvalid);
    expect(await repo().get(TENANT, w.conversationId)).toMatchObject({ day: 1, hour: 9, timeZone: 'Europe/Amsterdam', themes: [] });

    const ok = await bot.send(bot.teams.cardAction('digestSettings', { ...data, day: 'thursday', time: '17:30', timeZone: 'america/new_york', themes: 'Pricing, onboarding' }, w));
    expect(JSON.stringify(ok.body)).toMatch(/Thursday 17:30 \(America\/New_York\)/);
    expect(await repo().get(TENANT, w.conversationId)).toMatchObject({ day: 4, hour: 17, minute: 30, timeZone: 'America/New_York', themes: ['pricing', 'onboarding'] });
    // The answer is the settings card showing what was saved, with the zone as a choice list.
    const saved = (ok.body as { value: unknown }).value;
    expectValidCard(saved);
    const savedJson = JSON.stringify(saved);
    expect(savedJson).toContain('"value":"thursday"');
    expect(savedJson).toContain('"value":"17:30"');
    expect(savedJson).toMatch(/"id":"timeZone","label":"Time zone","style":"filtered","value":"America\/New_York"/);
    expect(savedJson).toContain('"value":"pricing, onboarding"');
    expect(savedJson).toContain('Europe/London');
  });

  test('when the space has organizers, then only they can change, move or stop its digest', async () => {
    const w = where();
    await say('digest on', w);
    await new OrganizersRepo(bot.app.store.table(ORGANIZERS_TABLE)).add({ tenantId: TENANT, spaceId: w.teamId ?? w.conversationId! }, { userId: ALICE.aadObjectId, userName: ALICE.name }, 'test', new Date(NOW));
    const data = { tenantId: TENANT, conversationId: w.conversationId };
    const byBob = await bot.send(bot.teams.cardAction('digestSettings', { ...data, day: 'friday', time: '10:00', timeZone: 'UTC', themes: '' }, { ...w, from: BOB }));
    expect(JSON.stringify(byBob.body)).toContain(digestStrings.settingsOrganizersOnly);
    expect(await repo().get(TENANT, w.conversationId)).toMatchObject({ day: 1, hour: 9 });
    bot.connector.reset();
    await bot.send(bot.teams.channelMessage('digest off', { ...w, from: BOB }));
    expect(bot.connector.texts(w.conversationId).join(' ')).toContain(digestStrings.settingsOrganizersOnly);
    expect((await repo().get(TENANT, w.conversationId))?.active).toBe(true);
    const byAlice = await bot.send(bot.teams.cardAction('digestSettings', { ...data, day: 'friday', time: '10:00', timeZone: 'UTC', themes: '' }, { ...w, from: ALICE }));
    expect(JSON.stringify(byAlice.body)).toContain('Saved');
    expect(await repo().get(TENANT, w.conversationId)).toMatchObject({ day: 5, hour: 10, timeZone: 'UTC' });
  });

  describe('curation on stories built in storage', () => {
    const at = (daysAgo: number): Date => new Date(new Date(NOW).getTime() - daysAgo * DAY);
    const story = (text: string, themes: string[], endorsements: number, daysAgo: number): SeedStory => ({
      text,
      tellerId: 'teller',
      tellerName: 'Tess Teller',
      customer: 'Contoso',
      themes,
      tags: [],
      endorsers: Array.from({ length: endorsements }, (_, i) => `fan-${i}`),
      createdAt: at(daysAgo),
    });

    test('when one theme dominates the week, then the preview shows at most 2 of it and 5 in all, marked as a preview and not recorded', async () => {
      const w = where();
      await seedStories(bot.app.store, TENANT, w.teamId, [
        ...Array.from({ length: 5 }, (_, i) => story(`Onboarding win ${i}`, ['onboarding'], 10 - i, 1 + i * 0.2)),
        story('Pricing insight', ['pricing'], 1, 2),
        story('Support save', ['support'], 1, 3),
        story('Security review', ['security'], 0, 4),
        story('Integration launch', ['integration'], 0, 5),
        story('An old legend', ['adoption'], 40, 30),
      ]);
      await bot.send(bot.teams.channelMessage('digest preview', { ...w, from: BOB }));
      const [preview] = digestCards(w.conversationId);
      expectValidCard(preview!.card);
      const text = cardText(preview!.card);
      expect(text).toContain(digestStrings.previewNote);
      expect(text.match(/Onboarding win/g)).toHaveLength(2);
      expect(text).toContain('Onboarding win 0');
      expect(text).toContain('Pricing insight');
      expect(text).not.toContain('An old legend');
      // A story nobody endorsed yet says nothing about it (never "0 found it inspiring").
      expect(text).not.toContain('0 found it inspiring');
      expect(text.match(/found it inspiring/g)!.length).toBeGreaterThanOrEqual(4);
      expect(text).toMatch(/9 stories/);
      expect(await repo().featuredIds(TENANT, w.conversationId)).toEqual(new Set());
    });

    test('when an organizer sends the digest now, then its stories are recorded and never shown again in that channel', async () => {
      const w = where();
      await new OrganizersRepo(bot.app.store.table(ORGANIZERS_TABLE)).add({ tenantId: TENANT, spaceId: w.teamId }, { userId: ALICE.aadObjectId, userName: ALICE.name }, 'test', clock.now());
      await say('digest on', w);
      await seedStories(bot.app.store, TENANT, w.teamId, Array.from({ length: 7 }, (_, i) => story(`Story number ${i}`, [`theme${i}`], 7 - i, 1)));
      expect(await say('digest now', w, BOB)).toBe(digestStrings.organizersOnly);
      expect(await say('digest now', w, ALICE)).toBe(digestStrings.sentNow);
      const [sent] = digestCards(w.conversationId);
      expectValidCard(sent!.card);
      expect(cardText(sent!.card)).not.toContain(digestStrings.previewNote);
      expect((await repo().featuredIds(TENANT, w.conversationId)).size).toBe(5);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('digest preview', { ...w, from: BOB }));
      const again = cardText(digestCards(w.conversationId)[0]!.card);
      expect(again).toContain('Story number 5');
      expect(again).toContain('Story number 6');
      expect(again).not.toMatch(/Story number [0-4]/);
    });

    test('when the bot cannot post in the channel, then digest now answers why and the subscription stops', async () => {
      const w = where();
      await say('digest on', w);
      bot.connector.reset();
      // Proactive posts (the digest: a random uuid as reply id) are refused; the reply to the command (the activity's own id) still arrives.
      const proactive = (replyToId: string | undefined): boolean => replyToId === undefined || replyToId.includes('-');
      bot.connector.respondWith((req) => (req.conversationId === w.conversationId && req.method === 'POST' && proactive(req.replyToId) ? { status: 403, body: { error: { code: 'BotNotInConversationRoster', message: 'no' } } } : undefined));
      await bot.send(bot.teams.channelMessage('digest now', { ...w, from: ALICE }));
      expect(bot.connector.texts(w.conversationId).join('\n')).toMatch(/could not post in this conversation \(403/);
      expect((await repo().get(TENANT, w.conversationId))?.active).toBe(false);
    });

    test('when a week is quiet, then a short card brings back an older much-endorsed story, never the same one twice in a row', async () => {
      const w = where();
      await say('digest on', w);
      await seedStories(bot.app.store, TENANT, w.teamId, [story('The legend of the saved renewal', ['adoption'], 30, 40), story('The runner-up tale', ['support'], 20, 50), story('Nobody liked this', [], 0, 60)]);
      const { service, repo: r, delivery } = digestRuntimeOf(bot.app.host);
      const sub = (await r.get(TENANT, w.conversationId))!;
      const first = await service.curateWeek(sub, clock.now());
      expect(first.content.quiet).toBe(true);
      expect(first.content.resurfaced?.text).toBe('The legend of the saved renewal');
      const card = cardText((await import('../../src/features/digest/cards')).digestCard(first.content, { preview: false }));
      expect(card).toContain(digestStrings.quietTitle);
      // Sent and recorded as this week's digest; next week is quiet again.
      const run = { tenantId: TENANT, job: 'digest-test', scope: w.conversationId, runKey: '2026-W48' };
      expect(await delivery.claimNow(run, clock.now())).toBe(true);
      expect(await delivery.record(sub, run, first, { kind: 'sent', attempts: 1 })).toBe('sent');
      clock.at = new Date(clock.now().getTime() + 7 * DAY);
      const second = await service.curateWeek((await r.get(TENANT, w.conversationId))!, clock.now());
      expect(second.content.quiet).toBe(true);
      expect(second.content.resurfaced?.text).toBe('The runner-up tale');
    });

    test('when the channel has a next call and people contributed for the first time, then the card shows the top 3 topics, a vote button and the new voices', async () => {
      const w = where();
      await say('digest on', w);
      const agenda = new AgendaService(bot.app.store, clock);
      const place = { tenantId: TENANT, conversationId: w.conversationId, spaceId: w.teamId };
      await agenda.createCall(place, { userId: ALICE.aadObjectId, userName: ALICE.name }, { title: 'December roundtable', date: '2026-12-02', time: '16:00', durationMin: 60, cadence: 'once', timeZone: 'UTC' }, { channelId: 'msteams', serviceUrl: 'https://127.0.0.1', conversation: { id: w.conversationId } });
      for (const [i, title] of ['Renewals playbook', 'Champions program', 'Pricing changes', 'Events calendar'].entries()) {
        const who = person(`voice-${i}`, `New Voice ${i}`);
        await agenda.proposeTopic(place, { userId: who.aadObjectId, userName: who.name }, title);
      }
      clock.at = new Date(clock.now().getTime() + 60_000);
      bot.connector.reset();
      await bot.send(bot.teams.channelMessage('digest preview', { ...w, from: BOB }));
      const [preview] = digestCards(w.conversationId);
      expectValidCard(preview!.card);
      const text = cardText(preview!.card);
      expect(text).toContain('December roundtable');
      expect(text).toContain('Renewals playbook');
      expect(text).not.toContain('Events calendar');
      expect(text).toContain(digestStrings.voteButton);
      expect(text).toMatch(/New Voice 0/);
      expect(text).toMatch(/4 topics/);
      const actions = (preview!.card.actions ?? []) as { type: string; verb?: string }[];
      expect(actions[0]).toMatchObject({ type: 'Action.Execute', verb: 'agenda.open' });
    });
  });
});
