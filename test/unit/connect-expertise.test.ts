import { faded, HALF_LIFE_DAYS, rankExperts, scoreNow, WEIGHTS, withContribution, type ExpertiseRow } from '../../src/features/connect/expertise';
import { answerCard, mentionOf, questionCard, reasonOf, whoKnowsCard, bucketsCard, reminderCard } from '../../src/features/connect/cards';
import { median } from '../../src/features/connect/service';
import type { Question } from '../../src/features/connect/model';
import { cardProblems } from '../support/cards';

/** The expertise ranking on built data, and Connect's cards against the Adaptive Cards library. */
const DAY = 86_400_000;
const now = new Date('2026-06-01T00:00:00Z');
const daysAgo = (n: number): Date => new Date(now.getTime() - n * DAY);
const p = (id: string) => ({ userId: id, userName: `Person ${id}` });

function build(contributions: [string, 'story' | 'answer' | 'note' | 'topic', number][]): ExpertiseRow[] {
  const rows = new Map<string, ExpertiseRow>();
  for (const [id, kind, ago] of contributions) rows.set(id, withContribution(rows.get(id), p(id), kind, daysAgo(ago)));
  return [...rows.values()];
}

describe('expertise ranking', () => {
  test('when two people told as many stories, then the one who told them recently ranks first', () => {
    const rows = build([['old', 'story', 400], ['old', 'story', 380], ['new', 'story', 10], ['new', 'story', 5]]);
    expect(rankExperts([{ theme: 'champions', rows }], now, new Set(), 5).map((e) => e.person.userId)).toEqual(['new', 'old']);
  });

  test('when someone did much long ago and someone else a little lately, then recent work counts more (half-life)', () => {
    const rows = build([['veteran', 'story', 730], ['veteran', 'story', 730], ['veteran', 'story', 730], ['recent', 'note', 3]]);
    const ranked = rankExperts([{ theme: 't', rows }], now, new Set(), 5);
    expect(ranked.map((e) => e.person.userId)).toEqual(['recent', 'veteran']);
    expect(ranked[1]!.score).toBeCloseTo(3 * WEIGHTS.story * Math.pow(2, -730 / HALF_LIFE_DAYS), 6);
  });

  test('when contributions arrive out of order, then the score is the same as in order', () => {
    const inOrder = build([['a', 'story', 100], ['a', 'answer', 50], ['a', 'topic', 1]])[0]!;
    const shuffled = build([['a', 'topic', 1], ['a', 'story', 100], ['a', 'answer', 50]])[0]!;
    expect(scoreNow(shuffled, now)).toBeCloseTo(scoreNow(inOrder, now), 9);
    expect(shuffled).toMatchObject({ storyCount: 1, answerCount: 1, topicCount: 1, topicAt: daysAgo(1).getTime() });
  });

  test('when a person is excluded (opted out, the asker, declined), then they never appear, whatever their score', () => {
    const rows = build([['top', 'answer', 1], ['top', 'answer', 2], ['second', 'story', 3], ['third', 'note', 4]]);
    const ranked = rankExperts([{ theme: 't', rows }], now, new Set(['top']), 5);
    expect(ranked.map((e) => e.person.userId)).toEqual(['second', 'third']);
  });

  test('when several themes match, then scores add up across them and the limit holds', () => {
    const a = build([['x', 'story', 5], ['y', 'story', 5]]);
    const b = build([['y', 'note', 5], ['z', 'note', 1]]);
    const ranked = rankExperts([{ theme: 'a', rows: a }, { theme: 'b', rows: b }], now, new Set(), 2);
    expect(ranked.map((e) => e.person.userId)).toEqual(['y', 'x']);
    expect(ranked[0]!.evidence.map((e) => e.theme)).toEqual(['a', 'b']);
  });

  test('when the score fades by one half-life, then it halves', () => {
    expect(faded(8, 0, HALF_LIFE_DAYS * DAY)).toBeCloseTo(4, 9);
  });

  test('the reason counts each kind and says how recent the latest was', () => {
    const rows = build([['a', 'story', 30], ['a', 'story', 14], ['a', 'story', 20], ['a', 'answer', 40], ['a', 'answer', 60]]);
    const [e] = rankExperts([{ theme: 'champions', rows }], now, new Set(), 1);
    expect(reasonOf(e!, now)).toBe('3 stories, 2 accepted answers on #champions, latest 2 weeks ago');
  });

  test('median of the times to first answer', () => {
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('connect cards', () => {
  const hostile = '<at>Everyone</at> [click](https://evil.example) **bold** {{DATE(2020-01-01T00:00:00Z)}}\n# heading';
  const question: Question = {
    tenantId: 't', spaceId: 's', conversationId: 'c', questionId: '8203349999999-0a1b2c3d', text: hostile,
    asker: { userId: 'u1', userName: hostile }, themes: ['champions'], bucket: 'champions',
    suggested: [{ userId: 'u2', userName: 'Dana <b>' }, { userId: 'u3', userName: 'Eli' }], declined: [],
    related: [{ storyId: 's1', text: hostile, tellerName: hostile }], answerIds: [], createdAt: now, version: 3, thread: '{}',
  };

  test('when the question, names and stories hold markup, then the card is valid, shows no link or injected mention, and mentions exactly the suggested people', () => {
    const c = questionCard(question);
    expect(cardProblems(c)).toEqual([]);
    const json = JSON.stringify(c);
    expect(json).not.toContain('](https://evil.example)');
    expect(json).not.toContain('<at>Everyone</at>');
    expect(json).not.toContain('{{DATE');
    const entities = (c.msteams?.entities ?? []) as { text: string; mentioned: { id: string } }[];
    expect(entities.map((e) => e.mentioned.id)).toEqual(['u2', 'u3']);
    for (const e of entities) expect(json).toContain(JSON.stringify(e.text).slice(1, -1));
    expect(mentionOf({ userId: 'u2', userName: 'Dana <b>' }).text).toBe('<at>Dana \u2039b></at>');
  });

  test('the other cards are valid Adaptive Cards 1.5', () => {
    const answer = { answerId: 'abcdefabcdef', questionId: question.questionId, text: hostile, author: { userId: 'u2', userName: hostile }, at: now };
    expect(cardProblems(answerCard(question, answer))).toEqual([]);
    expect(cardProblems(answerCard({ ...question, accepted: { answerId: answer.answerId, answerer: answer.author, by: question.asker, at: now } }, answer))).toEqual([]);
    const rows = build([['a', 'story', 3]]);
    expect(cardProblems(whoKnowsCard(['champions'], rankExperts([{ theme: 'champions', rows }], now, new Set(), 5), now))).toEqual([]);
    expect(cardProblems(whoKnowsCard(['champions'], [], now))).toEqual([]);
    expect(cardProblems(bucketsCard([{ bucket: 'champions', name: 'Champions', asked: 3, open: 1, medianFirstAnswerMs: 7_200_000, owners: [{ userId: 'u', userName: hostile }], channels: [hostile] }]))).toEqual([]);
    expect(cardProblems(reminderCard(question))).toEqual([]);
    expect(cardProblems(reminderCard({ ...question, proposed: { by: question.asker, at: now, callId: 'c', callTitle: hostile, topicNumber: 2 } }, hostile))).toEqual([]);
  });
});

describe('a theme\'s top list, kept as contributions happen', () => {
  test('when contributions arrive one by one, then the top list equals the best of the full ranking, at any later time', async () => {
    const { withTopEntry, TOP_SIZE } = await import('../../src/features/connect/expertise');
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const rows = new Map<string, ExpertiseRow>();
    let top: ExpertiseRow[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = `p${Math.floor(rnd() * 120)}`;
      const kinds = ['story', 'answer', 'note', 'topic'] as const;
      const row = withContribution(rows.get(id), p(id), kinds[Math.floor(rnd() * 4)]!, daysAgo(Math.floor(rnd() * 900)));
      rows.set(id, row);
      top = withTopEntry(top, row) ?? top;
    }
    expect(top).toHaveLength(TOP_SIZE);
    for (const later of [now, new Date(now.getTime() + 400 * DAY)]) {
      const full = rankExperts([{ theme: 't', rows: [...rows.values()] }], later, new Set(), TOP_SIZE).map((e) => e.person.userId);
      expect(rankExperts([{ theme: 't', rows: top }], later, new Set(), TOP_SIZE).map((e) => e.person.userId)).toEqual(full);
    }
  });
});
