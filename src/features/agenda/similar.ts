import { lemmasOf } from '../stories/themes';

/**
 * Two topics that mean the same, written differently: "How do our champions keep their
 * momentum?" and "How do champions keep momentum?". Both are reduced to their content lemmas
 * (wink-nlp, as the story themes are: "champions" -> champion, "kept" -> keep), without
 * function words, as a set (word order does not matter). They match when the sets are equal,
 * or when they share nearly all their words (Jaccard >= 0.8, at least 3 shared words).
 */
const FUNCTION_WORDS = new Set(
  'a an the and or but of to in on at for with by from as about into over our their your my his her its we you they i he she it us them me this that these those is are was were be been being do does did have has had can could should would will shall may might must how what why when where which who whom whose there here some any all each every more most so than then too very just also not no'.split(' '),
);

export function contentLemmas(text: string): Set<string> {
  return new Set(lemmasOf(text).filter((w) => !FUNCTION_WORDS.has(w)));
}

export function sameMeaning(a: string, b: string): boolean {
  const x = contentLemmas(a);
  const y = contentLemmas(b);
  if (x.size === 0 || y.size === 0) return false;
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  if (shared === x.size && shared === y.size) return true;
  return shared >= 3 && shared / (x.size + y.size - shared) >= 0.8;
}
