import { compileTaxonomy } from '../../src/features/stories/themes';
import { defaultTaxonomy } from '../../src/features/stories/taxonomy';
import { whyLines } from '../../src/features/stories/why';
import { storyStrings as s } from '../../src/features/stories/strings';
import type { Story } from '../../src/features/stories/model';
import { defaultThemesOf, type ThemeScore } from '../../src/themes';
import { analyse, MAX_TEXT } from '../../src/themes/features';
import { gateOpen, MEANING_FEATURE, rowFor, shippedModel } from '../../src/themes/shipped';
import { rowOf } from '../../src/themes/train';
import { CORPUS_FILE, readLabelled } from '../../src/themes/corpus';
import { valuesOf } from '../../src/themes/features';
import { redefinedIn, scoreText } from '../../src/themes/tagger';
import { EMPTY_LAYER, fitTeamLayer, teamLogit, teamLogitsOf, type Correction } from '../../src/themes/team';
import { GATE_KEEP } from '../../src/themes/decide';

/** The tagger on its own: odd input, explanations, the team layer's arithmetic. */
const compiled = compileTaxonomy(defaultTaxonomy);

describe('themes tagger', () => {
  test.each([
    ['empty', ''],
    ['only spaces', '   \n\t  '],
    ['emoji only', '🎉🎉🔥👍🏽 🙌'],
    ['10,000 characters', 'Our champions ran a webinar for new hires. '.repeat(240)],
    ['not English', 'Unsere Champions haben die Einarbeitung neuer Kollegen halbiert. 新しい社員のオンボーディングが半分になりました。'],
    ['HTML-heavy', `<div><p><b>${'<span style="x">'.repeat(200)}Town hall</span></b></p><script>alert(1)</script>&nbsp;&amp;</div>`],
    ['markup that never closes', '<'.repeat(5000)],
  ])('when the text is %s, then it is tagged without error (perhaps with no theme)', (_name, text) => {
    const themes = defaultThemesOf(text);
    expect(Array.isArray(themes)).toBe(true);
    expect(themes.length).toBeLessThanOrEqual(4);
    for (const id of themes) expect(compiled.map((c) => c.id)).toContain(id);
  });

  test('when a story is HTML, then it gets the themes of its plain text', () => {
    const plain = 'The CEO opened the town hall with questions from the community.';
    expect(defaultThemesOf(`<p><b>The CEO</b> opened the <i>town hall</i> with questions from the <a href="x">community</a>.</p>`)).toEqual(defaultThemesOf(plain));
  });

  test('when a text is longer than the tagger reads, then only its beginning counts', () => {
    const long = `${'word '.repeat(MAX_TEXT / 5)}governance audit policy`;
    expect(analyse(long, compiled).features).not.toContain('w:audit');
  });

  test('when the text holds a pasted link or a word of thousands of letters, then it is no feature', () => {
    const features = analyse(`See ${'a'.repeat(3000)} and https://example.com/${'b'.repeat(200)} for the webinar`, compiled).features;
    expect(features.every((f) => f.length <= 45)).toBe(true);
    expect(features).toContain('w:webinar');
  });

  test('when nothing stands out, then no theme is suggested; when the story is clear, then its themes are', () => {
    expect(defaultThemesOf('ok thanks')).toEqual([]);
    expect(defaultThemesOf('Our CFO opened the quarterly town hall and thanked the moderators of the finance community.')).toEqual(expect.arrayContaining(['executive-sponsorship', 'events']));
  });

  test('when a word is negated, then the negation is a feature of its own', () => {
    expect(analyse('The warehouse teams did not use the app', compiled).features).toEqual(expect.arrayContaining(['w:use', 'n:use', 'n:application']));
  });

  test('when scores are explained, then each suggested theme names words of the story', () => {
    const scores = scoreText(shippedModel(), compiled, EMPTY_LAYER, 'Ticket volume dropped 22% after the support agents moved their answers into a searchable knowledge base.');
    const suggested = scores.filter((x) => x.suggested);
    expect(suggested.length).toBeGreaterThan(0);
    for (const x of suggested) {
      expect(x.why.length).toBeGreaterThan(0);
      expect(x.score).toBeGreaterThan(0);
      expect(x.score).toBeLessThanOrEqual(1);
    }
    expect(suggested.find((x) => x.id === 'knowledge-management')?.why.join(' ')).toMatch(/knowledge|answer|searchable/);
  });

  test('when the gate finds a story about no theme, then no doubtful default theme is suggested, unless the team\'s corrections speak for one; a likely theme stands on its own', () => {
    const model = shippedModel();
    const open = { ...model, gate: { ...model.gate, threshold: 0 } };
    const closed = { ...model, gate: { ...model.gate, threshold: 1 } };
    const suggested = (m: typeof model, text: string, layer = EMPTY_LAYER): string[] => scoreText(m, compiled, layer, text).filter((x) => x.suggested).map((x) => x.id);
    const doubtful = 'Congrats to our football team, league champions again!';
    const champions = scoreText(open, compiled, EMPTY_LAYER, doubtful).find((x) => x.id === 'champions')!;
    expect(champions.suggested).toBe(true);
    expect(champions.score).toBeLessThan(GATE_KEEP);
    expect(suggested(closed, doubtful)).toEqual([]);
    // Scores are still there to see ("Why these themes?" offers likely ones); only the suggestion is withheld.
    expect(scoreText(closed, compiled, EMPTY_LAYER, doubtful).find((x) => x.id === 'champions')!.score).toBe(champions.score);
    const c = (storyId: string, features: string[]): Correction => ({ storyId, features, themes: ['champions'], known: ['champions', 'events'], at: Number(storyId) });
    const layer = fitTeamLayer([c('1', ['w:league', 'w:pub']), c('2', ['w:league', 'w:final']), c('3', ['w:league'])], () => -2);
    expect(suggested(closed, doubtful, layer)).toEqual(['champions']);
    const likely = 'Our champions ran the town hall for the guild on the depot floor, and 300 people joined.';
    expect(suggested(closed, likely)).toEqual(expect.arrayContaining(['champions', 'events']));
  });

  test('when an ordinary message only borrows a theme\'s words, then the shipped gate is closed; when a story is about the network, then it is open', () => {
    const read = (text: string): boolean => gateOpen(shippedModel(), rowFor(shippedModel(), analyse(text, compiled).features));
    expect(read('My sister just finalised the adoption of her little boy, so I am taking Friday off.')).toBe(false);
    expect(read('Anyone up for watching the Champions League final at the pub tonight?')).toBe(false);
    expect(defaultThemesOf('Anyone up for watching the Champions League final at the pub tonight?')).toEqual([]);
    expect(read('Our champions answered 200 questions in the channel this month and the new hires found them first.')).toBe(true);
  });

  test('when a team replaced a default theme\'s words, then it is the team\'s own theme; when it only added words, then it is not', () => {
    const base = defaultTaxonomy.find((t) => t.id === 'business-value')!;
    expect([...redefinedIn([{ ...base, phrases: ['margin'] }])]).toEqual(['business-value']);
    expect([...redefinedIn([{ ...base, phrases: [...base.phrases, 'margin'] }])]).toEqual([]);
  });

  test('when a team corrects stories, then its layer only learns words seen in at least two of them and says nothing about themes it never saw', () => {
    const c = (storyId: string, features: string[], themes: string[]): Correction => ({ storyId, features, themes, known: ['champions', 'events'], at: Number(storyId) });
    const layer = fitTeamLayer([c('1', ['w:guild', 'w:depot'], ['champions']), c('2', ['w:guild', 'w:floor'], ['champions']), c('3', ['w:spark'], ['events'])], () => -2);
    expect(layer.evidence.get('champions')?.get('w:guild')).toBeGreaterThan(0);
    expect(layer.evidence.get('champions')?.has('w:depot')).toBe(false);
    expect(layer.evidence.get('events')?.size ?? 0).toBe(0);
    expect(layer.evidence.has('metrics')).toBe(false);
    expect(fitTeamLayer([], () => 0)).toBe(EMPTY_LAYER);
  });

  // The fast paths of scoring (one lookup per feature) must give the very numbers of the plain
  // definitions, to the last bit, or a story near a threshold could change themes.
  test('when a story is scored on the fast path, then its team logits and model row are exactly those of the plain definitions', () => {
    const texts = readLabelled(CORPUS_FILE).map((s) => s.text);
    const ids = compiled.map((c) => c.id);
    const corrections: Correction[] = texts.slice(0, 120).map((text, i) => ({ storyId: String(i), features: analyse(text, compiled).features, themes: [ids[i % ids.length]!, ids[(i * 5) % ids.length]!], known: ids.slice(0, 10), at: i }));
    const layer = fitTeamLayer(corrections, () => -1);
    const model = shippedModel();
    let compared = 0;
    for (const text of texts.slice(100, 220)) {
      const features = analyse(text, compiled).features;
      const values = valuesOf(features);
      const fast = teamLogitsOf(layer, features, values);
      for (const id of [...ids, 'a-theme-the-team-never-saw']) {
        expect(fast(id)).toBe(teamLogit(layer, id, features, values).logit);
        if (fast(id) !== 0) compared++;
      }
      expect(teamLogitsOf(EMPTY_LAYER, features, values)(ids[0]!)).toBe(teamLogit(EMPTY_LAYER, ids[0]!, features, values).logit);
      const known = features.filter((f) => model.index.has(f));
      const plain = known.map((f, j) => ({ i: model.index.get(f)!, v: valuesOf(known)[j]!, f })).sort((a, b) => a.i - b.i);
      // The row the model was trained on (train.ts): the sparse features, then the story's meaning.
      const trained = rowOf(features, model.index);
      const meaning = trained.idx.length - plain.length;
      expect(meaning).toBe(model.meaning.dims);
      expect(trained.idx.slice(0, plain.length)).toEqual(plain.map((o) => o.i));
      expect(rowFor(model, features)).toEqual({ idx: trained.idx, val: trained.val, names: [...plain.map((o) => o.f), ...new Array<string>(meaning).fill(MEANING_FEATURE)] });
    }
    expect(compared).toBeGreaterThan(500);
  });
});

describe('why these themes', () => {
  const story = (themes: string[]): Story => ({
    storyId: '1', tenantId: 't', spaceId: 's', conversationId: 'c', text: 'x', teller: { userId: 'u', userName: 'U' }, capturedBy: { userId: 'u', userName: 'U' },
    themes, tags: [], endorsers: [], createdAt: new Date(0), terms: '',
  });
  const score = (id: string, value: number, suggested: boolean, why: string[] = ['word']): ThemeScore => ({ id, name: id, score: value, suggested, why });

  test('when a theme was set by a person against the tagger, then it says so; a likely theme not on the story is offered; the person can always change them', () => {
    const lines = whyLines(story(['events', 'governance']), [score('events', 0.81, true, ['town hall', 'ceo']), score('metrics', 0.7, true, ['dashboard']), score('governance', 0.1, false)]);
    expect(lines).toEqual([s.whyLine('events', 81, ['town hall', 'ceo']), s.whyPerson('governance'), s.whyAlso('metrics', 70, ['dashboard']), s.whyOverride]);
  });

  test('when the story has no theme and none is likely, then it says nothing stands out', () => {
    expect(whyLines(story([]), [score('events', 0.1, false)])).toEqual([s.whyNone, s.whyOverride]);
  });
});
