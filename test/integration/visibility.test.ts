import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, person, type Person, type Where } from '../support/activities';
import { cardText, expectValidCard } from '../support/cards';
import { agendaInternals } from '../../src/features/agenda/routes';
import { storyStrings as s } from '../../src/features/stories/strings';
import { connectStrings as cs } from '../../src/features/connect/strings';
import { digestStrings as ds } from '../../src/features/digest/strings';
import { agendaStrings as as } from '../../src/features/agenda/strings';
import { TENANT } from '../support/activities';

/**
 * Who may see a story, over HTTP with Azurite: the visibility matrix (for each visibility, and
 * an anonymous story, what each surface shows: library, digest, who knows, stats, value, export,
 * in the team, in another team of the tenant, in another tenant), then the bad input.
 */
const clock = { at: new Date('2026-09-07T09:00:00Z'), now: (): Date => new Date(clock.at) };
const OTHER_TENANT = '0f0e0d0c-0b0a-4909-8807-060504030201';
const CAROL = person('carol', 'Carol Secret-Teller');
const DAN = person('dan', 'Dan Bystander');

type Json = Record<string, unknown>;
const A: Where = { teamId: '19:vis-team-a@thread.tacv2', conversationId: '19:vis-chan-a@thread.tacv2' };
const B: Where = { teamId: '19:vis-team-b@thread.tacv2', conversationId: '19:vis-chan-b@thread.tacv2' };
const C: Where = { tenantId: OTHER_TENANT, teamId: '19:vis-team-c@thread.tacv2', conversationId: '19:vis-chan-c@thread.tacv2' };

const questionIdOf = (card: unknown): string => {
  const m = /"questionId":"([^"]+)"/.exec(JSON.stringify(card));
  if (!m?.[1]) throw new Error('no questionId on the card');
  return m[1];
};

const storyIdOf = (card: unknown): string => {
  const m = /"storyId":"([^"]+)"/.exec(JSON.stringify(card));
  if (!m?.[1]) throw new Error('no storyId on the card');
  return m[1];
};

