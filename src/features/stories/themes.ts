import type { Theme } from './taxonomy';
import { lemmasOf } from '../../themes/nlp';

/**
 * Phrase lists: story text and theme phrases are lemmatised the same way (wink-nlp, see
 * src/themes/nlp.ts), then each theme's phrases are looked for as lemma sequences in the story.
 * The learned tagger (src/themes) uses these matches as evidence, and a theme a team adds with
 * `themes add` starts from its phrases.
 */
export { lemmasOf };

export interface CompiledTheme {
  id: string;
  name: string;
  /** Each phrase as its lemma sequence. */
  sequences: string[][];
  /** Sequences whose words do not count for this theme. */
  excluded: string[][];
}

/** Lemma sequences per theme, computed once per taxonomy (cache the result). */
export function compileTaxonomy(themes: readonly Theme[]): CompiledTheme[] {
  return themes.map((t) => ({
    id: t.id,
    name: t.name,
    sequences: dedupe(t.phrases.map((p) => lemmasOf(p)).filter((s) => s.length > 0)),
    excluded: dedupe((t.exclude ?? []).map((p) => lemmasOf(p)).filter((s) => s.length > 0)),
  }));
}

function dedupe(seqs: string[][]): string[][] {
  const seen = new Set<string>();
  return seqs.filter((s) => {
    const k = s.join(' ');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Themes whose phrases occur in the text, in taxonomy order. */
export function suggestThemes(text: string, taxonomy: readonly CompiledTheme[]): string[] {
  return themesIn(lemmasOf(text), taxonomy);
}

/** Themes whose phrases occur in these lemmas (from lemmasOf), in taxonomy order. */
export function themesIn(lemmas: readonly string[], taxonomy: readonly CompiledTheme[]): string[] {
  const starts = new Map<string, number[]>();
  lemmas.forEach((l, i) => starts.set(l, [...(starts.get(l) ?? []), i]));
  const found: string[] = [];
  for (const theme of taxonomy) {
    const masked = new Set<number>();
    for (const seq of theme.excluded) for (const i of matchesOf(seq, lemmas, starts)) for (let j = 0; j < seq.length; j++) masked.add(i + j);
    const hit = theme.sequences.some((seq) => matchesOf(seq, lemmas, starts).some((i) => !seq.some((_, j) => masked.has(i + j))));
    if (hit) found.push(theme.id);
  }
  return found;
}

/** Start positions where the lemma sequence occurs. */
function matchesOf(seq: readonly string[], lemmas: readonly string[], starts: Map<string, number[]>): number[] {
  const first = seq[0];
  if (first === undefined) return [];
  return (starts.get(first) ?? []).filter((i) => seq.every((l, j) => lemmas[i + j] === l));
}
