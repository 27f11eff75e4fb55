import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultTaxonomy } from '../features/stories/taxonomy';
import { compileTaxonomy } from '../features/stories/themes';
import type { LabelledStory } from './corpus';
import { analyse, isEvidence, valuesOf } from './features';
import { fitLogistic, logitsOf, sigmoid, type LinearModel, type SparseRow } from './linear';
import { MEANING, meaningOf, vectorsHash, wordVectors } from './meaning';
import type { ModelFile } from './modelFile';
import { decide, gated, MAX_THEMES } from './decide';

export { decide, gated, MAX_THEMES };

/**
 * Building the shipped model from the labelled corpus (`npm run train:themes`), and the scores
 * `npm run eval:themes` reports. Deterministic: same corpus and code, same model file.
 *
 *  1. Every story is read into features (features.ts), with the default phrase lists as evidence.
 *  2. The vocabulary is every feature seen in at least MIN_COUNT stories, sorted.
 *  3. Thresholds: 5-fold cross-validation on the corpus gives each story a probability per theme
 *     from a model that did not see it; each theme's threshold is the one with the best F1 there.
 *  4. The gate: one more logistic model, "is this story about any theme at all?", fitted on the
 *     same features. Ordinary messages whose words only look like a theme ("league champions",
 *     "the event log") are what the per-theme models get wrong most often; the gate learns what
 *     they have in common from all of them at once. Its threshold (at most 0.5) is the one with the
 *     best macro F1 of the out-of-fold themes (3.) when stories below it get none.
 *  5. The final weights are fitted on the whole corpus.
 * The themes' rows also carry the story's meaning (meaning.ts: the mean of its words' vectors)
 * after the sparse features; step 1 (not 2): the meaning doubles a row's squared length, so the
 * loss is twice as steep. The gate reads the sparse features only: with the meaning it learned
 * that a short question ("How do champions keep the momentum going?") reads like the corpus's
 * short ordinary messages, and closed on questions that name their theme (connect tests).
 */
export const TRAINING = { l2: 0.0005, iterations: 400, minCount: 2, folds: 5, step: 1, gateStep: 2 } as const;

export const THEME_IDS: readonly string[] = defaultTaxonomy.map((t) => t.id);
let compiledDefaults: ReturnType<typeof compileTaxonomy> | undefined;

/** The files whose content decides the model: if any changes, the model must be built again. */
export const MODEL_SOURCES = [
  'data/themes/corpus.jsonl',
  'src/themes/train.ts',
  'src/themes/decide.ts',
  'src/themes/linear.ts',
  'src/themes/features.ts',
  'src/themes/nlp.ts',
  'src/themes/lexicon.ts',
  'src/themes/meaning.ts',
  'src/themes/vectors.ts',
  'src/themes/wordVectors.json',
  'src/themes/strings.ts',
  'src/features/stories/taxonomy.ts',
  'src/features/stories/themes.ts',
];

export function sourceHash(root = path.join(__dirname, '..', '..')): string {
  const h = createHash('sha256');
  for (const file of MODEL_SOURCES) {
    h.update(file);
    h.update('\0');
    // Line endings do not change the model.
    h.update(readFileSync(path.join(root, file), 'utf8').replace(/\r\n/g, '\n'));
    h.update('\0');
  }
  return h.digest('hex');
}

export interface Example {
  features: string[];
  labels: number[];
}

export function examplesOf(stories: readonly LabelledStory[]): Example[] {
  return stories.map((s) => ({
    features: analyse(s.text, (compiledDefaults ??= compileTaxonomy(defaultTaxonomy))).features,
    labels: THEME_IDS.map((id) => (s.themes.includes(id) ? 1 : 0)),
  }));
}

export function vocabularyOf(examples: readonly Example[], minCount: number = TRAINING.minCount): string[] {
  const counts = new Map<string, number>();
  for (const e of examples) for (const f of e.features) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts]
    .filter(([f, c]) => c >= minCount || isEvidence(f))
    .map(([f]) => f)
    .sort();
}

/** The story's known features, then its meaning's dimensions (columns index.size .. index.size + dims - 1). */
export function rowOf(features: readonly string[], index: ReadonlyMap<string, number>, withMeaning = true): SparseRow {
  const known = features.filter((f) => index.has(f));
  const values = valuesOf(known);
  const pairs = known.map((f, j) => [index.get(f)!, values[j]!] as const).sort((x, y) => x[0] - y[0]);
  const row = { idx: pairs.map((p) => p[0]), val: pairs.map((p) => p[1]) };
  const meaning = withMeaning ? meaningOf(features) : undefined;
  if (meaning) {
    for (let d = 0; d < meaning.length; d++) {
      row.idx.push(index.size + d);
      row.val.push(meaning[d]!);
    }
  }
  return row;
}

