import { themesIn, type CompiledTheme } from '../features/stories/themes';
import { compileTaxonomy, type CompiledTheme as Compiled } from '../features/stories/themes';
import { lexicon } from './lexicon';
import { themeStrings } from './strings';
import { wordsOf, type Word } from './nlp';

/**
 * What the tagger sees in a story: a bag of named features, each worth 1/sqrt(count) so a long
 * story does not outvote a short one.
 *   w:<lemma>       a content word (function words left out)
 *   b:<a>_<b>       two content words in a row, not across punctuation ("account executive",
 *                   "event log", "new hire": the second word changes what the first means)
 *   n:<lemma>       a content word inside a negation ("nobody *opened* it")
 *   p:<theme>       one of the theme's phrases occurs (the phrase lists, as evidence)
 *   l:<theme>       one of the theme's cue words occurs (lexicon.ts, as evidence); l2: two, l3: three
 *   #num #money     a figure, an amount of money
 */
export const MAX_TEXT = 8_000;

export interface Analysis {
  words: readonly Word[];
  lemmas: string[];
  /** Feature names, sorted, no repeats. */
  features: string[];
  /** Themes whose phrases occur. */
  phraseThemes: string[];
  /** Where each lemma occurs (for finding phrases). */
  positions: Map<string, number[]>;
}

const HTML_TAG = /<\/?[a-z][^>]{0,500}>/gi;
const ENTITY = /&(nbsp|amp|lt|gt|quot|#39);/g;

/** Markup, if any, becomes spaces; very long texts are read up to MAX_TEXT characters. */
export function plainText(text: string): string {
  const cut = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
  return cut.includes('<') || cut.includes('&') ? cut.replace(HTML_TAG, ' ').replace(ENTITY, ' ') : cut;
}

const LETTER = /\p{L}/u;
// Compiled on first use, not at start-up: lemmatising the cue words takes ~0.1 s.
let compiledLexicon: Compiled[] | undefined;
export function compiledCues(): readonly Compiled[] {
  compiledLexicon ??= compileTaxonomy(lexicon);
  return compiledLexicon;
}

export function analyse(text: string, taxonomy: readonly CompiledTheme[]): Analysis {
  const words = wordsOf(plainText(text));
  const lemmas = words.map((w) => w.lemma);
  const phraseThemes = themesIn(lemmas, taxonomy);
  const features = new Set<string>();
  let previous: string | undefined;
  for (const w of words) {
    if (w.kind === 'number' || w.kind === 'ordinal') {
      features.add('#num');
      previous = undefined;
      continue;
    }
    if (w.kind === 'currency') {
      features.add('#money');
      previous = undefined;
      continue;
    }
    // A 'word' of over 40 characters is a link or a paste, not a word anyone tags by.
    const content = !w.stop && w.lemma.length > 1 && w.lemma.length <= 40 && LETTER.test(w.lemma);
    if (w.afterBreak) previous = undefined;
    if (!content) continue;
    features.add(`w:${w.lemma}`);
    if (w.negated) features.add(`n:${w.lemma}`);
    if (previous) features.add(`b:${previous}_${w.lemma}`);
    previous = w.lemma;
  }
  for (const id of phraseThemes) features.add(`p:${id}`);
  const positions = positionsOf(lemmas);
  for (const [id, hits] of cueCounts(lemmas, positions, compiledCues())) {
    features.add(`l:${id}`);
    if (hits >= 2) features.add(`l2:${id}`);
    if (hits >= 3) features.add(`l3:${id}`);
  }
  return { words, lemmas, features: [...features].sort(), phraseThemes, positions };
}

function positionsOf(lemmas: readonly string[]): Map<string, number[]> {
  const at = new Map<string, number[]>();
  lemmas.forEach((l, i) => {
    const list = at.get(l);
    if (list) list.push(i);
    else at.set(l, [i]);
  });
  return at;
}

function occurs(seq: readonly string[], lemmas: readonly string[], at: ReadonlyMap<string, number[]>): boolean {
  return (at.get(seq[0]!) ?? []).some((i) => seq.every((l, j) => lemmas[i + j] === l));
}

/** How many different cue phrases of each theme occur in the lemmas. */
function cueCounts(lemmas: readonly string[], at: ReadonlyMap<string, number[]>, themes: readonly Compiled[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const theme of themes) {
    let hits = 0;
    for (const seq of theme.sequences) if (occurs(seq, lemmas, at)) hits++;
    if (hits > 0) out.set(theme.id, hits);
  }
  return out;
}

/**
 * The story's words share 1/sqrt(count) each (a row of unit length); each piece of evidence
 * (phrase lists, cue words) is worth EVIDENCE_VALUE (0.3 did best in cross-validation on the
 * corpus among 0.3, 0.5, 0.6, 1, 2).
 */
export const EVIDENCE_VALUE = 0.3;
export const isEvidence = (f: string): boolean => f.startsWith('p:') || f.startsWith('l:') || f.startsWith('l2:') || f.startsWith('l3:');

export function valuesOf(features: readonly string[]): number[] {
  const evidence = features.map(isEvidence);
  const words = evidence.length - evidence.filter(Boolean).length;
  const each = words > 0 ? 1 / Math.sqrt(words) : 0;
  return evidence.map((e) => (e ? EVIDENCE_VALUE : each));
}

/** The words a feature stands for: "w:ticket" -> "ticket", "b:event_log" -> "event log", "n:use" -> "not use"; evidence has none of its own. */
export function wordsOfFeature(feature: string): string | undefined {
  if (feature.startsWith('w:')) return feature.slice(2);
  if (feature.startsWith('b:')) return feature.slice(2).replace('_', ' ');
  if (feature.startsWith('n:')) return `not ${feature.slice(2)}`;
  if (feature === '#num') return themeStrings.aFigure;
  if (feature === '#money') return themeStrings.money;
  return undefined;
}

/** The phrases of `theme` that occur in the lemmas, as written in lemma form. */
export function matchedPhrases(analysis: Pick<Analysis, 'lemmas' | 'positions'>, theme: Compiled): string[] {
  return theme.sequences.filter((seq) => occurs(seq, analysis.lemmas, analysis.positions)).map((seq) => seq.join(' '));
}

