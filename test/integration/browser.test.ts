import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestBot, type TestBot } from '../support/harness';
import { Playground } from '../support/playground';
import { agendaInternals } from '../../src/features/agenda/routes';

/**
 * THE REAL CLIENT: the Microsoft 365 Agents Playground's own web UI in headless Chromium
 * (Debian's `chromium`, driven by playwright-core; no browser is downloaded). A person's walk:
 * help, a call, topics, votes by clicking, finalise, notes, the recap, a story, Inspiring, search
 * and the digest preview, asserting on what the page shows. Messages to the bot are posted
 * through the Playground's own conversation API (what its message box does on Enter); every
 * button is clicked in the page. Screenshots go to .screenshots/ (ignored).
 *
 * The Playground does not support user-specific views (it logs "User specific view" as an
 * unsupported feature), so what each person sees after someone else's change is covered by the
 * HTTP tests (test/integration/cards-personal.test.ts); here the presser's own view is checked.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '..', '..', '.screenshots');
jest.setTimeout(120_000);

describe('the bot in a real browser, in the Agents Playground', () => {
  let bot: TestBot;
  let playground: Playground;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [bot, browser] = await Promise.all([
      startTestBot(),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] }),
    ]);
    playground = await Playground.start({ botEndpoint: `${bot.app.url}/api/messages` });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(playground.url);
  });

  afterAll(async () => {
    await browser?.close();
    await playground?.stop();
    await bot?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  /** A small picture of one card, for the README's gallery (docs/gallery). */
  const cardShot = (name: string, text: string | RegExp) => newestCard(text).screenshot({ path: path.join(SHOTS, `card-${name}.png`) });
  const visible = async (text: string | RegExp, timeout = 15_000): Promise<void> => {
    try {
      await page.getByText(text).last().waitFor({ state: 'visible', timeout });
    } catch (err) {
      await shot('failure');
      throw err;
    }
  };
  /** The newest card in the conversation showing `text`. */
  const newestCard = (text: string | RegExp) => page.locator('.ac-adaptiveCard').filter({ hasText: text }).last();

  test('a person walks through help, a call, votes, finalise, notes, recap, a story, search and the digest', async () => {
    // Help, typed into the personal chat's message box.
    const open = (name: string) => page.getByRole('treeitem', { name }).evaluate((el) => (el as unknown as { click(): void }).click());
    await open('Personal Chat');
    const box = page.getByRole('textbox').last();
    await box.click();
    await page.keyboard.type('help');
    await page.keyboard.press('Enter');
    await visible('Customer stories');
    await visible('story [your story]');
    await shot('help');
    await cardShot('help', 'Customer stories');

    // A call in the group chat.
    await open('Customer advisory board');
    const chat = playground.config.groupChats[0]!.id;
    const say = (text: string) => playground.say(chat, text, { mentionBot: true });
    const day = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await say(`call "KM Power Hour" ${day} 16:00 monthly`);
    await visible('CALL AGENDA');
    for (const t of ['How do our champions keep their momentum?', 'Measuring adoption across regions', 'Onboarding buddies for new members']) {
      await say(`topic ${t}`);
      await visible(`Added topic`, 10_000);
    }
    // Posting the agenda again leaves one live copy.
    await visible('Added topic 3', 10_000);
    await say('agenda');
    await visible('posted again further down');
    const agenda = () => newestCard('Open for topics and votes');
    await agenda().waitFor();
    await agenda().getByText('Onboarding buddies for new members').waitFor();

    // Vote by clicking: the presser's own view says so.
    await agenda().getByRole('button', { name: 'Vote' }).last().click();
    // The presser's own view (its notice) arrives first; the shared update of the message may
    // replace it at any moment after (the Playground has no per-person views), so what must show
    // at the end is the shared count.
    await visible(/Your vote for topic \d is counted/);
    await newestCard('Open for topics and votes').getByText('1 vote ·').first().waitFor();

    // A refused press (an empty topic) keeps its feedback: nothing changed, so no shared update
    // erases it. (Earlier changes' coalesced updates are let through first: in a client without
    // user-specific views, like this one, a late update of someone's vote would replace any view.)
    await agendaInternals(bot.app.host)!.live.coalescer.settled();
    await agenda().getByRole('button', { name: 'Propose' }).click();
    await visible('Write your topic in the box');
    await page.waitForTimeout(2000);
    await visible('Write your topic in the box', 1000);
    await shot('agenda');
    await cardShot('agenda', 'Open for topics and votes');

    // Finalise (the organizer's view has the control).
    await agenda().getByRole('button', { name: 'Finalise agenda (organizers)' }).click();
    await visible(/The agenda is final/);
    await newestCard('Final agenda').getByText('1.', { exact: false }).first().waitFor();

    // Notes, then ending the call before its start asks to confirm.
    await say('note decision: we pilot onboarding buddies in Q1');
    await visible('Decision added');
    await say('note 1 Champions meet monthly, in person where they can');
    await visible('Note added to topic 1');
    await say('call done');
    await visible('End it now and post its recap?');
    await newestCard('End it now').getByRole('button', { name: 'End the call now' }).click();
    await visible('Recap: KM Power Hour');
    await visible('Ended early by');
    await newestCard('Recap: KM Power Hour').getByText('Decisions').waitFor();
    await shot('recap');
    await cardShot('recap', 'Recap: KM Power Hour');

    // A story, then Inspiring by clicking.
    await say('story Contoso cut onboarding time in half with #champions customer: Contoso');
    const story = () => newestCard('CUSTOMER STORY');
    await story().getByText('Contoso cut onboarding time in half with').waitFor();
    await story().getByRole('button', { name: 'Inspiring' }).click();
    // The Playground has no per-person views: the answer to the press (the person's own view,
    // "You found this inspiring.") and the shared update of the message ("1 person found it
    // inspiring") race, and whichever lands last stays. Either one shows the press was counted;
    // neither shows before it.
    await visible(/^(You found this inspiring\.|1 person found it inspiring)$/);
    await shot('story');
    await cardShot('story', 'CUSTOMER STORY');

    // Search by a theme's slug prefix ('business' for business-value, one of the themes the tagger
    // gives this story with metrics; it no longer gives onboarding-training since the model reads
    // the words' meaning, and the search, not the tagger, is what this step is about).
    await say('stories #business');
    await newestCard('STORY LIBRARY').getByText('Contoso cut onboarding time').waitFor();

    // The digest preview.
    await say('digest preview');
    await visible('Preview: your week in the network');
    await newestCard('WEEKLY DIGEST').getByText('This is a preview').waitFor();
    await shot('digest');
    await cardShot('digest', 'WEEKLY DIGEST');
  });
});
