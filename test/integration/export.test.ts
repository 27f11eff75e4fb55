import { startTestBot, type TestBot } from '../support/harness';
import { ALICE, BOB, type Where } from '../support/activities';
import { agendaInternals } from '../../src/features/agenda/routes';

/** Export links over HTTP with Azurite: organizers only, signed, single use, 15 minutes, CSV safe in Excel. */
const clock = { current: new Date('2026-11-20T09:00:00Z'), now(): Date { return new Date(this.current); } };

describe('export over HTTP', () => {
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
    return { teamId: `19:export-team-${n}@thread.tacv2`, conversationId: `19:export-chan-${n}@thread.tacv2` };
  };
  const say = async (text: string, where: Where, from = BOB, setUp: () => void = () => undefined): Promise<string> => {
    bot.connector.reset();
    setUp();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...where }));
    expect(res.status).toBe(200);
    return bot.connector.texts(where.conversationId).at(-1) ?? '';
  };
  /** Asks for an export in the channel: the channel is told the link went to the personal chat, where it is. */
  const exportLink = async (what: string, where: Where, from = ALICE): Promise<string> => {
    const said = await say(`export ${what}`, where, from);
    expect(said).toMatch(/I sent you the link to the \w+ export in our personal chat: it works once, so it is for you only\./);
    expect(said).not.toMatch(/download/);
    // Nothing in the channel carries the link.
    expect(JSON.stringify(bot.connector.activities.filter((a) => a.conversationId === where.conversationId))).not.toMatch(/\/download\//);
    const personal = bot.connector.texts(`a:personal-${from.aadObjectId}`).at(-1) ?? '';
    return personal;
  };
  const linkIn = (text: string): string => {
    const m = /(http:\/\/\S+\/download\/\S+)/.exec(text);
    if (!m?.[1]) throw new Error(`no download link in: ${text}`);
    return m[1];
  };
  const get = async (url: string): Promise<{ status: number; type: string | null; disposition: string | null; body: string }> => {
    const res = await fetch(url);
    return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), body: await res.text() };
  };

  test('when an organizer exports stories, then the link downloads a CSV once, with formulas defused, and never again', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    await say('story =HYPERLINK("http://evil","click") and other tricks value: 120 hours a month saved customer: @Contoso', here);
    await say('story Fabrikam, "quoted", halved onboarding\nsecond line #roi', here);
    const answer = await exportLink('stories', here);
    expect(answer).toMatch(/Your export of stories \(CSV\) is ready/);
    expect(answer).toMatch(/works once and expires in 15 minutes/);
    const url = linkIn(answer);
    expect(url.startsWith(bot.app.url)).toBe(true);

    const first = await get(url);
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^text\/csv/);
    expect(first.disposition).toMatch(/attachment; filename="stories-2026-11-20.csv"/);
    const lines = first.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('story_id,created_at,teller,customer,themes,tags,found_inspiring,value,value_kind,value_amount,value_unit,value_per,value_basis,text');
    expect(first.body).toContain(`'=HYPERLINK(""http://evil"",""click"") and other tricks value: 120 hours a month saved`);
    expect(first.body).not.toMatch(/(^|,)"?=HYPERLINK/m);
    expect(first.body).toContain(",'@Contoso,");
    expect(first.body).toContain(',120 hours a month saved,hours saved,120,hours,month,estimated,');
    expect(first.body).toContain('"Fabrikam, ""quoted"", halved onboarding\nsecond line"');

    const again = await get(url);
    expect(again.status).toBe(410);
    expect(again.body).not.toContain('Fabrikam');
  });

  test("when an organizer exports questions, then the CSV lists the team's questions with their answers and status, formulas defused, and no other team's", async () => {
    const here = newTeam();
    const elsewhere = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    await say('ask =SUM(1,2) How do you keep champions engaged after the launch?', here, BOB);
    clock.current = new Date(clock.current.getTime() + 60_000);
    await say('ask Who has a governance checklist for new teams?', here, BOB);
    await say('ask A question of another team entirely, about onboarding?', elsewhere, BOB);
    const url = linkIn(await exportLink('questions', here));
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.disposition).toMatch(/filename="questions-\d{4}-\d{2}-\d{2}.csv"/);
    const lines = res.body.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('question_id,asked_at,asked_by,themes,visibility,answers,first_answer_at,accepted_answer_from,status,text');
    expect(lines).toHaveLength(3);
    // Newest first; each open, unanswered, team-only.
    expect(lines[1]).toMatch(/,Bob [^,]*,[^,]*,team,0,,,open,Who has a governance checklist for new teams\?$/);
    expect(lines[2]).toContain("'=SUM(1");
    expect(res.body).not.toMatch(/(^|,)"?=SUM/m);
    expect(res.body).not.toContain('another team entirely');
  });

  test('when a link is altered, made up, or used after 15 minutes, then the answer is 403 or 410 and no data', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    await say('customer add Contoso contoso.com', here);
    const url = linkIn(await exportLink('customers', here));
    const [base, token] = url.split('/download/') as [string, string];
    const [id, sig] = token.split('.') as [string, string];
    const flipped = `${id}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [flipped, `${'0'.repeat(32)}.${sig}`, 'nonsense', `${id}.${sig}x`, '']) {
      const r = await get(`${base}/download/${bad}`);
      expect([403, 404]).toContain(r.status);
      expect(r.body).not.toContain('Contoso');
    }
    clock.current = new Date(clock.current.getTime() + 15 * 60_000 + 1000);
    const late = await get(url);
    expect(late.status).toBe(410);
    expect(late.body).not.toContain('Contoso');
    clock.current = new Date('2026-11-20T09:00:00Z');

    // A fresh link for customers and one for calls work, once.
    const customers = await get(linkIn(await exportLink('customers', here)));
    expect(customers.status).toBe(200);
    expect(customers.body).toContain('Contoso,contoso.com,');
    const calls = await get(linkIn(await exportLink('calls', here)));
    expect(calls.status).toBe(200);
    expect(calls.body).toMatch(/KM hour,2026-12-10T15:00:00.000Z,60,once,open,Alice Organizer,0,0,0,0/);
  });

  test('when two downloads of one link race, then exactly one gets the file', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    const url = linkIn(await exportLink('calls', here));
    const results = await Promise.all([get(url), get(url), get(url)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
  });

  test('when the personal chat cannot be opened, then no link is made or posted anywhere, and the organizer is told how to fix it', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    const said = await say('export stories', here, ALICE, () => bot.connector.unreachable.add(ALICE.aadObjectId));
    expect(said).toMatch(/I send it only to you, in our personal chat, and I could not open it\. Add me as an app for yourself/);
    expect(said).toMatch(/No link was made/);
    expect(JSON.stringify(bot.connector.activities)).not.toMatch(/\/download\//);
    // Once reachable, the link arrives privately.
    expect((await get(linkIn(await exportLink('stories', here)))).status).toBe(200);
  });

  test('when the link cannot be posted to the personal chat, then the link made is revoked and never downloads', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    const links = bot.app.store.table('downloadlinks');
    const linkIds = async (): Promise<Map<string, { request?: string }>> => {
      const out = new Map<string, { request?: string }>();
      for await (const row of links.listEntities<{ request?: string }>()) if (row.rowKey === 'link') out.set(row.partitionKey ?? '', row);
      return out;
    };
    const before = await linkIds();
    const said = await say('export calls', here, ALICE, () =>
      bot.connector.respondWith((req) => (req.method === 'POST' && req.conversationId === `a:personal-${ALICE.aadObjectId}` ? { status: 403, body: { error: { code: 'ConversationBlockedByUser', message: 'blocked' } } } : undefined)),
    );
    expect(said).toMatch(/Teams did not let me post there\. .* The link I made was cancelled: it will not open\./);
    expect(JSON.stringify(bot.connector.activities)).not.toMatch(/\/download\//);
    // The token was made before the post failed: it is in no message, names nothing, and is used up.
    const made = [...(await linkIds()).entries()].filter(([id]) => !before.has(id));
    expect(made).toHaveLength(1);
    expect(made[0]![1].request).toBeUndefined();
    expect((await links.getEntity(made[0]![0], 'used')).rowKey).toBe('used');
  });

  test('when someone who is not an organizer exports, or names something unknown, then they are told plainly and get no link', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    expect(await say('export stories', here, BOB)).toBe('Only the organizers of this team or chat can export its data.');
    expect(await say('export passwords', here, ALICE)).toMatch(/I cannot export "passwords". Try one of: stories, quotes, questions, calls, customers/);
  });
});
