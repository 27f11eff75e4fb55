import { createHash } from 'node:crypto';
import { normaliseForComparison } from '../../teams/text';

/** What a story's text is keyed and searched by: shared by capture (service.ts) and seeding. */
export const textHashOf = (text: string): string => createHash('sha256').update(normaliseForComparison(text)).digest('hex').slice(0, 32);

/** The search terms stored with a story: lemmas of its text, its tags (and their parts), its customer. */
export function termsOf(lemmas: readonly string[], tags: readonly string[], customer?: string): string {
  const tagTerms = tags.flatMap((t) => [t, ...t.split('-')]);
  const customerTerms = customer ? normaliseForComparison(customer).split(' ') : [];
  // Keep repeats: term frequency matters to BM25.
  return [...lemmas, ...tagTerms, ...customerTerms].filter((l) => l.length > 1 && !/\s/.test(l)).join(' ');
}
