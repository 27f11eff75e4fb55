import { TableServiceClient, TableClient } from '@azure/data-tables';
import { startTestBot, storageConnectionString, type TestBot } from '../support/harness';
import { ALICE, BOB, BOT, TENANT, person, type Where } from '../support/activities';
import type { ConversationRef } from '../../src/teams/door';
import { RunClaims, JOB_RUNS_TABLE } from '../../src/jobs/claims';
import { SteppedJobs, STEPPED_JOBS_TABLE } from '../../src/jobs/steps';
import { FORGET_KIND, forgetWork, newForgetState, type ForgetState } from '../../src/features/insights/forgetJob';
import { insightStrings } from '../../src/features/insights/strings';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { StoriesService } from '../../src/features/stories/service';
import { personTag } from '../../src/features/insights/repo';
import { forgetJobsOf, insightsOf } from '../../src/features/insights/routes';

/**
 * My data and forget me, over HTTP with Azurite. The proof that a forgotten person is gone is a
 * walk of EVERY table under the bot's prefix, listed from the storage account itself.
 */
const clock = { current: new Date('2026-11-20T09:00:00Z'), now(): Date { return new Date(this.current); } };

/** Rows (in any table, optionally only those whose text contains `within`) that contain a needle. */
async function rowsNaming(bot: TestBot, needles: string[], within?: string): Promise<string[]> {
  await insightsOf(bot.app.host)!.settled();
  const cs = storageConnectionString();
  const service = TableServiceClient.fromConnectionString(cs, { allowInsecureConnection: true });
  const hits: string[] = [];
  let tables = 0;
  for await (const t of service.listTables()) {
    const name = t.name ?? '';
    if (!name.startsWith(bot.app.store.prefix)) continue;
    tables++;
    const client = TableClient.fromConnectionString(cs, name, { allowInsecureConnection: true });
    for await (const row of client.listEntities()) {
      const text = JSON.stringify(row);
      if (within && !text.includes(within)) continue;
      for (const n of needles) if (text.includes(n)) hits.push(`${name}: ${n} in ${text.slice(0, 300)}`);
    }
  }
  expect(tables).toBeGreaterThan(15);
  return hits;
}