describe('visibility of stories', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ deps: { clock } });
  });
  afterAll(async () => {
    agendaInternals(bot.app.host)?.live.coalescer.stop();
    await bot.close();
  });
  beforeEach(() => {
    clock.at = new Date(clock.at.getTime() + 60_000);
  });

  const say = async (text: string, where: Where, from: Person = BOB, mentions: Person[] = []): Promise<{ texts: string[]; cards: Json[] }> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...where }, mentions));
    expect(res.status).toBe(200);
    const cards = bot.connector.cards({ conversationId: where.conversationId }).map((c) => c.card);
    for (const c of cards) expectValidCard(c);
    return { texts: bot.connector.texts(where.conversationId), cards };
  };
  const cardOf = async (text: string, where: Where, from: Person = BOB): Promise<string> => {
    const { cards } = await say(text, where, from);
    expect(cards).toHaveLength(1);
    return cardText(cards[0]);
  };
  const press = async (verb: string, data: Json, where: Where, from: Person, scope: 'channel' | 'personal' = 'channel'): Promise<{ status: number; body: { type?: string; value?: unknown } }> => {
    const res = await bot.send(bot.teams.cardAction(verb, data, { from, ...where }, scope));
    return res as { status: number; body: { type?: string; value?: unknown } };
  };
  const download = async (what: string, where: Where): Promise<string> => {
    // The link goes to the organizer's personal chat only (export.test.ts proves the channel never sees it).
    await say(`export ${what}`, where, ALICE);
    const personal = bot.connector.texts(`a:personal-${ALICE.aadObjectId}`);
    const m = /(http:\/\/\S+\/download\/\S+)/.exec(personal.at(-1) ?? '');
    if (!m?.[1]) throw new Error(`no download link in: ${personal.join(' | ')}`);
    const res = await fetch(m[1]);
    expect(res.status).toBe(200);
    return res.text();
  };

  /** Each story carries a marker word, so a surface's text says which stories it shows. */
  const MARK = { team: 'Quokkateam', network: 'Quokkanet', anonymous: 'Quokkaanon', outside: 'Quokkaout' } as const;
  type Item = keyof typeof MARK;
  const ids: Partial<Record<Item, string>> = {};

  beforeAll(async () => {
    // Alice organizes team A (and, for their exports, B and C).
    for (const w of [A, B, C]) await say('call "Network hour" 2026-12-10 16:00', w, ALICE);
    const tell = async (item: Item, text: string, from: Person = BOB): Promise<void> => {
      const { cards } = await say(text, A, from);
      expect(cards).toHaveLength(1);
      ids[item] = storyIdOf(cards[0]);
    };
    await tell('team', `story ${MARK.team} champions ran a launch week for new hires #champions customer: Contoso`);
    await tell('network', `story ${MARK.network} our executive sponsor opened every townhall herself visibility: network customer: Fabrikam`);
    await tell('anonymous', `story anonymous as "a customer in retail" ${MARK.anonymous} champions saved 100 hours a month value: 100 hours a month saved #champions customer: Secretco visibility: network`, CAROL);
    await tell('outside', `story ${MARK.outside} the field staff joined hybrid meetings from the shop floor visibility: network customer: Northwind`);
    // The outside story: Bob (its teller) approves retelling it, then Alice marks it for outside use.
    const asked = await bot.send(bot.teams.taskSubmit({ verb: 'story.ask', storyId: ids.outside, use: 'A quote on our website', contact: BOB.aadObjectId }, { from: ALICE, ...A }));
    expect((asked.body as { task: { value: string } }).task.value).toBe(s.asked(BOB.name));
    const consent = bot.connector.cards({ conversationId: `a:personal-${BOB.aadObjectId}` }).at(-1)!.card;
    const m = /"r":"([0-9a-f]{12})"/.exec(JSON.stringify(consent));
    expect((await press('story.consent', { s: A.teamId, storyId: ids.outside, r: m![1], answer: 'approve' }, {}, BOB, 'personal')).status).toBe(200);
    const outside = await press('story.visibility', { storyId: ids.outside, visibility: 'outside' }, A, ALICE);
    expect(cardText(outside.body.value)).toContain(s.visibilitySet(s.visibilityNames.outside));
    // Team B and the other tenant each have a story of their own.
    await say('story Wombatown a story of team B only #champions', B, DAN);
    await say('story Wombatother a story of another organisation #champions visibility: network', C, DAN);
  });

  /** What each surface shows, per item: true = the story appears (with the anonymous one anonymised). */
  const matrix: { surface: string; read: () => Promise<string>; sees: Record<Item, boolean> }[] = [
    { surface: 'library, its own team', read: () => cardOf('stories', A), sees: { team: true, network: true, anonymous: true, outside: true } },
    { surface: 'library, another team', read: () => cardOf('stories', B, DAN), sees: { team: false, network: true, anonymous: true, outside: true } },
    { surface: 'library, another tenant', read: () => cardOf('stories', C, DAN), sees: { team: false, network: false, anonymous: false, outside: false } },
    // The team story and the anonymous one share #champions: the tag's rows of another team hold only the network one.
    { surface: 'library by #tag, another team', read: () => cardOf('stories #champions', B, DAN), sees: { team: false, network: false, anonymous: true, outside: false } },
    { surface: 'library by #tag, its own team', read: () => cardOf('stories #champions', A), sees: { team: true, network: false, anonymous: true, outside: false } },
    { surface: 'library by words, another team', read: () => cardOf('stories townhall', B, DAN), sees: { team: false, network: true, anonymous: false, outside: false } },
    { surface: 'digest, its own team', read: () => cardOf('digest preview', A), sees: { team: true, network: true, anonymous: true, outside: true } },
    { surface: 'digest, another team', read: () => cardOf('digest preview', B, DAN), sees: { team: false, network: true, anonymous: true, outside: true } },
    { surface: 'digest, another tenant', read: () => cardOf('digest preview', C, DAN), sees: { team: false, network: false, anonymous: false, outside: false } },
    { surface: 'export stories, its own team', read: () => download('stories', A), sees: { team: true, network: true, anonymous: true, outside: true } },
    { surface: 'export stories, another team', read: () => download('stories', B), sees: { team: false, network: false, anonymous: false, outside: false } },
    { surface: 'export stories, another tenant', read: () => download('stories', C), sees: { team: false, network: false, anonymous: false, outside: false } },
    { surface: 'export quotes, its own team', read: () => download('quotes', A), sees: { team: false, network: false, anonymous: false, outside: true } },
    { surface: 'export quotes, another team', read: () => download('quotes', B), sees: { team: false, network: false, anonymous: false, outside: false } },
    { surface: 'value (stats of value), its own team', read: () => cardOf('value 30d', A), sees: { team: false, network: false, anonymous: true, outside: false } },
    { surface: 'value, another team', read: () => cardOf('value 30d', B, DAN), sees: { team: false, network: false, anonymous: false, outside: false } },
  ];

  test.each(matrix)('when $surface is read, then it shows exactly what it may, and never who told the anonymous story', async ({ surface, read, sees }) => {
    const text = await read();
    for (const item of Object.keys(MARK) as Item[]) {
      if (sees[item]) expect(text).toContain(MARK[item]);
      else expect(text).not.toContain(MARK[item]);
    }
    // The anonymous story: never its teller or customer, only its stand-in (where it appears).
    expect(text).not.toContain(CAROL.name);
    expect(text).not.toContain('Secretco');
    if (sees.anonymous) expect(text).toContain('a customer in retail');
    // Another tenant's network story never shows in this tenant; team B's team-only story never outside team B.
    if (!surface.endsWith('another tenant')) expect(text).not.toContain('Wombatother');
    if (!surface.endsWith('another team')) expect(text).not.toContain('Wombatown');
  });

  test('when stats is read, then each team counts its own stories only (another team\'s network stories are not counted)', async () => {
    expect(await cardOf('stats 30d', A)).toMatch(/Stories\s*4 /);
    expect(await cardOf('stats 30d', B, DAN)).toMatch(/Stories\s*1 /);
    expect(await cardOf('stats 30d', C, DAN)).toMatch(/Stories\s*1 /);
  });

  test('when who knows is asked, then the anonymous teller is never credited, and another team or tenant is not told about team A\'s people', async () => {
    const inA = await cardOf('who knows #champions', A, DAN);
    expect(inA).toContain(BOB.name);
    expect(inA).not.toContain(CAROL.name);
    for (const w of [B, C]) {
      const { texts, cards } = await say('who knows #champions', w, ALICE);
      const all = [...texts, ...cards.map(cardText)].join(' ');
      expect(all).not.toContain(BOB.name);
      expect(all).not.toContain(CAROL.name);
    }
  });

  test('when the anonymous story\'s card is seen, then only its teller and the organizers see who told it and the customer', async () => {
    const view = async (from: Person): Promise<string> => {
      const res = await press('story.view', { storyId: ids.anonymous }, A, from);
      expect(res.status).toBe(200);
      expectValidCard(res.body.value);
      return cardText(res.body.value);
    };
    for (const insider of [CAROL, ALICE]) {
      const text = await view(insider);
      expect(text).toContain(CAROL.name);
      expect(text).toContain('Secretco');
      expect(text).toContain(s.anonymousNote);
    }
    const outsider = await view(DAN);
    expect(outsider).not.toContain(CAROL.name);
    expect(outsider).not.toContain('Secretco');
    expect(outsider).toContain('a customer in retail');
    expect(outsider).toContain(s.anonymousTeller);
  });

  test('when the teller narrows a network story to the team, then another team no longer finds it, and widening brings it back', async () => {
    const narrowed = await press('story.visibility', { storyId: ids.network, visibility: 'team' }, A, BOB);
    expect(cardText(narrowed.body.value)).toContain(s.visibilitySet(s.visibilityNames.team));
    expect(await cardOf('stories', B, DAN)).not.toContain(MARK.network);
    expect(await cardOf('digest preview', B, DAN)).not.toContain(MARK.network);
    // Pressed again (a retry): set-state, nothing changes.
    const again = await press('story.visibility', { storyId: ids.network, visibility: 'team' }, A, BOB);
    expect(cardText(again.body.value)).toContain(s.visibilityUnchanged(s.visibilityNames.team));
    await press('story.visibility', { storyId: ids.network, visibility: 'network' }, A, ALICE);
    expect(await cardOf('stories', B, DAN)).toContain(MARK.network);
  });

  test('when a topic, a note and a question are written in team A (team-only: the default, and the only visibility topics and notes have), then another team or tenant never sees them', async () => {
    await say('topic Quokkatopic how do champions keep momentum', A, BOB);
    await say('note decision: Quokkanote we pilot champions in Q1', A, ALICE);
    await say('ask Quokkaquestion how do you keep champions engaged?', A, DAN);
    const inA = await cardOf('digest preview', A);
    expect(inA).toContain('Quokkatopic');
    expect(inA).toContain('Quokkaquestion');
    const elsewhere = [
      await cardOf('digest preview', B, DAN),
      await cardOf('digest preview', C, DAN),
      await cardOf('stories Quokkatopic Quokkanote Quokkaquestion', B, DAN),
      await download('calls', B),
      await download('stories', B),
      ...(await say('who knows #champions', B, ALICE)).cards.map(cardText),
    ].join('\n');
    for (const mark of ['Quokkatopic', 'Quokkanote', 'Quokkaquestion']) {
      expect(elsewhere.replace(/Stories for "[^"]*"/g, '')).not.toContain(mark);
    }
  });

  test('when people find a network story inspiring and edit its tags while the teller narrows it to the team, then no other team finds it afterwards', async () => {
    for (let round = 0; round < 3; round++) {
      const { cards } = await say(`story Quokkarace${round} a network story pressed by many #champions visibility: network`, A);
      const storyId = storyIdOf(cards[0]);
      const crowd = Array.from({ length: 6 }, (_, i) => person(`race-${round}-${i}`));
      const presses = [
        ...crowd.map((p) => press('story.endorse', { storyId, endorse: true }, A, p)),
        press('story.tags', { storyId, tags: `champions, race-${round}` }, A, ALICE),
        press('story.visibility', { storyId, visibility: 'team' }, A, BOB),
        ...crowd.slice(0, 3).map((p) => press('story.endorse', { storyId, endorse: false }, A, p)),
      ];
      for (const r of await Promise.all(presses)) expect(r.status).toBe(200);
      expect(await cardOf(`stories Quokkarace${round}`, B, DAN)).toContain(s.libraryNoMatch);
      expect(await cardOf('stories #champions', B, DAN)).not.toContain(`Quokkarace${round}`);
      expect(await cardOf(`stories #race-${round}`, B, DAN)).not.toContain(`Quokkarace${round}`);
      expect(await cardOf(`stories Quokkarace${round}`, A)).toContain(`Quokkarace${round}`);
    }
  });

  test('when an Inspiring press publishes its copy late, after the teller narrowed the story, then the copy is taken back', async () => {
    const { cards } = await say('story Quokkalate a network story with a slow copy #champions visibility: network', A);
    const storyId = storyIdOf(cards[0]);
    // The index's client (the store hands out one per table): hold the next publish until the narrowing is done.
    const client = bot.app.store.table('storynetwork');
    const submit = client.submitTransaction.bind(client);
    let held: (() => void) | undefined;
    let holding: (() => void) | undefined;
    const isHolding = new Promise<void>((r) => (holding = r));
    client.submitTransaction = (async (actions: Parameters<typeof submit>[0]) => {
      if (!held && actions.every((a) => a[0] === 'upsert')) {
        await new Promise<void>((release) => {
          held = release;
          holding!();
        });
      }
      return submit(actions);
    }) as typeof client.submitTransaction;
    try {
      const endorsing = press('story.endorse', { storyId, endorse: true }, A, DAN);
      await isHolding;
      expect((await press('story.visibility', { storyId, visibility: 'team' }, A, BOB)).status).toBe(200);
      held!();
      expect((await endorsing).status).toBe(200);
    } finally {
      client.submitTransaction = submit;
    }
    expect(await cardOf('stories Quokkalate', B, DAN)).toContain(s.libraryNoMatch);
    expect(await cardOf('stories #champions', B, DAN)).not.toContain('Quokkalate');
  });

  test('when a network story is deleted, then no other team finds it any more', async () => {
    const { cards } = await say(`story Quokkagone a network story to delete #champions visibility: network`, A);
    const storyId = storyIdOf(cards[0]);
    expect(await cardOf('stories #champions', B, DAN)).toContain('Quokkagone');
    expect((await press('story.delete', { storyId }, A, BOB)).status).toBe(200);
    expect(await cardOf('stories #champions', B, DAN)).not.toContain('Quokkagone');
    expect(await cardOf('stories', B, DAN)).not.toContain('Quokkagone');
  });

  describe('questions', () => {
    /** Each question carries a marker word, as the stories do. */
    const Q = { team: 'Quokkaqteam', network: 'Quokkaqnet', answered: 'Quokkaqanswered' } as const;
    type QItem = keyof typeof Q;
    const qids: Partial<Record<QItem, string>> = {};
    const ask = async (text: string, where: Where, from: Person = BOB): Promise<string> => {
      const { cards } = await say(`ask ${text}`, where, from);
      expect(cards).toHaveLength(1);
      return questionIdOf(cards[0]);
    };
    const answer = async (questionId: string, where: Where, from: Person, text: string): Promise<void> => {
      const res = await bot.send(bot.teams.taskSubmit({ verb: 'connect.answer', questionId, answerId: 'a1b2c3d4e5f6', answer: text }, { from, ...where }));
      expect(res.status).toBe(200);
    };
    const setVisibility = (questionId: string, visibility: string, from: Person): ReturnType<typeof press> => press('connect.visibility', { questionId, visibility }, A, from);

    beforeAll(async () => {
      qids.team = await ask(`${Q.team} how do you keep champions engaged after launch?`, A);
      qids.network = await ask(`${Q.network} how do you get executives to open townhalls? visibility: network`, A);
      qids.answered = await ask(`${Q.answered} who runs your champions calls? visibility: network`, A);
      await answer(qids.answered, A, DAN, 'Our community lead runs them.');
      await ask('Wombatqother a question of another organisation visibility: network', C, DAN);
      await ask('Wombatqown a question of team B only', B, DAN);
    });

    /** What each surface shows of team A's questions: an answered network question is listed nowhere (it is not open). */
    const questionMatrix: { surface: string; read: () => Promise<string>; sees: Record<QItem, boolean> }[] = [
      { surface: 'digest, its own team', read: () => cardOf('digest preview', A), sees: { team: true, network: true, answered: false } },
      { surface: 'digest, another team', read: () => cardOf('digest preview', B, DAN), sees: { team: false, network: true, answered: false } },
      { surface: 'digest, another tenant', read: () => cardOf('digest preview', C, DAN), sees: { team: false, network: false, answered: false } },
      { surface: 'library, another team', read: () => cardOf(`stories ${Q.team} ${Q.network} ${Q.answered}`, B, DAN), sees: { team: false, network: false, answered: false } },
      { surface: 'buckets, another team', read: () => cardOf('buckets', B, DAN), sees: { team: false, network: false, answered: false } },
      { surface: 'export calls, another team', read: () => download('calls', B), sees: { team: false, network: false, answered: false } },
      { surface: 'export stories, another tenant', read: () => download('stories', C), sees: { team: false, network: false, answered: false } },
    ];

    test.each(questionMatrix)('when $surface is read, then it shows exactly the questions it may', async ({ surface, read, sees }) => {
      const text = (await read()).replace(/Stories for "[^"]*"/g, '');
      for (const item of Object.keys(Q) as QItem[]) {
        if (sees[item]) expect(text).toContain(Q[item]);
        else expect(text).not.toContain(Q[item]);
      }
      if (!surface.endsWith('another tenant')) expect(text).not.toContain('Wombatqother');
      if (!surface.endsWith('another team')) expect(text).not.toContain('Wombatqown');
    });

    test('when another team reads its digest, then the network question is marked as from another team, links to its thread, and carries no button acting on it', async () => {
      const res = await say('digest preview', B, DAN);
      const card = res.cards[0]!;
      const text = cardText(card);
      expect(text).toContain(`${Q.network} how do you get executives to open townhalls? (asked by ${BOB.name} in another team of the network`);
      expect(text).toContain('Wombatqown');
      const json = JSON.stringify(card);
      expect(json).toContain(ds.openTheThread);
      expect(json).toMatch(/https:\/\/teams\.microsoft\.com\/l\/message\/19%3Avis-chan-a%40thread\.tacv2\/\d+\?tenantId=/);
      expect(json).not.toContain(qids.network!);
      expect(json).not.toMatch(/"verb":"connect\./);
      // Its own team lists it as its own (no mark), once.
      const inA = await cardOf('digest preview', A);
      expect(inA.split(Q.network)).toHaveLength(2);
      expect(inA).not.toContain('in another team of the network');
    });

    test('when stats and who knows are read in another team or tenant, then team A\'s questions and askers are not counted or named there', async () => {
      for (const w of [B, C]) {
        const stats = await cardOf('stats 30d', w, DAN);
        expect(stats).toMatch(/Questions asked\s*1\b/);
        const { texts, cards } = await say('who knows #champions', w, ALICE);
        expect([...texts, ...cards.map(cardText)].join(' ')).not.toContain(BOB.name);
      }
      // Team A counts its own (3 here, more when the earlier tests of this file asked some too).
      expect(Number(/Questions asked\s*(\d+)/.exec(await cardOf('stats 30d', A))?.[1])).toBeGreaterThanOrEqual(3);
    });

    test('when the asker narrows a network question to the team, then another team no longer lists it; a retry changes nothing; an organizer widens it again', async () => {
      const narrowed = await setVisibility(qids.network!, 'team', BOB);
      expect(narrowed.status).toBe(200);
      expectValidCard(narrowed.body.value);
      expect(cardText(narrowed.body.value)).toContain(cs.visibilitySet(cs.visibilityNames.team));
      expect(await cardOf('digest preview', B, DAN)).not.toContain(Q.network);
      expect(await cardOf('digest preview', A)).toContain(Q.network);
      const again = await setVisibility(qids.network!, 'team', BOB);
      expect(cardText(again.body.value)).toContain(cs.visibilityUnchanged(cs.visibilityNames.team));
      const widened = await setVisibility(qids.network!, 'network', ALICE);
      expect(cardText(widened.body.value)).toContain(cs.visibilitySet(cs.visibilityNames.network));
      expect(await cardOf('digest preview', B, DAN)).toContain(Q.network);
    });

    test('when a network question gets its first answer, then other teams no longer list it', async () => {
      const id = await ask('Quokkaqsoon how do you measure adoption? visibility: network', A);
      expect(await cardOf('digest preview', B, DAN)).toContain('Quokkaqsoon');
      await answer(id, A, DAN, 'Monthly active users per site.');
      expect(await cardOf('digest preview', B, DAN)).not.toContain('Quokkaqsoon');
    });

    test('when a question is asked for the network while its asker narrows it before its row is written, then the late row is taken back', async () => {
      // The index's client (the store hands out one per table): hold the next write until the narrowing is done.
      const client = bot.app.store.table('questionnetwork');
      const upsert = client.upsertEntity.bind(client);
      let release: (() => void) | undefined;
      let heldId: string | undefined;
      const holding = new Promise<void>((resolve) => {
        client.upsertEntity = (async (entity: Parameters<typeof upsert>[0], mode?: Parameters<typeof upsert>[1]) => {
          if (!release) {
            heldId = String((entity as { questionId?: unknown }).questionId);
            await new Promise<void>((r) => {
              release = r;
              resolve();
            });
          }
          return upsert(entity, mode);
        }) as typeof client.upsertEntity;
      });
      try {
        const asking = bot.send(bot.teams.channelMessage('ask Quokkaqlate how do you onboard partners? visibility: network', { from: BOB, ...A }));
        await holding;
        const narrowed = await setVisibility(heldId!, 'team', BOB);
        expect(cardText(narrowed.body.value)).toContain(cs.visibilitySet(cs.visibilityNames.team));
        release!();
        expect((await asking).status).toBe(200);
      } finally {
        client.upsertEntity = upsert;
      }
      expect(await cardOf('digest preview', B, DAN)).not.toContain('Quokkaqlate');
      expect(await cardOf('digest preview', A)).toContain('Quokkaqlate');
    });

    test('when the Ask the network dialog asks for the network, then another team lists it; a forged visibility is refused with nothing asked', async () => {
      const message = { id: '1700000000211', html: '<p>Quokkaqdialog how do you run office hours?</p>', from: DAN };
      bot.connector.reset();
      const res = await bot.send(bot.teams.messageActionSubmit('askNetwork', { question: 'Quokkaqdialog how do you run office hours?', visibility: 'network' }, message, { from: DAN, ...A }));
      expect(res.status).toBe(200);
      // The card is posted in the message's thread.
      const posted = bot.connector.cards().filter((c) => cardText(c.card).includes('Quokkaqdialog'));
      expect(posted).toHaveLength(1);
      expect(cardText(posted[0]!.card)).toContain(cs.visibilityNames.network);
      expect(await cardOf('digest preview', B, DAN)).toContain('Quokkaqdialog');
      const forged = await bot.send(bot.teams.messageActionSubmit('askNetwork', { question: 'Quokkaqforged x', visibility: 'outside' }, { ...message, id: '1700000000212' }, { from: DAN, ...A }));
      expect(forged.status).toBe(400);
      expect(await cardOf('digest preview', A)).not.toContain('Quokkaqforged');
    });

    describe('bad input', () => {
      test('when a question is asked for outside use, or with an unknown visibility, then the person is told why and nothing is asked', async () => {
        const outside = await say('ask Quokkaqout how do you sell this? visibility: outside', A);
        expect(outside.texts).toEqual([cs.visibilityOutside]);
        expect(outside.cards).toHaveLength(0);
        const unknown = await say('ask Quokkaqodd how do you sell this? visibility: everyone', A);
        expect(unknown.texts).toEqual([cs.visibilityUnknown('everyone')]);
        expect(unknown.cards).toHaveLength(0);
        const digest = await cardOf('digest preview', A);
        expect(digest).not.toContain('Quokkaqout');
        expect(digest).not.toContain('Quokkaqodd');
      });

      test('when someone else than the asker or an organizer shares a question, or the data is forged, then it is refused and nothing changes', async () => {
        const res = await setVisibility(qids.team!, 'network', DAN);
        expect(res.status).toBe(200);
        expect(JSON.stringify(res.body)).toContain(cs.notAllowedVisibility);
        expect(await cardOf('digest preview', B, DAN)).not.toContain(Q.team);
        for (const data of [{ questionId: qids.team, visibility: 'outside' }, { questionId: 'not-a-question', visibility: 'team' }, { questionId: qids.team }]) {
          expect((await press('connect.visibility', data, A, ALICE)).status).toBe(400);
        }
        // A question of another conversation cannot be shared from here.
        const elsewhere = await press('connect.visibility', { questionId: qids.team, visibility: 'network' }, B, ALICE);
        expect(JSON.stringify(elsewhere.body)).toContain(cs.questionNotFound);
        expect(await cardOf('digest preview', B, DAN)).not.toContain(Q.team);
      });
    });
  });

  describe('calls, their topics and notes', () => {
    // Other channels of team A (its calls), so the earlier tests' call in A keeps running.
    const A2: Where = { teamId: A.teamId, conversationId: '19:vis-chan-a2@thread.tacv2' };
    const A3: Where = { teamId: A.teamId, conversationId: '19:vis-chan-a3@thread.tacv2' };
    const A4: Where = { teamId: A.teamId, conversationId: '19:vis-chan-a4@thread.tacv2' };
    const agenda = () => agendaInternals(bot.app.host)!.service;
    const share = (callId: string, visibility: string, from: Person, where: Where = A2): ReturnType<typeof press> => press('agenda.recapVisibility', { callId, visibility }, where, from);
    /** A call in `where` with a topic, a decision, an action and a plain note, ended now (confirmed before its start). */
    const endedCall = async (where: Where, title: string, mark: string, offRecord = false): Promise<{ callId: string; recap: Json }> => {
      await say(`call "${title}" 2026-12-10 16:00${offRecord ? ' off the record' : ''}`, where, ALICE);
      const callId = (await agenda().currentCall({ tenantId: TENANT, conversationId: where.conversationId! }))!.callId;
      await say(`topic ${mark}topic churn playbooks for banks`, where, BOB);
      await say(`note decision: ${mark}decision we share churn playbooks`, where, BOB);
      await say(`note action: ${mark}action draft the outline`, where, BOB);
      if (!offRecord) await say(`note ${mark}note Bob told us Contoso's churn numbers`, where, BOB);
      bot.connector.reset();
      const ended = await press('agenda.endConfirm', { callId }, where, ALICE);
      expect(ended.status).toBe(200);
      const recap = bot.connector.cards().map((c) => c.card).find((c) => cardText(c).includes(as.recapKicker));
      expect(recap).toBeDefined();
      expectValidCard(recap);
      // The digest reads calls that ended before its time.
      clock.at = new Date(clock.at.getTime() + 60_000);
      return { callId, recap: recap! };
    };
    let shared = '';

    test('when an organizer shares an ended call\'s recap, then other teams of the tenant see its decisions, actions and topics, never its notes or names; another tenant sees nothing', async () => {
      const { callId, recap } = await endedCall(A2, 'Quokkacall circle', 'Quokkac');
      shared = callId;
      expect(JSON.stringify(recap)).toContain('agenda.recapVisibility');
      expect(await cardOf('digest preview', B, DAN)).not.toContain('Quokkac');
      const res = await share(callId, 'network', ALICE);
      expect(res.status).toBe(200);
      expectValidCard(res.body.value);
      expect(cardText(res.body.value)).toContain(as.recapVisibilitySet(true));
      expect(cardText(res.body.value)).toContain(as.recapSharedLine);
      const inB = await cardOf('digest preview', B, DAN);
      expect(inB).toContain(ds.networkRecapsHeading);
      expect(inB).toContain('Quokkacall circle (another team of the network');
      for (const seen of ['Quokkacdecision', 'Quokkacaction', 'Quokkactopic']) expect(inB).toContain(seen);
      // The section names nobody (B's digest names Bob elsewhere: as the asker of a network question).
      const end = [ds.openQuestionsHeading, ds.figuresHeading].map((h) => inB.indexOf(h)).filter((i) => i > 0);
      const section = inB.slice(inB.indexOf(ds.networkRecapsHeading), Math.min(...end));
      expect(section).toContain('Quokkacdecision');
      for (const unseen of ['Contoso', BOB.name, ALICE.name]) expect(section).not.toContain(unseen);
      expect(inB).not.toContain('Quokkacnote');
      expect(await cardOf('digest preview', C, DAN)).not.toContain('Quokkac');
      // Its own team has it in its own recaps, not as the network's.
      expect(await cardOf('digest preview', A)).not.toContain(ds.networkRecapsHeading);
      // Elsewhere in team B: no library, export or who knows shows it.
      const elsewhere = [await cardOf('stories Quokkacdecision Quokkactopic', B, DAN), await download('calls', B), ...(await say('who knows #champions', B, ALICE)).cards.map(cardText)].join('\n');
      expect(elsewhere.replace(/Stories for "[^"]*"/g, '')).not.toContain('Quokkac');
    });

    test('when someone else than an organizer shares a recap, or presses again, or the data is forged, then nothing changes', async () => {
      const refused = await share(shared, 'team', DAN);
      expect(JSON.stringify(refused.body)).toContain(as.shareOnlyOrganizers.replace(/'/g, "\\u0027").slice(0, 20).replace(/\\\\u0027/g, "'"));
      expect(await cardOf('digest preview', B, DAN)).toContain('Quokkacdecision');
      const again = await share(shared, 'network', ALICE);
      expect(cardText(again.body.value)).toContain(as.recapVisibilityUnchanged(true));
      for (const data of [{ callId: shared, visibility: 'outside' }, { callId: 'no such/call', visibility: 'team' }, { callId: shared }]) {
        expect((await press('agenda.recapVisibility', data, A2, ALICE)).status).toBe(400);
      }
      // From another conversation the call is not found: nothing changes.
      const elsewhere = await share(shared, 'team', ALICE, A3);
      expect(elsewhere.status).toBe(200);
      expect(await cardOf('digest preview', B, DAN)).toContain('Quokkacdecision');
    });

    test('when the organizer takes the recap back to the team, then other teams no longer see it', async () => {
      const res = await share(shared, 'team', ALICE);
      expect(cardText(res.body.value)).toContain(as.recapVisibilitySet(false));
      expect(await cardOf('digest preview', B, DAN)).not.toContain('Quokkac');
    });

    test('when a share\'s pointer is written late, after an organizer took the recap back, then other teams still see nothing of it', async () => {
      const { callId } = await endedCall(A4, 'Quokkalate call', 'Quokkal');
      const client = bot.app.store.table('callnetwork');
      const upsert = client.upsertEntity.bind(client);
      let release: (() => void) | undefined;
      const holding = new Promise<void>((resolve) => {
        client.upsertEntity = (async (entity: Parameters<typeof upsert>[0], mode?: Parameters<typeof upsert>[1]) => {
          if (!release) await new Promise<void>((r) => ((release = r), resolve()));
          return upsert(entity, mode);
        }) as typeof client.upsertEntity;
      });
      try {
        const sharing = share(callId, 'network', ALICE, A4);
        await holding;
        expect((await share(callId, 'team', ALICE, A4)).status).toBe(200);
        release!();
        expect((await sharing).status).toBe(200);
      } finally {
        client.upsertEntity = upsert;
      }
      expect(await cardOf('digest preview', B, DAN)).not.toContain('Quokkal');
    });

    test('when an off-the-record call is ended, then its recap offers no sharing, and a forged share is refused plainly', async () => {
      const { callId, recap } = await endedCall(A3, 'Quokkasecret circle', 'Quokkas', true);
      expect(JSON.stringify(recap)).not.toContain('agenda.recapVisibility');
      const res = await share(callId, 'network', ALICE, A3);
      expect(res.status).toBe(200);
      expect(cardText(res.body.value)).toContain(as.shareOffRecord);
      expect(await cardOf('digest preview', B, DAN)).not.toContain('Quokkas');
    });
  });

  describe('bad input', () => {
    test('when someone else than the teller or an organizer changes who sees a story, then it is refused and nothing changes', async () => {
      const res = await press('story.visibility', { storyId: ids.team, visibility: 'network' }, A, DAN);
      expect(res.status).toBe(200);
      expect(cardText(res.body.value)).toContain(s.notAllowedVisibility);
      expect(await cardOf('stories', B, DAN)).not.toContain(MARK.team);
    });

    test('when a story without consent is marked for outside use, by button or at capture, then it is refused plainly and nothing changes', async () => {
      const res = await press('story.visibility', { storyId: ids.network, visibility: 'outside' }, A, ALICE);
      expect(cardText(res.body.value)).toContain('A story can be approved for use outside only after its teller');
      expect(cardText(res.body.value)).toContain(s.visibilityNames.network);
      const { texts, cards } = await say('story Quokkanope told for the website visibility: outside', A);
      expect(texts).toEqual([s.outsideNeedsConsent]);
      expect(cards).toHaveLength(0);
      expect(await cardOf('stories Quokkanope', A)).toContain(s.libraryNoMatch);
    });

    test('when the visibility word is unknown, or the button data is forged, then the person is told and nothing is saved', async () => {
      const { texts, cards } = await say('story Quokkabad a story visibility: everyone', A);
      expect(texts).toEqual([s.visibilityUnknown('everyone')]);
      expect(cards).toHaveLength(0);
      for (const data of [{ storyId: ids.team, visibility: 'public' }, { storyId: 'not-a-story', visibility: 'team' }, { storyId: ids.team }]) {
        const res = await press('story.visibility', data, A, ALICE);
        expect(res.status).toBe(400);
      }
    });

    test('when an anonymous story has no stand-in, or one too long, then the person is told how to write it and nothing is saved', async () => {
      expect((await say('story anonymous Quokkanostand a story', A)).texts).toEqual([s.standInMissing]);
      expect((await say(`story anonymous as "${'x'.repeat(101)}" Quokkanostand a story`, A)).texts).toEqual([s.standInTooLong(100)]);
      expect(await cardOf('stories Quokkanostand', A)).toContain(s.libraryNoMatch);
    });

    test('when the dialog saves an anonymous network story, then its card hides the teller and another team finds it', async () => {
      const message = { id: '1700000000111', html: '<p>Quokkadialog our retail customer halved churn with champions</p>', from: CAROL };
      bot.connector.reset();
      const res = await bot.send(bot.teams.messageActionSubmit('saveStory', { text: 'Quokkadialog our retail customer halved churn with champions', customer: 'Secretco', tags: 'champions', visibility: 'network', anonymous: 'true', standIn: 'a customer in retail' }, message, { from: ALICE, ...A }));
      expect(res.status).toBe(200);
      const posted = bot.connector.cards({ conversationId: A.conversationId });
      expect(posted).toHaveLength(1);
      const shared = cardText(posted[0]!.card);
      expect(shared).not.toContain(CAROL.name);
      expect(shared).not.toContain('Secretco');
      const inB = await cardOf('stories Quokkadialog', B, DAN);
      expect(inB).toContain('Quokkadialog');
      expect(inB).toContain(s.fromAnotherTeam);
      expect(inB).not.toContain(CAROL.name);
      const empty = await bot.send(bot.teams.messageActionSubmit('saveStory', { text: 'Quokkadialog2 x', anonymous: 'true', standIn: '  ' }, { ...message, id: '1700000000112' }, { from: ALICE, ...A }));
      expect((empty.body as { task: { value: string } }).task.value).toBe(s.standInMissing);
      const forged = await bot.send(bot.teams.messageActionSubmit('saveStory', { text: 'Quokkadialog3 x', visibility: 'everyone' }, { ...message, id: '1700000000113' }, { from: ALICE, ...A }));
      expect(forged.status).toBe(400);
      expect(await cardOf('stories Quokkadialog2 Quokkadialog3', A)).toContain(s.libraryNoMatch);
    });
  });
});
