import { readFileSync } from 'node:fs';
import path from 'node:path';
import table from './wordVectors.json';
import { loadVectors, tableHash, type WordVectors } from './vectors';

/**
 * What a story's words mean together: the weighted mean of its content words' vectors
 * (vectors.ts), unit length, times MEANING.scale. It enters the model next to the sparse features
 * (train.ts rowOf, shipped.ts rowFor) as `dims` more columns, so a story in words the corpus never
 * used still lands near the stories that meant the same ("we booked the big room and ordered
 * pizza" near the meetups). Computed from the story's `w:` features, so a stored correction (which
 * keeps features, not text) gives the same row again.
 *
 * A word ranked r in the table (0 = most frequent) weighs r / (r + MEANING.rankHalf): "people"
 * little, "webinar" nearly 1. Words the table does not know count for nothing.
 * Chosen on the corpus (nested CV and leave one batch out, data/themes/README.md).
 */
export const MEANING = { scale: 1, rankHalf: 1_000 } as const;

export const VECTORS_FILE = path.join(__dirname, 'wordVectors.json');

let cached: WordVectors | undefined;
/** The committed table, loaded once (~2.9 MB of JSON; the bench's model load includes it). */
export function wordVectors(): WordVectors {
  cached ??= loadVectors(table);
  return cached;
}

/** sha256 of src/themes/wordVectors.json as committed: the model records the table it was trained with. */
export function vectorsHash(file: string = VECTORS_FILE): string {
  return tableHash(readFileSync(file, 'utf8'));
}

/** The story's meaning from its features (the `w:` words), or undefined when the table knows none of them. */
export function meaningOf(features: readonly string[], v: WordVectors = wordVectors(), scale: number = MEANING.scale, rankHalf: number = MEANING.rankHalf): Float64Array | undefined {
  const D = v.dims;
  const sum = new Float64Array(D);
  let known = 0;
  for (const f of features) {
    if (!f.startsWith('w:')) continue;
    const r = v.index.get(f.slice(2));
    if (r === undefined) continue;
    const weight = r / (r + rankHalf);
    if (weight === 0) continue;
    known++;
    for (let d = 0, at = r * D; d < D; d++, at++) sum[d]! += v.unit[at]! * weight;
  }
  if (known === 0) return undefined;
  let n = 0;
  for (let d = 0; d < D; d++) n += sum[d]! * sum[d]!;
  if (n === 0) return undefined;
  const k = scale / Math.sqrt(n);
  for (let d = 0; d < D; d++) sum[d]! *= k;
  return sum;
}
