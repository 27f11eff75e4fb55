import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS_FILE, readLabelled } from '../src/themes/corpus';
import { buildModel, sourceHash } from '../src/themes/train';

/**
 * `npm run train:themes`: builds src/themes/model.json from data/themes/corpus.jsonl.
 * Deterministic: the same corpus and code give the same file (a test checks the committed one).
 */
const started = Date.now();
const corpus = readLabelled(CORPUS_FILE);
const model = buildModel(corpus, sourceHash());
const out = path.join(__dirname, '..', 'src', 'themes', 'model.json');
writeFileSync(out, `${serialiseModel(model)}\n`);
process.stdout.write(`themes model: ${corpus.length} stories, ${model.features.length} features, thresholds ${model.themes.map((t) => `${t.id} ${t.threshold}`).join(', ')}, gate ${model.gate.threshold}\nwritten to ${path.relative(process.cwd(), out)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

function serialiseModel(m: typeof model): string {
  return JSON.stringify(m);
}
