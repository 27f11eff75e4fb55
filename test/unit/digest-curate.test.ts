import { compareFigures, isQuietWeek, pickResurfaced, pickStories, storyScore, type DigestStory } from '../../src/features/digest/curate';

const NOW = new Date('2026-11-23T09:00:00Z');
const DAY = 24 * 3600_000;
let n = 0;
function story(over: Partial<DigestStory> = {}): DigestStory {
  n++;
  return {
    storyId: `s${String(n).padStart(3, '0')}`,
    text: `story ${n}`,
    tellerName: 'Teller',
    tellerId: 'u1',
    themes: [],
    tags: [],
    endorsements: 0,
    createdAt: new Date(NOW.getTime() - DAY),
    ...over,
  };
}

describe('digest curation rules', () => {
  test('when two stories have equal presses, then the newer one ranks higher (recency decay)', () => {
    const old = story({ endorsements: 3, createdAt: new Date(NOW.getTime() - 6 * DAY) });
    const fresh = story({ endorsements: 3, createdAt: new Date(NOW.getTime() - 1 * DAY) });
    expect(storyScore(fresh, NOW)).toBeGreaterThan(storyScore(old, NOW));
    expect(pickStories([old, fresh], { at: NOW, alreadyFeatured: new Set() }).map((s) => s.storyId)).toEqual([fresh.storyId, old.storyId]);
  });

  test('when an older story has many more presses, then engagement outweighs a little age', () => {
    const popular = story({ endorsements: 12, createdAt: new Date(NOW.getTime() - 4 * DAY) });
    const fresh = story({ endorsements: 0, createdAt: new Date(NOW.getTime() - 0.1 * DAY) });
    expect(pickStories([fresh, popular], { at: NOW, alreadyFeatured: new Set() })[0]?.storyId).toBe(popular.storyId);
  });

  test('when one theme has many top stories, then at most 2 of them make the card, and at most 5 in all', () => {
    const onboarding = Array.from({ length: 6 }, (_, i) => story({ themes: ['onboarding'], endorsements: 20 - i }));
    const others = ['pricing', 'support', 'integration', 'security'].map((t) => story({ themes: [t], endorsements: 1 }));
    const picked = pickStories([...onboarding, ...others], { at: NOW, alreadyFeatured: new Set() });
    expect(picked).toHaveLength(5);
    expect(picked.filter((s) => s.themes.includes('onboarding'))).toHaveLength(2);
    expect(picked.slice(0, 2).map((s) => s.storyId)).toEqual([onboarding[0]?.storyId, onboarding[1]?.storyId]);
  });

  test('when a story has two themes, then it counts towards both caps', () => {
    const both = story({ themes: ['a', 'b'], endorsements: 9 });
    const a = story({ themes: ['a'], endorsements: 8 });
    const a2 = story({ themes: ['a'], endorsements: 7 });
    const b = story({ themes: ['b'], endorsements: 6 });
    const ids = pickStories([both, a, a2, b], { at: NOW, alreadyFeatured: new Set() }).map((s) => s.storyId);
    expect(ids).toEqual([both.storyId, a.storyId, b.storyId]);
  });

  test('when a story was featured in an earlier digest of the channel, then it is never picked again', () => {
    const best = story({ endorsements: 50 });
    const next = story({ endorsements: 1 });
    expect(pickStories([best, next], { at: NOW, alreadyFeatured: new Set([best.storyId]) }).map((s) => s.storyId)).toEqual([next.storyId]);
  });

  test('when the channel filters on themes, then only stories with one of them are picked', () => {
    const match = story({ themes: ['pricing'] });
    const other = story({ themes: ['support'], endorsements: 9 });
    expect(pickStories([match, other], { at: NOW, alreadyFeatured: new Set(), themeFilter: ['Pricing'] }).map((s) => s.storyId)).toEqual([match.storyId]);
  });

  test('when a week is quiet, then the most endorsed older story comes back, but never the same one twice in a row', () => {
    const weekStart = new Date(NOW.getTime() - 7 * DAY);
    const top = story({ endorsements: 30, createdAt: new Date(weekStart.getTime() - 40 * DAY) });
    const second = story({ endorsements: 20, createdAt: new Date(weekStart.getTime() - 10 * DAY) });
    const never = story({ endorsements: 0, createdAt: new Date(weekStart.getTime() - 10 * DAY) });
    expect(pickResurfaced([top, second, never], { weekStart })?.storyId).toBe(top.storyId);
    expect(pickResurfaced([top, second, never], { weekStart, lastResurfacedId: top.storyId })?.storyId).toBe(second.storyId);
    expect(pickResurfaced([never], { weekStart })).toBeUndefined();
  });

  test('quiet means no story, topic, vote or recap; figures carry the change from the week before when known', () => {
    expect(isQuietWeek({ stories: 0, topics: 0, votes: 0, recaps: 0 })).toBe(true);
    expect(isQuietWeek({ stories: 0, topics: 0, votes: 1, recaps: 0 })).toBe(false);
    expect(compareFigures({ stories: 3, topics: 2, votes: 10, contributors: 4 }, { stories: 1, topics: 2, votes: 12 })).toEqual([
      { name: 'stories', value: 3, change: 2 },
      { name: 'topics', value: 2, change: 0 },
      { name: 'votes', value: 10, change: -2 },
      { name: 'contributors', value: 4, change: undefined },
    ]);
  });
});

describe('the week in figures', () => {
  test('one of a kind is named in the singular, any other number in the plural', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { figuresText } = require('../../src/features/digest/cards') as typeof import('../../src/features/digest/cards');
    expect(figuresText([{ name: 'stories', value: 1, change: 1 }, { name: 'votes', value: 0 }, { name: 'contributors', value: 1, change: 0 }])).toBe('1 story (+1) · 0 votes · 1 contributor (same as last week)');
    expect(figuresText([{ name: 'stories', value: 2, change: -1 }])).toBe('2 stories (-1)');
  });
});