describe('my data and forget me over HTTP', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });

  let n = 0;
  const newTeam = (): Where => {
    n++;
    return { teamId: `19:privacy-team-${n}@thread.tacv2`, conversationId: `19:privacy-chan-${n}@thread.tacv2` };
  };
  const say = async (text: string, where: Where, from = BOB): Promise<string> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...where }));
    expect(res.status).toBe(200);
    return bot.connector.texts(where.conversationId).at(-1) ?? '';
  };
  const dm = async (text: string, from: ReturnType<typeof person>): Promise<{ text: string; cards: Record<string, unknown>[] }> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.personalMessage(text, { from }));
    expect(res.status).toBe(200);
    return { text: bot.connector.texts().at(-1) ?? '', cards: bot.connector.cards().map((c) => c.card) };
  };
  const submit = async (data: Record<string, unknown>, from: ReturnType<typeof person>, scope: 'personal' | 'channel' = 'personal', where: Where = {}): Promise<string> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.cardSubmit(data, { from, ...where }, scope));
    expect(res.status).toBe(200);
    return bot.connector.texts().at(-1) ?? '';
  };

  /**
   * Confirms forget me and waits for the stepped work to finish: the turn answers at once; the
   * walk goes on after it, and the person is told in their personal chat when it is done.
   */
  const forget = async (who: ReturnType<typeof person>, choice: 'delete' | 'anonymise'): Promise<string> => {
    const started = await submit({ verb: 'privacy.forget', choice }, who);
    expect(started).toMatch(/^Understood: I am forgetting you now .* I will tell you here when it is done\.$/);
    const chat = `a:personal-${who.aadObjectId}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const done = bot.connector.texts(chat).find((t) => t.startsWith('Done:'));
      const running = (await forgetJobsOf(bot.app.host)!.inProgress(TENANT)).filter((st) => st.person.userId === who.aadObjectId);
      if (done && !running.length) return done;
      if (Date.now() > deadline) throw new Error('forget me did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** A person who took part in every way the bot records. */
  async function activeLife(who: ReturnType<typeof person>, here: Where): Promise<{ storyIds: string[]; bobStory: string }> {
    const stories = new StoriesService(bot.app.store, clock);
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    await say('story Bob saw Contoso halve onboarding time with champions customer: Contoso', here, BOB);
    await say('story Fabrikam cut escalations with the community value: 30 fewer escalations a month customer: Fabrikam', here, who);
    await say('story Litware templates saved the support team a lot #roi', here, who);
    await say('customer add Fabrikam fabrikam.com', here, who);
    await say('topic How do we measure adoption?', here, who);
    await say('note decision: pilot in Q1', here, who);
    const all = await stories.storiesBetween(TENANT, here.teamId!, new Date(0), new Date('2100-01-01'));
    const bobStory = all.find((st) => st.tellerName === BOB.name)!.storyId;
    const call = (await agendaInternals(bot.app.host)!.service.currentCall({ tenantId: TENANT, conversationId: here.conversationId! }))!;
    expect((await bot.send(bot.teams.cardAction('agenda.vote', { callId: call.callId, rev: 1, topic: 1, vote: true }, { ...here, from: who }))).status).toBe(200);
    expect((await bot.send(bot.teams.cardAction('story.endorse', { storyId: bobStory, endorse: true }, { ...here, from: who }))).status).toBe(200);
    await say('call "Dana call" 2026-12-11 16:00', { teamId: `${here.teamId}-own`, conversationId: `${here.conversationId}-own` }, who); // an organizer of her own team
    await dm('help', who);
    return { storyIds: all.filter((st) => st.tellerName === who.name).map((st) => st.storyId), bobStory };
  }

  test('when a person asks for their data, then a single-use link gives everything that names them, and nothing about others', async () => {
    const dana = person('dana-data', 'Dana Datarequest');
    const here = newTeam();
    await activeLife(dana, here);
    const answer = await dm('my data', dana);
    expect(answer.text).toMatch(/Everything I keep about you \(JSON\)/);
    const url = /(http:\/\/\S+\/download\/\S+)/.exec(answer.text)![1]!;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const data = (await res.json()) as { person: { userId: string }; rows: { table: string; properties: Record<string, unknown> }[] };
    expect(data.person.userId).toBe(dana.aadObjectId);
    const tables = new Set(data.rows.map((r) => r.table));
    for (const t of ['stories', 'contributions', 'organizers', 'insightmembers', 'insightdays', 'customers', 'conversations']) expect([t, tables.has(t)]).toEqual([t, true]);
    const text = JSON.stringify(data);
    expect(text).toContain('Fabrikam cut escalations');
    expect(text).toContain('How do we measure adoption?');
    expect(text).toContain('pilot in Q1');
    // Bob's story appears only as Dana's endorsement, not with Bob's details.
    expect(text).not.toContain(BOB.aadObjectId);
    expect((await fetch(url)).status).toBe(410);

    const csv = await dm('my data csv', dana);
    const csvRes = await fetch(/(http:\/\/\S+\/download\/\S+)/.exec(csv.text)![1]!);
    expect(csvRes.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await csvRes.text()).toMatch(/^\uFEFF?table,partition_key,row_key,property,value/);
    expect((await dm('my stuff', dana)).text).toMatch(/Say "my data"/);
    // In a channel, no link is made: a link to someone's data is only ever answered in their personal chat.
    const inChannel = await say('my data', here, dana);
    expect(inChannel).not.toMatch(/download/);
    expect(JSON.stringify(bot.connector.activities)).not.toMatch(/\/download\//);
  });

  test('when a person is forgotten and keeps their stories anonymised, then no row in any table names them, and the stories and counts stay true', async () => {
    const dana = person('dana-anon', 'Dana Anonymous');
    const here = newTeam();
    const { storyIds, bobStory } = await activeLife(dana, here);
    const needles = [dana.aadObjectId, dana.id, dana.name, personTag(TENANT, dana.aadObjectId)];
    expect((await rowsNaming(bot, needles)).length).toBeGreaterThan(10);

    const confirm = await dm('forget me', dana);
    expect(confirm.cards).toHaveLength(1);
    expectValidCard(confirm.cards[0]);
    expect(cardText(confirm.cards[0])).toContain('cannot be undone');
    // Nothing has happened yet.
    expect((await rowsNaming(bot, needles)).length).toBeGreaterThan(10);

    const done = await forget(dana, 'anonymise');
    expect(done).toMatch(/^Done: I no longer keep anything that names you/);
    expect(await rowsNaming(bot, needles)).toEqual([]);

    const stories = new StoriesService(bot.app.store, clock);
    const kept = await Promise.all(storyIds.map((id) => stories.getStory({ tenantId: TENANT, spaceId: here.teamId! }, id)));
    expect(kept.map((st) => st?.teller.userName)).toEqual(['a former member', 'a former member']);
    expect((await stories.getStory({ tenantId: TENANT, spaceId: here.teamId! }, bobStory))?.endorsers).toEqual([]);
    // Bob is untouched.
    expect((await rowsNaming(bot, [BOB.aadObjectId])).length).toBeGreaterThan(0);
    // Counters keep the stories, and no longer count her among the people taking part.
    bot.connector.reset();
    await say('stats 7d', here);
    const stats = cardText(bot.connector.cards()[0]!.card);
    expect(stats).toMatch(/Stories\s*3/);
    expect(stats).toMatch(/People taking part\s*In all\s*1 /);
    // The library still lists the anonymised stories.
    bot.connector.reset();
    await say('stories', here);
    expect(cardText(bot.connector.cards()[0]!.card)).toContain('a former member');
  });

  test('when a person is forgotten and deletes their stories, then their stories, notes and topics are gone too', async () => {
    const dana = person('dana-del', 'Dana Deleted');
    const here = newTeam();
    const { storyIds } = await activeLife(dana, here);
    await dm('forget me', dana);
    expect(await forget(dana, 'delete')).toMatch(/2 of your stories and your notes and topics were deleted/);
    expect(await rowsNaming(bot, [dana.aadObjectId, dana.id, dana.name, personTag(TENANT, dana.aadObjectId)])).toEqual([]);
    // What she wrote is gone from her team and channel (other tests' teams hold the same words).
    for (const within of [here.teamId!, here.conversationId!]) expect(await rowsNaming(bot, ['How do we measure adoption?', 'pilot in Q1', 'Fabrikam cut escalations', 'Litware templates'], within)).toEqual([]);
    const stories = new StoriesService(bot.app.store, clock);
    for (const id of storyIds) expect(await stories.getStory({ tenantId: TENANT, spaceId: here.teamId! }, id)).toBeUndefined();
  });

  test('when the process dies in the middle of forgetting, then another pass takes it over from its record, finishes it once, and tells the person once', async () => {
    const fay = person('fay-crash', 'Fay Crashed');
    const here = newTeam();
    await activeLife(fay, here);
    const needles = [fay.aadObjectId, fay.id, fay.name, personTag(TENANT, fay.aadObjectId)];
    const chat: ConversationRef = { channelId: 'msteams', serviceUrl: bot.connector.url, conversation: { id: `a:personal-${fay.aadObjectId}`, tenantId: TENANT, conversationType: 'personal' }, bot: BOT };
    // Another instance (same store) takes the request, does three steps, then dies.
    const store = bot.app.store;
    const work = forgetWork({
      store,
      clock,
      claims: new RunClaims(store.table(JOB_RUNS_TABLE), 'dead-instance'),
      settled: () => insightsOf(bot.app.host)!.settled(),
      post: (ref, message) => bot.app.host.poster.post(ref, message),
      done: insightStrings.forgetDone,
    });
    const dead = new SteppedJobs<ForgetState>(store.table(STEPPED_JOBS_TABLE), work, 'dead-instance', () => clock.now().getTime());
    const job = { tenantId: TENANT, id: 'crashjob0001' };
    await dead.start(job, newForgetState(job.id, { tenantId: TENANT, userId: fay.aadObjectId, otherIds: [], userName: fay.name }, 'delete', chat));
    expect(await dead.run(job, 3)).toBe('more');
    const [recorded] = (await forgetJobsOf(bot.app.host)!.inProgress(TENANT)).filter((st) => st.jobId === job.id);
    expect(recorded?.phase).toBe('rows');
    expect(recorded?.table).toBe(2);
    // The step in flight when it died ran (its effects are stored), but its progress was not recorded.
    await work.step(recorded!);
    expect((await rowsNaming(bot, needles)).length).toBeGreaterThan(0);

    // Asking again while it is under way starts nothing new.
    expect(await submit({ verb: 'privacy.forget', choice: 'delete' }, fay)).toBe('I am already forgetting you; I will tell you here when it is done.');

    // This instance's pass leaves it alone while the dead owner's lease runs...
    bot.connector.reset();
    await bot.app.bot.jobs.runOnce([FORGET_KIND]);
    expect((await forgetJobsOf(bot.app.host)!.inProgress(TENANT)).some((st) => st.jobId === job.id)).toBe(true);
    // ...and takes it over once the lease ran out, from the recorded state (the repeated step changes nothing twice).
    const saved = clock.current;
    clock.current = new Date(saved.getTime() + 3 * 60_000);
    try {
      await bot.app.bot.jobs.runOnce([FORGET_KIND]);
      expect((await forgetJobsOf(bot.app.host)!.inProgress(TENANT)).some((st) => st.jobId === job.id)).toBe(false);
      const told = bot.connector.texts(chat.conversation.id).filter((t) => t.startsWith('Done:'));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/2 of your stories and your notes and topics were deleted/);
      expect(await rowsNaming(bot, needles)).toEqual([]);
      // Another pass has nothing to do and tells no one again.
      await bot.app.bot.jobs.runOnce([FORGET_KIND]);
      expect(bot.connector.texts(chat.conversation.id).filter((t) => t.startsWith('Done:'))).toHaveLength(1);
    } finally {
      clock.current = saved;
    }
  });

  test('when forget is pressed outside the personal chat, or with data the bot never sent, then nothing is deleted', async () => {
    const eve = person('eve-priv', 'Eve Privacy');
    const here = newTeam();
    await say('story Eve told a story about Northwind', here, eve);
    expect(await submit({ verb: 'privacy.forget', choice: 'delete' }, eve, 'channel', here)).toMatch(/works only in our personal chat/);
    expect(await submit({ verb: 'privacy.forget', choice: 'everything' }, eve)).toMatch(/Say "forget me"/);
    expect((await dm('forget everyone', eve)).text).toMatch(/Say "forget me"/);
    expect((await rowsNaming(bot, [eve.aadObjectId])).length).toBeGreaterThan(0);
  });
});