const columns = (vocabulary: readonly string[]): number => vocabulary.length + wordVectors().dims;
const fitOptions = { l2: TRAINING.l2, iterations: TRAINING.iterations, step: TRAINING.step };

export interface Trained {
  vocabulary: string[];
  index: Map<string, number>;
  model: LinearModel;
  /** Whether its rows carry the story's meaning (the themes' model does, the gate does not). */
  meaning: boolean;
}

export function fit(examples: readonly Example[]): Trained {
  const vocabulary = vocabularyOf(examples);
  const index = new Map(vocabulary.map((f, i) => [f, i]));
  const rows = examples.map((e) => rowOf(e.features, index));
  const model = fitLogistic(rows, examples.map((e) => e.labels), columns(vocabulary), THEME_IDS.length, fitOptions);
  return { vocabulary, index, model, meaning: true };
}

/** The gate's model: one column, "the story has at least one theme". */
export function fitGate(examples: readonly Example[]): Trained {
  const vocabulary = vocabularyOf(examples);
  const index = new Map(vocabulary.map((f, i) => [f, i]));
  const rows = examples.map((e) => rowOf(e.features, index, false));
  const model = fitLogistic(rows, examples.map((e) => [e.labels.includes(1) ? 1 : 0]), vocabulary.length, 1, { l2: TRAINING.l2, iterations: TRAINING.iterations, step: TRAINING.gateStep });
  return { vocabulary, index, model, meaning: false };
}

export function probabilitiesOf(trained: Trained, features: readonly string[]): number[] {
  return [...logitsOf(trained.model, rowOf(features, trained.index, trained.meaning))].map(sigmoid);
}

/** Fold of the i-th example: every fifth story, so each fold mixes the corpus's batches. */
export const foldOf = (i: number, folds: number = TRAINING.folds): number => i % folds;

/** Each example's probabilities from a model trained on the other folds. */
export function outOfFold(examples: readonly Example[], folds: number = TRAINING.folds): number[][] {
  const out: number[][] = new Array(examples.length);
  for (let k = 0; k < folds; k++) {
    const trained = fit(examples.filter((_, i) => foldOf(i, folds) !== k));
    examples.forEach((e, i) => {
      if (foldOf(i, folds) === k) out[i] = probabilitiesOf(trained, e.features);
    });
  }
  return out;
}

/** Each example's gate probability from a gate trained on the other folds. */
export function gateOutOfFold(examples: readonly Example[], folds: number = TRAINING.folds): number[] {
  const out: number[] = new Array(examples.length);
  for (let k = 0; k < folds; k++) {
    const trained = fitGate(examples.filter((_, i) => foldOf(i, folds) !== k));
    examples.forEach((e, i) => {
      if (foldOf(i, folds) === k) out[i] = probabilitiesOf(trained, e.features)[0]!;
    });
  }
  return out;
}

/**
 * The gate threshold (0, 0.05 .. 0.5) with the best macro F1 of these themes; ties: the lowest.
 * At most 0.5: the gate closes only when it finds the story more likely about no theme than about
 * one. Higher thresholds did a little better on the corpus (0.6: +0.004 out-of-fold) but close
 * stories the gate knows little about (a short story in words the corpus lacks), which is how
 * the stories it has not seen will often read.
 */
export function bestGate(themes: readonly string[][], gates: readonly number[], tops: readonly number[], truth: readonly string[][]): number {
  let best = { f1: -1, threshold: 0 };
  for (let k = 0; k <= 50; k += 5) {
    const threshold = k / 100;
    const f1 = scoreSets(themes.map((t, i) => gated(t, gates[i]!, threshold, tops[i]!)), truth).macroF1;
    if (f1 > best.f1 + 1e-9) best = { f1, threshold };
  }
  return best.threshold;
}

/** Per theme, the threshold with the best F1 on these probabilities (ties: the one nearest 0.5). */
export function bestThresholds(probabilities: readonly number[][], labels: readonly number[][]): number[] {
  return THEME_IDS.map((_, t) => {
    let best = { f1: -1, threshold: 0.5 };
    for (let k = 10; k <= 90; k++) {
      const threshold = k / 100;
      let tp = 0;
      let fp = 0;
      let fn = 0;
      probabilities.forEach((p, i) => {
        const yes = p[t]! >= threshold;
        const truth = labels[i]![t] === 1;
        if (yes && truth) tp++;
        else if (yes) fp++;
        else if (truth) fn++;
      });
      const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
      if (f1 > best.f1 + 1e-9 || (Math.abs(f1 - best.f1) <= 1e-9 && Math.abs(threshold - 0.5) < Math.abs(best.threshold - 0.5))) best = { f1, threshold };
    }
    return best.threshold;
  });
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
};

