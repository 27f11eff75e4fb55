import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

/**
 * The one wink-nlp instance of the process (its English model ships inside the npm package;
 * loading it takes ~0.5 s, so it happens once, when this module is first imported). The stories'
 * phrase matching and the themes tagger read text through it the same way.
 */
// Only what the words need: negation, parts of speech (lemmas). Without sentiment, named entities
// and custom entities a 2,000-character story reads ~2x faster; without sentence breaks ('sbd')
// ~20% faster again, and every story of the corpus gets the same lemmas and negation flags
// (measured 2026-12-01: 0 of 797 differ; negation's scope ends at punctuation either way).
const nlp = winkNLP(model, ['negation', 'pos']);
const its = nlp.its;

export interface Word {
  /** Lower-case lemma ("tickets" -> "ticket"); "%" becomes "percent". */
  lemma: string;
  /** wink's token type: word, number, currency, emoji, ... */
  kind: string;
  /** A function word (the, of, with): left out of the tagger's features. */
  stop: boolean;
  /** Inside the scope of a negation ("nobody *used* it", "not *a* *success*"). */
  negated: boolean;
  /** Punctuation came right before it: bigrams do not cross it. */
  afterBreak: boolean;
}

/**
 * The last few texts read, with their words: a capture reads its story twice (the tagger's
 * features, the library's search terms) within the same turn, and reading is the turn's
 * costliest CPU work. Callers only read the arrays (they are frozen).
 */
const RECENT = 16;
const recent = new Map<string, readonly Word[]>();

/** The words of `text`, punctuation dropped ("knowledge-management" -> knowledge, management). */
export function wordsOf(text: string): readonly Word[] {
  const known = recent.get(text);
  if (known) return known;
  const words = Object.freeze(readWords(text));
  if (recent.size >= RECENT) recent.delete(recent.keys().next().value as string);
  recent.set(text, words);
  return words;
}

function readWords(text: string): Word[] {
  // Lower case first: the model keeps capitalised words as written ("Tickets" would stay "tickets").
  const tokens = nlp.readDoc(text.toLowerCase().replace(/[-‐–—/]/g, ' ')).tokens();
  const types = tokens.out(its.type) as string[];
  // The typings want a different signature for these; they are wink's own helpers.
  const lemmas = tokens.out(its.lemma as unknown as typeof its.value) as string[];
  const stops = tokens.out(its.stopWordFlag as unknown as typeof its.value) as unknown as boolean[];
  const negations = tokens.out(its.negationFlag as unknown as typeof its.value) as unknown as boolean[];
  const out: Word[] = [];
  let pendingBreak = false;
  for (let i = 0; i < lemmas.length; i++) {
    const type = types[i] ?? '';
    // "22%" says a figure was measured: keep it as the word.
    if (type === 'symbol' && lemmas[i] === '%') {
      out.push({ lemma: 'percent', kind: 'word', stop: false, negated: Boolean(negations[i]), afterBreak: pendingBreak });
      pendingBreak = false;
      continue;
    }
    if (type === 'punctuation' || type === 'symbol' || type === 'tabCRLF') {
      pendingBreak = true;
      continue;
    }
    const lemma = (lemmas[i] ?? '').toLowerCase();
    if (!lemma) continue;
    out.push({ lemma, kind: type, stop: Boolean(stops[i]), negated: Boolean(negations[i]), afterBreak: pendingBreak });
    pendingBreak = false;
  }
  return out;
}

/** Lower-case lemmas of the words of `text` (see wordsOf). */
export function lemmasOf(text: string): string[] {
  return wordsOf(text).map((w) => w.lemma);
}
