import { startTestBot, type TestBot } from '../support/harness';
import { adaptiveCards, Playground, type BotMessage } from '../support/playground';
import { cardText, expectValidCard } from '../support/cards';
import { helpStrings } from '../../src/features/help/strings';

/**
 * The bot against a Teams-like client this project did not write: the Microsoft 365 Agents
 * Playground, driven through its own HTTP API with the mock team of .m365agentsplayground.yml.
 * Its activities carry its own serviceUrl, so the bot's replies go back to the Playground and are
 * read from the websocket its web UI listens on; the project's connector stand-in must stay empty.
 */
jest.setTimeout(60_000);

describe('the bot in the Microsoft 365 Agents Playground', () => {
  let bot: TestBot;
  let playground: Playground;

  beforeAll(async () => {
    bot = await startTestBot();
    playground = await Playground.start({ botEndpoint: `${bot.app.url}/api/messages` });
  });

  afterAll(async () => {
    await playground?.stop();
    await bot?.close();
  });

  const cardWith = (text: string) => (messages: BotMessage[]) =>
    messages.flatMap(adaptiveCards).find((card) => cardText(card).includes(text));

  test('when the Playground loads the mock team, then the bot is "Coach" and the team has the General and Monthly calls channels', () => {
    expect(playground.bot.name).toBe('Coach');
    expect(playground.team.channels.map((c) => c.name)).toEqual(['General', 'Monthly calls']);
    expect(playground.config.users).toHaveLength(5);
  });

  test('when someone posts "@Coach help" in a channel, then the help card comes back in that thread, through the Playground', async () => {
    const post = await playground.say(playground.generalChannelId, 'help', { mentionBot: true });
    expect(post.conversationId).toContain(';messageid=');

    const card = await playground.waitFor(cardWith(helpStrings.title), { conversationId: post.conversationId });
    expectValidCard(card);
    expect(cardText(card)).toContain(helpStrings.mentionHint);
    expect(cardText(card)).toContain('help');
    expect(bot.connector.activities).toHaveLength(0);
  });

  test('when a channel post does not mention Coach, then the Playground does not deliver it and nothing comes back', async () => {
    const before = playground.mark();
    const post = await playground.say(playground.generalChannelId, 'help');
    // A mentioned post sent right after is answered; the unmentioned one never was.
    const control = await playground.say(playground.generalChannelId, 'help', { mentionBot: true });
    await playground.waitFor(cardWith(helpStrings.title), { conversationId: control.conversationId, after: before });
    expect(playground.botMessages(post.conversationId)).toHaveLength(0);
    expect(playground.botMessages(undefined, before)).toHaveLength(1);
  });

  test('when "help" is typed in the personal chat without a mention, then the help card for personal chat comes back', async () => {
    const chat = playground.config.personalChat.id;
    const before = playground.mark();
    await playground.say(chat, 'help');
    const card = await playground.waitFor(cardWith(helpStrings.personalHint), { conversationId: chat, after: before });
    expectValidCard(card);
  });

  test('when the command is unknown, then a one-line hint pointing to help comes back in the thread', async () => {
    const post = await playground.say(playground.generalChannelId, 'dance please', { mentionBot: true });
    const text = await playground.waitFor((messages) => messages.find((m) => m.text)?.text, { conversationId: post.conversationId });
    expect(text).toMatch(/dance/);
    expect(text).toMatch(/help/);
    expect(text.split('\n')).toHaveLength(1);
  });

  test('when the app is installed in the team, then the welcome card appears, and its "Show help" button brings the help card', async () => {
    const general = playground.generalChannelId;
    const beforeInstall = playground.mark();
    await playground.trigger('install', general);
    const welcome = await playground.waitFor(
      (messages) => messages.find((m) => adaptiveCards(m).some((c) => cardText(c).includes(helpStrings.welcomeTitle))),
      { conversationId: general, after: beforeInstall },
    );
    const welcomeCard = adaptiveCards(welcome)[0]!;
    expectValidCard(welcomeCard);
    const button = submitDataOf(welcomeCard, helpStrings.helpButton);

    const beforeClick = playground.mark();
    await playground.submit(welcome.conversationId, welcome.messageId, button);
    const help = await playground.waitFor(cardWith(helpStrings.commandsHeading), { conversationId: general, after: beforeClick });
    expectValidCard(help);
    expect(bot.connector.activities).toHaveLength(0);
  });
});

/** The data of the card's Action.Submit titled `title`, as the Playground's UI would submit it. */
function submitDataOf(card: Record<string, unknown>, title: string): Record<string, unknown> {
  const actions = Array.isArray(card.actions) ? (card.actions as Record<string, unknown>[]) : [];
  const action = actions.find((a) => a.type === 'Action.Submit' && a.title === title);
  if (!action) throw new Error(`no Action.Submit titled "${title}" on the card: ${JSON.stringify(card).slice(0, 500)}`);
  return (action.data ?? {}) as Record<string, unknown>;
}
