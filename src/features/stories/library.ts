import type { Story } from './model';

/**
 * Ranking the library: BM25 over each story's terms (the lemmas of its text and tags, stored at
 * capture), then endorsements, then recency. Plain functions over stories already read.
 */
export const PAGE_SIZE = 5;

const STOP = new Set(
  'a an and are as at be but by for from have in into is it its of on or our that the their them they this to was we were what when where which who will with you your'.split(' '),
);

export function queryTerms(lemmas: readonly string[]): string[] {
  return [...new Set(lemmas.filter((l) => l.length > 1 && !STOP.has(l)))];
}

export interface Ranked {
  story: Story;
  score: number;
}

/** Stories ranked for the query terms; with terms, only stories that contain one of them. */
export function rank(stories: readonly Story[], terms: readonly string[], k1 = 1.2, b = 0.75): Ranked[] {
  const docs = stories.map((s) => ({ story: s, terms: s.terms ? s.terms.split(' ') : [] }));
  let scored: Ranked[];
  if (terms.length === 0) {
    scored = docs.map((d) => ({ story: d.story, score: 0 }));
  } else {
    const n = docs.length;
    const avg = docs.reduce((a, d) => a + d.terms.length, 0) / Math.max(1, n);
    const df = new Map<string, number>();
    const tfs = docs.map((d) => {
      const tf = new Map<string, number>();
      for (const t of d.terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of terms) if (tf.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
      return tf;
    });
    scored = docs
      .map((d, i) => {
        const tf = tfs[i] ?? new Map<string, number>();
        let score = 0;
        for (const t of terms) {
          const f = tf.get(t) ?? 0;
          if (!f) continue;
          const dfT = df.get(t) ?? 0;
          const idf = Math.log(1 + (n - dfT + 0.5) / (dfT + 0.5));
          score += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * d.terms.length) / Math.max(1, avg)));
        }
        return { story: d.story, score };
      })
      .filter((r) => r.score > 0);
  }
  return scored.sort(
    (a, b2) =>
      b2.score - a.score ||
      b2.story.endorsers.length - a.story.endorsers.length ||
      b2.story.createdAt.getTime() - a.story.createdAt.getTime(),
  );
}

export interface LibraryPage {
  query: string;
  page: number;
  pageCount: number;
  total: number;
  stories: Story[];
  /** True when the search looked at the newest stories only (very large libraries). */
  truncated: boolean;
  /** The reader's space: stories of other spaces (the network's) are marked as such. */
  spaceId?: string;
}

export function pageOf(ranked: readonly Ranked[], query: string, page: number, truncated: boolean): LibraryPage {
  const pageCount = Math.max(1, Math.ceil(ranked.length / PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pageCount - 1);
  return { query, page: p, pageCount, total: ranked.length, stories: ranked.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE).map((r) => r.story), truncated };
}

/**
 * The tags a searched word stands for. A theme is found by its slug or a prefix of it on a word
 * boundary (`onboarding` finds `onboarding-training`), or by its display name or the start of it
 * (`business value` finds "Business value and ROI"); the word itself stays a tag too (free tags).
 */
export function tagAlternatives(word: string, themes: readonly { id: string; name: string }[]): string[] {
  const slug = (t: string): string => t.toLowerCase().replace(/^#/, '').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
  const w = slug(word);
  if (!w) return [];
  const starts = (s: string): boolean => s === w || s.startsWith(`${w}-`);
  return [...new Set([w, ...themes.filter((t) => starts(t.id) || starts(slug(t.name))).map((t) => t.id)])];
}
