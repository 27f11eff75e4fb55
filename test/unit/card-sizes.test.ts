import { cardBytes, CARD_BUDGET_BYTES, TEAMS_MESSAGE_LIMIT_BYTES } from '../../src/cards/size';
import type { AdaptiveCard } from '../../src/cards/types';
import { agendaCard, agendaMovedCard, callFormCard, endEarlyCard, nearDuplicateCard, recapCard } from '../../src/features/agenda/cards';
import { MAX_NOTE } from '../../src/features/agenda/closing';
import { MAX_TITLE, MAX_TOPIC, MAX_TOPICS } from '../../src/features/agenda/service';
import type { AgendaView, CallView, NoteView, RecapView, TopicView } from '../../src/features/agenda/views';
import { MAX_TOP_N } from '../../src/features/agenda/views';
import { digestCard, settingsCard, type DigestContent } from '../../src/features/digest/cards';
import type { DigestStory } from '../../src/features/digest/curate';
import { helpCard, welcomeCard } from '../../src/features/help/cards';
import { deletedCard, libraryCard, saveStoryDialog, storyCard, storyPreviewCard, themesCard } from '../../src/features/stories/cards';
import { PAGE_SIZE } from '../../src/features/stories/library';
import type { Story } from '../../src/features/stories/model';
import { MAX_CUSTOMER_LENGTH, MAX_STORY_LENGTH } from '../../src/features/stories/parse';
import type { Command } from '../../src/teams/door';
import { expectValidCard } from '../support/cards';

/**
 * Every card the bot builds, from worst-case data (every text at its maximum length, every
 * list at its maximum count, hostile unicode that grows most when escaped and encoded), stays
 * under the card budget, which keeps a margin below Teams' ~28 KB message limit; and each is
 * valid Adaptive Card 1.5. A builder that cannot show everything says how much more there is.
 */
// Per UTF-16 unit, the most bytes after escaping and JSON: `\` becomes `\\` then `\\\\` (4
// bytes), `*` becomes `\*` (3 bytes in JSON), CJK is 3 bytes in UTF-8, emoji 4 for 2 units.
const HOSTILE = '\\*_[](){{#<at>`|中文🦄\u202Eé';
const worst = (length: number): string => HOSTILE.repeat(Math.ceil(length / HOSTILE.length)).slice(0, length);
const NAME = worst(256);
const at = new Date('2026-12-10T15:00:00Z');

