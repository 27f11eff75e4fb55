import { hashtagsIn, normaliseTag, parseCaptureText, parseTagList } from '../../src/features/stories/parse';
import { pageOf, queryTerms, rank } from '../../src/features/stories/library';
import { libraryCard, saveStoryDialog, storyCard, storyPreviewCard, themesCard, deletedCard } from '../../src/features/stories/cards';
import { defaultTaxonomy } from '../../src/features/stories/taxonomy';
import { compileTaxonomy, lemmasOf, suggestThemes } from '../../src/features/stories/themes';
import { isTeamsLink } from '../../src/features/stories/service';
import type { Story } from '../../src/features/stories/model';
import { cardText, expectValidCard } from '../support/cards';

function story(over: Partial<Story> = {}): Story {
  return {
    storyId: '8222114439999-0a1b2c3d',
    tenantId: 't',
    spaceId: 's',
    conversationId: 'c',
    text: 'Contoso champions halved onboarding time',
    teller: { userId: 'u1', userName: 'Dana' },
    capturedBy: { userId: 'u1', userName: 'Dana' },
    themes: ['champions'],
    tags: ['retail'],
    endorsers: [],
    createdAt: new Date('2026-05-01T00:00:00Z'),
    terms: '',
    ...over,
  };
}

describe('reading a captured story', () => {
  test('when the text has hashtags, customer: and by @Person, then each part is taken out', () => {
    const p = parseCaptureText('Contoso halved onboarding with #Champions, customer: Contoso Ltd. by @Dana Example #retail #ROI', ['Dana Example']);
    expect(p).toEqual({ text: 'Contoso halved onboarding with #Champions,', customer: 'Contoso Ltd', tellerName: 'Dana Example', hashtags: ['champions', 'retail', 'roi'] });
  });

  test('when "by @" names someone who was not mentioned, then it stays text and the sender tells it', () => {
    const p = parseCaptureText('Heard this by @nobody yesterday', ['Dana']);
    expect(p.tellerName).toBeUndefined();
    expect(p.text).toBe('Heard this by @nobody yesterday');
  });

  test('when only tags are given, then the text is empty', () => {
    expect(parseCaptureText('#a #b').text).toBe('');
    expect(parseCaptureText('customer: Contoso').text).toBe('');
  });

  test('tags are normalised to lower-case slugs, de-duplicated and capped at 12', () => {
    expect(normaliseTag('#Knowledge Management!')).toBe('knowledge-management');
    expect(parseTagList('#ROI, roi;  Help_Desk, <b>x</b>')).toEqual(['roi', 'help-desk', 'bxb']);
    expect(parseTagList(Array.from({ length: 20 }, (_, i) => `t${i}`).join(', '))).toHaveLength(12);
  });

  test('when a tag of several words is edited, then it stays one tag; hashtags typed with spaces are still separate', () => {
    expect(parseTagList('Peer Mentoring, #roi')).toEqual(['peer-mentoring', 'roi']);
    expect(parseTagList('#roi #champions')).toEqual(['roi', 'champions']);
  });

  test('when a hashtag ends the sentence itself, then the story text keeps the word (the README example)', () => {
    const p = parseCaptureText('Contoso cut onboarding time in half with #champions customer: Contoso');
    expect(p.text).toBe('Contoso cut onboarding time in half with #champions');
    expect(p.customer).toBe('Contoso');
    expect(p.hashtags).toEqual(['champions']);
    expect(parseCaptureText('We halved onboarding.\n#roi #champions').text).toBe('We halved onboarding.');
    expect(hashtagsIn('a#b &#35; C# #ok #ok')).toEqual(['ok']);
  });
});

