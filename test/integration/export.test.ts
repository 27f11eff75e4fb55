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
  const say = async (text: string, where: Where, from = BOB): Promise<string> => {
    bot.connector.reset();
    const res = await bot.send(bot.teams.channelMessage(text, { from, ...where }));
    expect(res.status).toBe(200);
    return bot.connector.texts(where.conversationId).at(-1) ?? '';
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
    const answer = await say('export stories', here, ALICE);
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

  test('when a link is altered, made up, or used after 15 minutes, then the answer is 403 or 410 and no data', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    await say('customer add Contoso contoso.com', here);
    const url = linkIn(await say('export customers', here, ALICE));
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
    const customers = await get(linkIn(await say('export customers', here, ALICE)));
    expect(customers.status).toBe(200);
    expect(customers.body).toContain('Contoso,contoso.com,');
    const calls = await get(linkIn(await say('export calls', here, ALICE)));
    expect(calls.status).toBe(200);
    expect(calls.body).toMatch(/KM hour,2026-12-10T15:00:00.000Z,60,once,open,Alice Organizer,0,0,0,0/);
  });

  test('when two downloads of one link race, then exactly one gets the file', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    const url = linkIn(await say('export calls', here, ALICE));
    const results = await Promise.all([get(url), get(url), get(url)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
  });

  test('when someone who is not an organizer exports, or names something unknown, then they are told plainly and get no link', async () => {
    const here = newTeam();
    await say('call "KM hour" 2026-12-10 16:00', here, ALICE);
    expect(await say('export stories', here, BOB)).toBe('Only the organizers of this team or chat can export its data.');
    expect(await say('export passwords', here, ALICE)).toMatch(/I cannot export "passwords". Try one of: stories, quotes, questions, calls, customers/);
    expect(await say('export questions', here, ALICE)).toMatch(/no questions to export/);
  });
});