const call = (over: Partial<CallView> = {}): CallView => ({
  callId: 'abcd1234-1', title: worst(MAX_TITLE), startsAt: at, durationMin: 240, cadence: 'biweekly', timeZone: 'America/Argentina/ComodRivadavia', status: 'open', rev: 999_999, ...over,
});
const topics: TopicView[] = Array.from({ length: MAX_TOPICS }, (_, i) => ({
  number: 10_000 - i, title: worst(MAX_TOPIC), votes: 100_000 - i, proposedByName: NAME, proposedAt: at, carriedOver: true, voters: new Set(['me']),
}));
const agenda = (over: Partial<CallView> = {}): AgendaView => ({ call: call(over), topics });
const final = Array.from({ length: MAX_TOP_N }, (_, i) => ({ number: 10_000 - i, title: worst(MAX_TOPIC), votes: 100_000, proposedByName: NAME, minutes: 240 }));
const note = (kind: NoteView['kind'], topic: number): NoteView => ({ text: worst(MAX_NOTE), kind, topic, authorName: NAME, at });
const recap = (notes: number): RecapView => ({
  call: call({ status: 'ended' }),
  discussed: Array.from({ length: 20 }, (_, i) => ({ number: i + 1, title: worst(MAX_TOPIC), notes: Array.from({ length: notes }, () => note('note', i + 1)) })),
  general: Array.from({ length: notes }, () => note('note', 0)),
  decisions: Array.from({ length: notes }, () => note('decision', 1)),
  actions: Array.from({ length: notes }, () => note('action', 2)),
  notReached: Array.from({ length: 30 }, (_, i) => ({ number: 100 + i, title: worst(MAX_TOPIC) })),
  next: { callId: 'abcd1234-2', startsAt: at },
});
const story: Story = {
  storyId: '8222114439999-0a1b2c3d', tenantId: 't', spaceId: 's', conversationId: 'c',
  text: worst(MAX_STORY_LENGTH), teller: { userId: 'u1', userName: NAME }, capturedBy: { userId: 'u2', userName: NAME }, customer: worst(MAX_CUSTOMER_LENGTH),
  themes: Array.from({ length: 10 }, (_, i) => `theme-${i}-${'x'.repeat(40)}`), tags: Array.from({ length: 20 }, (_, i) => `tag-${i}-${'y'.repeat(40)}`),
  endorsers: Array.from({ length: 5000 }, (_, i) => `u${i}`), createdAt: at, sourceMessageId: 'm', sourceLink: `https://teams.microsoft.com/l/message/${'z'.repeat(1500)}`, terms: '',
};
const digestStory: DigestStory = { storyId: story.storyId, text: worst(MAX_STORY_LENGTH), tellerName: NAME, tellerId: 'u1', customer: worst(MAX_CUSTOMER_LENGTH), themes: story.themes, tags: story.tags, endorsements: 100_000, createdAt: at };
const digest: DigestContent = {
  quiet: false, from: at, to: at, timeZone: 'Pacific/Chatham',
  stories: Array.from({ length: 5 }, () => digestStory), resurfaced: digestStory,
  nextCall: { callId: 'abcd1234-1', title: worst(MAX_TITLE), startsAt: at, topTopics: topics.slice(0, 3) },
  recap: { title: worst(MAX_TITLE), decisions: Array.from({ length: 50 }, () => worst(MAX_NOTE)), actions: Array.from({ length: 50 }, () => worst(MAX_NOTE)) },
  newVoices: Array.from({ length: 200 }, (_, i) => `${NAME}${i}`),
  lastCall: { callId: 'abcd1234-0', title: worst(MAX_TITLE), endedAt: at, turnout: 1e6, firstTimers: Array.from({ length: 200 }, (_, i) => `${NAME}${i}`), openActions: Array.from({ length: 50 }, () => ({ text: worst(MAX_NOTE), ownerName: NAME, due: '2026-12-31' })) },
  openQuestions: Array.from({ length: 20 }, (_, i) => ({ text: worst(MAX_NOTE), askerName: NAME, bucket: `theme-${'x'.repeat(40)}`, askedAt: at, ...(i % 2 ? { fromAnotherTeam: true, link: `https://teams.microsoft.com/l/message/${'z'.repeat(1500)}` } : {}) })),
  networkRecaps: Array.from({ length: 20 }, () => ({ title: worst(MAX_TITLE), endedAt: at, decisions: Array.from({ length: 50 }, () => worst(MAX_NOTE)), actions: Array.from({ length: 50 }, () => worst(MAX_NOTE)), topics: Array.from({ length: 50 }, () => worst(MAX_TOPIC)) })),
  figures: [{ name: 'stories', value: 1e9, change: -1e9 }, { name: 'topics', value: 1e9, change: 1e9 }, { name: 'votes', value: 1e9 }, { name: 'contributors', value: 1e9, change: 0 }],
};
const command = (i: number): Command => ({ name: `command${i}`, usage: `command${i} ${'[argument] '.repeat(8)}`, summary: 'A summary of what this command does, in one plain sentence. '.repeat(2), group: `Group ${i % 4}`, handle: async () => undefined });
const notice = { text: worst(600), tone: 'attention' as const };
const viewer = { userId: 'me', organizer: true };
const audience = { userIds: Array.from({ length: 60 }, (_, i) => `29:${'1'.repeat(60)}-${i}`) };

