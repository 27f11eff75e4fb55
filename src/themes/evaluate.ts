import { defaultTaxonomy } from '../features/stories/taxonomy';
import { compileTaxonomy, suggestThemes } from '../features/stories/themes';
import type { LabelledStory } from './corpus';
import { analyse } from './features';
import { gateOpen, logitsOf, rowFor, sigmoid, type ShippedModel } from './shipped';
import { decide, foldOf, scoreSets, THEME_IDS, trainAndTag, TRAINING, type Scores } from './train';

/**
 * The figures `npm run eval:themes` prints and the suite's floors check:
 *  - cross-validated: 5 folds; for each, a model (thresholds by its own inner cross-validation)
 *    trained on the other four tags the fold it never saw;
 *  - a set tagged by the shipped model (held-out file, the older fixture);
 *  - the phrase lists alone, for comparison.
 */
export function crossValidated(corpus: readonly LabelledStory[], folds: number = TRAINING.folds): Scores {
  const predicted: string[][] = new Array(corpus.length);
  for (let k = 0; k < folds; k++) {
    const train = corpus.filter((_, i) => foldOf(i, folds) !== k);
    const testIdx = corpus.map((_, i) => i).filter((i) => foldOf(i, folds) === k);
    const tagged = trainAndTag(train, testIdx.map((i) => corpus[i]!));
    testIdx.forEach((i, j) => (predicted[i] = tagged[j]!));
  }
  return scoreSets(predicted, corpus.map((s) => s.themes));
}

const defaults = compileTaxonomy(defaultTaxonomy);

export function tagWithModel(model: ShippedModel, text: string): string[] {
  const row = rowFor(model, analyse(text, defaults).features);
  const logits = logitsOf(model.linear, row);
  if (!gateOpen(model, row, logits)) return [];
  return decide([...logits].map(sigmoid), model.thresholds, model.ids);
}

export function scoreModel(model: ShippedModel, stories: readonly LabelledStory[]): Scores {
  return scoreSets(stories.map((s) => tagWithModel(model, s.text)), stories.map((s) => s.themes));
}

export function scorePhraseLists(stories: readonly LabelledStory[]): Scores {
  return scoreSets(stories.map((s) => suggestThemes(s.text, defaults)), stories.map((s) => s.themes));
}

export function formatScores(name: string, s: Scores): string {
  const rows = THEME_IDS.map((id) => {
    const t = s.perTheme[id]!;
    return `  ${id.padEnd(22)} P ${t.precision.toFixed(2)}  R ${t.recall.toFixed(2)}  F1 ${t.f1.toFixed(2)}  (tp ${t.tp}, fp ${t.fp}, fn ${t.fn})`;
  });
  return `${name}: macro F1 ${s.macroF1.toFixed(3)}, micro F1 ${s.microF1.toFixed(3)}\n${rows.join('\n')}`;
}
