import { batchOf, CORPUS_FILE, HELDOUT_FILE, readFixture, readLabelled } from '../src/themes/corpus';
import { crossValidatedThemes, formatRecallWithoutCues, formatScores, leaveOneBatchOut, leaveOneBatchOutThemes, recallWithoutCues, scoreModel, scorePhraseLists } from '../src/themes/evaluate';
import { shippedModel } from '../src/themes/shipped';
import { scoreSets, sourceHash } from '../src/themes/train';

/**
 * `npm run eval:themes`: cross-validated scores on the corpus, the shift-aware figure (leave one
 * batch of the corpus out), and the shipped model's scores on the held-out file and the older
 * fixture, with the phrase lists alone for comparison. `--corpus-only` leaves the held-out file
 * and the fixture out (for trying changes: the held-out file is never used to choose).
 */
const print = (s: string): void => void process.stdout.write(`${s}\n`);
const corpusOnly = process.argv.includes('--corpus-only');
const corpus = readLabelled(CORPUS_FILE);
const model = shippedModel();
if (model.source !== sourceHash()) print('WARNING: src/themes/model.json was not built from this corpus and code: run npm run train:themes\n');

let started = Date.now();
const cv = crossValidatedThemes(corpus);
print(formatScores(`5-fold nested cross-validation on the corpus (${corpus.length} stories)`, scoreSets(cv, corpus.map((s) => s.themes))));
print(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);

started = Date.now();
const lobo = leaveOneBatchOutThemes(corpus);
const shift = leaveOneBatchOut(corpus, lobo);
print(formatScores(`SHIFT-AWARE: leave one corpus batch out (train on the other batches, tag the batch's ${corpus.length} stories in all; other wording)`, shift.pooled));
shift.batches.forEach((b, k) => {
  const lists = scorePhraseLists(corpus.filter((_, i) => batchOf(i) === k)).macroF1;
  print(`  batch "${b.name}" (${b.stories} stories) as the unseen one: macro F1 ${b.scores.macroF1.toFixed(3)}, micro F1 ${b.scores.microF1.toFixed(3)} (phrase lists alone ${lists.toFixed(3)})`);
});
print(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
print(formatRecallWithoutCues('themes said without their cue words or phrases, found: nested CV', recallWithoutCues(corpus, cv)));
print(formatRecallWithoutCues('themes said without their cue words or phrases, found: leave one batch out', recallWithoutCues(corpus, lobo)));
print('');
if (corpusOnly) {
  print(`phrase lists alone, for comparison: corpus macro F1 ${scorePhraseLists(corpus).macroF1.toFixed(3)}`);
} else {
  const heldout = readLabelled(HELDOUT_FILE);
  const fixture = readFixture();
  print(formatScores(`shipped model on the held-out file (${heldout.length} stories, never trained or tuned on)`, scoreModel(model, heldout)));
  print('');
  print(formatScores(`shipped model on the older fixture (${fixture.length} stories)`, scoreModel(model, fixture)));
  print('');
  print(`phrase lists alone, for comparison: corpus macro F1 ${scorePhraseLists(corpus).macroF1.toFixed(3)}, held-out ${scorePhraseLists(heldout).macroF1.toFixed(3)}, fixture ${scorePhraseLists(fixture).macroF1.toFixed(3)}`);
}