describe('automatic themes', () => {
  const taxonomy = compileTaxonomy(defaultTaxonomy);

  test('when a word appears in any inflection, then its lemma matches ("champion", "champions", "championing")', () => {
    for (const text of ['She is our champion', 'The champions met', 'He was championing it']) expect(suggestThemes(text, taxonomy)).toContain('champions');
  });

  test('when a phrase appears with other inflections or hyphens, then it matches as a lemma sequence', () => {
    expect(suggestThemes('Two executive sponsors joined', taxonomy)).toContain('executive-sponsorship');
    expect(suggestThemes('Their knowledge-management programme', taxonomy)).toContain('knowledge-management');
    expect(suggestThemes('We manage knowledge well', taxonomy)).not.toContain('knowledge-management');
  });

  test('when an excluded phrase holds a theme word, then it does not count ("account executive")', () => {
    expect(suggestThemes('Every account executive saved time', taxonomy)).not.toContain('executive-sponsorship');
    expect(suggestThemes('The executive team saved time', taxonomy)).toContain('executive-sponsorship');
  });

  test('lemmas drop punctuation and keep "%" as a word', () => {
    expect(lemmasOf('Tickets dropped 22%!')).toEqual(['ticket', 'drop', '22', 'percent']);
  });
});

describe('library ranking', () => {
  const docs = [
    story({ storyId: '1', text: 'retail onboarding', terms: 'retail onboarding', createdAt: new Date(1) }),
    story({ storyId: '2', text: 'retail store opening', terms: 'retail store open', createdAt: new Date(2), endorsers: ['a', 'b'] }),
    story({ storyId: '3', text: 'nurses', terms: 'nurse', createdAt: new Date(3) }),
    story({ storyId: '4', text: 'retail store opening again', terms: 'retail store open', createdAt: new Date(4) }),
  ];

  test('when words are given, then stories with more of the rarer words come first and non-matching ones are left out', () => {
    expect(rank(docs, queryTerms(lemmasOf('retail onboarding'))).map((r) => r.story.storyId)).toEqual(['1', '2', '4']);
  });

  test('when relevance ties, then endorsements, then recency decide', () => {
    expect(rank(docs, []).map((r) => r.story.storyId)).toEqual(['2', '4', '3', '1']);
  });

  test('pages hold 5 and a page out of range shows the last one', () => {
    const many = rank(Array.from({ length: 12 }, (_, i) => story({ storyId: String(i), createdAt: new Date(i) })), []);
    expect(pageOf(many, '', 0, false)).toMatchObject({ page: 0, pageCount: 3, total: 12 });
    expect(pageOf(many, '', 99, false).stories.map((x) => x.storyId)).toEqual(['1', '0']);
  });
});

describe('story cards (validated with the adaptivecards library)', () => {
  test('a long story is collapsed with "show more" and the whole text stays on the card', () => {
    const long = 'word '.repeat(300).trim();
    const c = storyCard(story({ text: long, customer: 'Contoso', capturedBy: { userId: 'u2', userName: 'Sam' }, endorsers: ['x'] }));
    expectValidCard(c);
    const text = cardText(c);
    expect(text).toContain('Show more');
    expect(text).toContain(long);
    expect(text).toContain('1 person found it inspiring');
    expect(text).toContain('Sam');
  });

  test('every card of the feature is valid', () => {
    const s = story({ sourceMessageId: 'm1', sourceLink: 'https://teams.microsoft.com/l/message/x/1' });
    for (const c of [
      storyCard(s),
      storyPreviewCard(s, 'Already saved'),
      deletedCard('Dana'),
      saveStoryDialog({ text: 'hello', tellerName: 'Dana', tags: ['a', 'b'] }),
      libraryCard(pageOf(rank([s], []), '', 0, true)),
      libraryCard(pageOf([], 'nothing', 0, false)),
      themesCard(defaultTaxonomy),
    ])
      expectValidCard(c);
  });

  test('only Teams message links become a button', () => {
    expect(isTeamsLink('https://teams.microsoft.com/l/message/19%3Aabc/171')).toBe(true);
    expect(isTeamsLink('https://evil.example/l/message/x')).toBe(false);
    expect(isTeamsLink('javascript:alert(1)')).toBe(false);
  });
});
