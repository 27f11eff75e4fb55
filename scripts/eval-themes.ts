import { CORPUS_FILE, HELDOUT_FILE, readFixture, readLabelled } from '../src/themes/corpus';
import { crossValidated, formatScores, scoreModel, scorePhraseLists } from '../src/themes/evaluate';
import { shippedModel } from '../src/themes/shipped';
import { sourceHash } from '../src/themes/train';

/**
 * `npm run eval:themes`: cross-validated scores on the corpus, and the shipped model's scores on
 * the held-out file and the older fixture, with the phrase lists alone for comparison.
 */
const print = (s: string): void => void process.stdout.write(`${s}\n`);
const corpus = readLabelled(CORPUS_FILE);
const heldout = readLabelled(HELDOUT_FILE);
const fixture = readFixture();
const model = shippedModel();
if (model.source !== sourceHash()) print('WARNING: src/themes/model.json was not built from this corpus and code: run npm run train:themes\n');

const started = Date.now();
print(formatScores(`5-fold cross-validation on the corpus (${corpus.length} stories)`, crossValidated(corpus)));
print(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
print(formatScores(`shipped model on the held-out file (${heldout.length} stories, never trained or tuned on)`, scoreModel(model, heldout)));
print('');
print(formatScores(`shipped model on the older fixture (${fixture.length} stories)`, scoreModel(model, fixture)));
print('');
print(`phrase lists alone, for comparison: corpus macro F1 ${scorePhraseLists(corpus).macroF1.toFixed(3)}, held-out ${scorePhraseLists(heldout).macroF1.toFixed(3)}, fixture ${scorePhraseLists(fixture).macroF1.toFixed(3)}`);