/** Thresholds by cross-validation, weights on everything: the shipped model. */
export function buildModel(stories: readonly LabelledStory[], source: string): ModelFile {
  return buildModelWithFolds(stories, source).model;
}

/** The model, and each story's themes from the fold models that did not see it (thresholds and gate from the same folds). */
export function buildModelWithFolds(stories: readonly LabelledStory[], source: string): { model: ModelFile; outOfFold: string[][] } {
  const examples = examplesOf(stories);
  const { thresholds, gateThreshold, outOfFold: oofThemes } = calibrate(examples, stories);
  const trained = fit(examples);
  const gate = fitGate(examples);
  const T = THEME_IDS.length;
  const F = trained.vocabulary.length;
  const vectors = wordVectors();
  const rounded = (w: Float64Array, from: number, to: number): number[] => Array.from(w.subarray(from, to), (x) => round(x, 4));
  const model: ModelFile = {
    format: 'network-coach/themes-model@2',
    source,
    stories: stories.length,
    training: { ...TRAINING },
    themes: THEME_IDS.map((id, t) => ({ id, bias: round(trained.model.bias[t]!, 4), threshold: thresholds[t]! })),
    features: trained.vocabulary,
    weights: rounded(trained.model.w, 0, F * T),
    width: T,
    // Same vocabulary (both from the same examples), so the gate's weights line up with the features.
    gate: { bias: round(gate.model.bias[0]!, 4), threshold: gateThreshold, weights: rounded(gate.model.w, 0, F) },
    meaning: {
      vectors: vectorsHash(),
      dims: vectors.dims,
      scale: MEANING.scale,
      rankHalf: MEANING.rankHalf,
      weights: rounded(trained.model.w, F * T, (F + vectors.dims) * T),
    },
  };
  return { model, outOfFold: oofThemes };
}

/** Thresholds per theme and for the gate, from 5-fold cross-validation on these examples; each story's out-of-fold themes. */
function calibrate(examples: readonly Example[], stories: readonly LabelledStory[]): { thresholds: number[]; gateThreshold: number; outOfFold: string[][] } {
  const oof = outOfFold(examples);
  const thresholds = bestThresholds(oof, examples.map((e) => e.labels));
  const themes = oof.map((p) => decide(p, thresholds, THEME_IDS));
  const gates = gateOutOfFold(examples);
  const tops = oof.map((p) => Math.max(...p));
  const gateThreshold = bestGate(themes, gates, tops, stories.map((s) => s.themes));
  return { thresholds, gateThreshold, outOfFold: themes.map((t, i) => gated(t, gates[i]!, gateThreshold, tops[i]!)) };
}

/** Trains on `train` (thresholds and gate by its own cross-validation) and tags `test`: for nested cross-validation and held-out sets. */
export function trainAndTag(train: readonly LabelledStory[], test: readonly LabelledStory[]): string[][] {
  const examples = examplesOf(train);
  const { thresholds, gateThreshold } = calibrate(examples, train);
  const trained = fit(examples);
  const gate = fitGate(examples);
  return examplesOf(test).map((e) => {
    const p = probabilitiesOf(trained, e.features);
    return gated(decide(p, thresholds, THEME_IDS), probabilitiesOf(gate, e.features)[0]!, gateThreshold, Math.max(...p));
  });
}

export interface ThemeScore {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface Scores {
  macroF1: number;
  microF1: number;
  perTheme: Record<string, ThemeScore>;
}

/** Macro F1 over the themes present in labels or predictions; micro F1 over all decisions. */
export function scoreSets(predicted: readonly string[][], expected: readonly string[][], ids: readonly string[] = THEME_IDS): Scores {
  const counts = new Map(ids.map((id) => [id, { tp: 0, fp: 0, fn: 0 }]));
  predicted.forEach((p, i) => {
    const want = new Set(expected[i]);
    const got = new Set(p);
    for (const [id, c] of counts) {
      if (got.has(id) && want.has(id)) c.tp++;
      else if (got.has(id)) c.fp++;
      else if (want.has(id)) c.fn++;
    }
  });
  const perTheme: Record<string, ThemeScore> = {};
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [id, c] of counts) {
    const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
    const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
    perTheme[id] = { precision, recall, f1: c.tp === 0 ? 0 : (2 * c.tp) / (2 * c.tp + c.fp + c.fn), ...c };
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
  }
  const present = Object.values(perTheme).filter((t) => t.tp + t.fp + t.fn > 0);
  return {
    macroF1: present.reduce((a, t) => a + t.f1, 0) / Math.max(1, present.length),
    microF1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    perTheme,
  };
}
