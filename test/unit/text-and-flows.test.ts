import { sameMeaning } from '../../src/features/agenda/similar';
import { closestWord, editDistance } from '../../src/teams/suggest';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { agendaStrings } from '../../src/features/agenda/strings';

describe('near-duplicate topics are caught by meaning', () => {
  test.each([
    ['How do our champions keep their momentum?', 'How do champions keep momentum?'],
    ['Measuring adoption of Teams', 'How do we measure Teams adoption?'],
    ['Onboarding new champions', 'new champions onboarding'],
  ])('"%s" and "%s" mean the same', (a, b) => expect(sameMeaning(a, b)).toBe(true));

  test.each([
    ['How do champions keep momentum?', 'How do champions find sponsors?'],
    ['Adoption metrics', 'Adoption stories'],
    ['?', 'How do we start?'],
    ['Subject number 1', 'Subject number 2'],
    ['Q1 pilot plan', 'Q2 pilot plan'],
  ])('"%s" and "%s" are different topics', (a, b) => expect(sameMeaning(a, b)).toBe(false));
});

describe('did you mean', () => {
  const commands = ['help', 'call', 'topic', 'agenda', 'note', 'recap', 'story', 'stories', 'themes', 'digest', 'organizers'];
  test('a swapped or missing letter finds the command', () => {
    expect(closestWord('topc', commands)).toBe('topic');
    expect(closestWord('storeis', commands)).toBe('stories');
    expect(closestWord('agneda', commands)).toBe('agenda');
    expect(closestWord('DIGEST', commands)).toBe('digest');
  });
  test('a word far from every command gets no suggestion', () => {
    expect(closestWord('banana', commands)).toBeUndefined();
    expect(closestWord('xy', commands)).toBeUndefined();
  });
  test('edit distance counts a transposition once', () => {
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('copy that survives Teams', () => {
  const all = (o: unknown): string[] => {
    if (typeof o === 'string') return [o];
    if (typeof o === 'function') {
      try {
        const r = (o as (...a: unknown[]) => unknown)('What now?', 'Title?', 'x');
        return typeof r === 'string' ? [r] : [];
      } catch {
        return [];
      }
    }
    if (o && typeof o === 'object') return Object.values(o).flatMap(all);
    return [];
  };
  // Every feature's strings.ts (one place per feature), found on disk so a new feature is covered.
  const stringFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? stringFiles(p) : name === 'strings.ts' ? [p] : [];
    });
  const files = stringFiles(path.resolve(__dirname, '..', '..', 'src'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const copy = files.flatMap((f) => Object.values(require(f) as Record<string, unknown>)).flatMap(all);

  test('every strings file is read', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(copy.length).toBeGreaterThan(500);
  });

  test('no placeholder in angle brackets (Teams strips <text>) and no fullwidth brackets (boxes)', () => {
    for (const line of copy) {
      expect(line).not.toMatch(/<[a-z][^>]*>/i);
      expect(line).not.toMatch(/[\uFF1C\uFF1E\uFF08\uFF09\u3010\u3011]/);
    }
  });

  test('a title ending in a question mark is not followed by a full stop', () => {
    expect(agendaStrings.topicAdded(3, 'How do champions keep momentum?', 'KM Hour')).toBe('Added topic 3 to KM Hour: How do champions keep momentum? Vote for it on the agenda (@Coach agenda).');
    expect(agendaStrings.topicAdded(3, 'Adoption metrics', 'KM Hour')).toContain('Adoption metrics. Vote');
    expect(agendaStrings.callCreated('Hour', 'Thu 10 Dec 2026, 16:00 (Europe/Amsterdam)')).toContain('(Europe/Amsterdam). Propose');
  });
});