const cards: [string, () => AdaptiveCard][] = [
  ['agenda, shared, 50 topics', () => agendaCard(agenda(), undefined, undefined, audience)],
  ['agenda, organizer view with notice', () => agendaCard(agenda(), notice, viewer, audience)],
  ['agenda, final', () => agendaCard({ call: call({ status: 'finalised', final }), topics }, notice, viewer, audience)],
  ['agenda, moved pointer', () => agendaMovedCard(call())],
  ['call form with notice and values', () => callFormCard('America/Argentina/ComodRivadavia', notice, { title: worst(MAX_TITLE), date: '2026-12-10', time: '16:00', duration: 240, cadence: 'monthly' })],
  ['call done early: confirm', () => endEarlyCard(call())],
  ['near-duplicate topic offer', () => nearDuplicateCard(call(), { number: 10_000, title: worst(MAX_TOPIC), votes: 100_000 }, worst(MAX_TOPIC))],
  ['recap, 500 notes of each kind', () => recapCard(recap(500), worst(600))],
  ['recap, continued page', () => recapCard(recap(500), undefined, 40)],
  ['story, shared', () => storyCard(story, { refresh: true, userIds: audience.userIds })],
  ['story, personal with notice and delete', () => storyCard(story, { viewer: { userId: 'u1', canDelete: true }, notice, refresh: true, userIds: audience.userIds })],
  ['story preview', () => storyPreviewCard(story, worst(200))],
  ['story deleted', () => deletedCard(NAME)],
  ['save as story dialog', () => saveStoryDialog({ text: worst(100_000), tellerName: NAME, tags: story.tags })],
  ['library page', () => libraryCard({ query: worst(200), page: 9_999, pageCount: 10_000, total: 50_000, stories: Array.from({ length: PAGE_SIZE }, () => story), truncated: true })],
  ['themes', () => themesCard(Array.from({ length: 200 }, (_, i) => ({ id: `theme-${i}-${'x'.repeat(40)}`, name: worst(60), phrases: Array.from({ length: 60 }, () => worst(60)) })))],
  ['digest', () => digestCard(digest, { preview: true, voteAction: (callId) => ({ type: 'Action.Execute', verb: 'agenda.open', data: { verb: 'agenda.open', callId } }) })],
  ['digest, quiet', () => digestCard({ ...digest, quiet: true }, { preview: false })],
  ['digest settings', () => settingsCard({ tenantId: 't'.repeat(200), conversationId: 'c'.repeat(1024) }, { day: 7, hour: 23, minute: 59, timeZone: 'America/Argentina/ComodRivadavia', themes: Array.from({ length: 10 }, () => 'x'.repeat(60)) }, { viewerTimeZone: 'America/Indiana/Petersburg', notice })],
  ['help, 40 commands', () => helpCard(Array.from({ length: 40 }, (_, i) => command(i)), 'channel')],
  ['welcome', () => welcomeCard()],
];

describe('every card fits in a Teams message', () => {
  test.each(cards)('%s: valid Adaptive Card 1.5 within the budget', (_name, build) => {
    const c = build();
    expectValidCard(c);
    const bytes = cardBytes(c);
    expect(bytes).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    expect(CARD_BUDGET_BYTES).toBeLessThan(TEAMS_MESSAGE_LIMIT_BYTES);
  });

  test('when a recap is cut to fit, then it says how many notes are left and offers the next ones', () => {
    const c = JSON.stringify(recapCard(recap(500)));
    expect(c).toMatch(/And \d+ more notes/);
    expect(c).toContain('"verb":"agenda.recapMore"');
    const from = Number(/"verb":"agenda\.recapMore","callId":"abcd1234-1","from":(\d+)/.exec(c)?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(JSON.stringify(recapCard(recap(500), undefined, from))).toContain('Continued');
  });

  test('when the agenda cannot show every topic, then it says how many more there are', () => {
    expect(JSON.stringify(agendaCard(agenda(), undefined, undefined, audience))).toMatch(/And \d+ more topics/);
  });
});
