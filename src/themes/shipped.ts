import { logitsOf, sigmoid, type LinearModel } from './linear';
export { logitsOf };
import { modelFile, type ModelFile } from './modelFile';
import { valuesOf } from './features';
import { gateAllows } from './decide';
import { meaningOf, wordVectors } from './meaning';
import shipped from './model.json';

/**
 * The shipped model, loaded once (parsing and checking the committed JSON takes a few ms; the
 * bench prints it). Scores are logits per default theme; a row's weight x value per feature says which features
 * weighed how much, for "why".
 */
export interface ShippedModel {
  source: string;
  ids: readonly string[];
  thresholds: readonly number[];
  index: ReadonlyMap<string, number>;
  linear: LinearModel;
  /** "Is this story about any theme?" (train.ts): below `threshold`, no default theme. */
  gate: { linear: LinearModel; threshold: number };
  /** The story's meaning (meaning.ts): columns after the sparse features. */
  meaning: { dims: number; scale: number; rankHalf: number };
}

export function loadModel(json: unknown): ShippedModel {
  const file: ModelFile = modelFile.parse(json);
  const { dims, scale, rankHalf } = file.meaning;
  if (dims !== wordVectors().dims) throw new Error(`the model's meaning has ${dims} dimensions, the word vectors ${wordVectors().dims}`);
  const columns = file.features.length + dims;
  return {
    source: file.source,
    ids: file.themes.map((t) => t.id),
    thresholds: file.themes.map((t) => t.threshold),
    index: new Map(file.features.map((f, i) => [f, i])),
    linear: { features: columns, themes: file.width, w: Float64Array.from([...file.weights, ...file.meaning.weights]), bias: Float64Array.from(file.themes.map((t) => t.bias)) },
    // The gate reads the sparse features only (train.ts): the meaning's columns weigh nothing for it.
    gate: { linear: { features: columns, themes: 1, w: Float64Array.from([...file.gate.weights, ...new Array<number>(dims).fill(0)]), bias: Float64Array.of(file.gate.bias) }, threshold: file.gate.threshold },
    meaning: { dims, scale, rankHalf },
  };
}

let cached: ShippedModel | undefined;
/** The committed model (src/themes/model.json). */
export function shippedModel(): ShippedModel {
  cached ??= loadModel(shipped);
  return cached;
}

/** Known features of a story with their values, in index order. */
export function rowFor(model: ShippedModel, features: readonly string[]): { idx: number[]; val: number[]; names: string[] } {
  // One lookup per feature, and a numeric sort of (index, position) packed in one number: this
  // runs for every tagged story (measured: a third of the old cost of scoring, past wink).
  if (features.length >= POSITIONS) throw new Error(`a story has at most ${POSITIONS} features, not ${features.length}`);
  const known: string[] = [];
  const keys: number[] = [];
  for (const f of features) {
    const i = model.index.get(f);
    if (i === undefined) continue;
    keys.push(i * POSITIONS + known.length);
    known.push(f);
  }
  const values = valuesOf(known);
  const sorted = Float64Array.from(keys).sort();
  const idx = new Array<number>(sorted.length);
  const val = new Array<number>(sorted.length);
  const names = new Array<string>(sorted.length);
  for (let k = 0; k < sorted.length; k++) {
    const j = sorted[k]! % POSITIONS;
    idx[k] = (sorted[k]! - j) / POSITIONS;
    val[k] = values[j]!;
    names[k] = known[j]!;
  }
  // The story's meaning, after the sparse features (train.ts rowOf): from all its words, known or not.
  const meaning = meaningOf(features, wordVectors(), model.meaning.scale, model.meaning.rankHalf);
  if (meaning) {
    const at = model.index.size;
    for (let d = 0; d < meaning.length; d++) {
      idx.push(at + d);
      val.push(meaning[d]!);
      names.push(MEANING_FEATURE);
    }
  }
  return { idx, val, names };
}

/** The name of the meaning's columns in a row (a part of the score, but no words of its own to show). */
export const MEANING_FEATURE = '~meaning';

/** More than a story's features can number (features.ts reads at most MAX_TEXT characters). */
const POSITIONS = 2 ** 20;

export function logitsFor(model: ShippedModel, features: readonly string[]): Float64Array {
  return logitsOf(model.linear, rowFor(model, features));
}

/**
 * Whether the story may have default themes: the gate finds it about some theme, or the model
 * finds one theme likely enough on its own (decide.ts GATE_KEEP). `logits`: the row's theme logits.
 */
export function gateOpen(model: ShippedModel, row: ReturnType<typeof rowFor>, logits: Float64Array = logitsOf(model.linear, row)): boolean {
  const top = logits.reduce((a, x) => Math.max(a, sigmoid(x)), 0);
  return gateAllows(sigmoid(logitsOf(model.gate.linear, row)[0]!), model.gate.threshold, top);
}

export { sigmoid };
