import { logitsOf, sigmoid, type LinearModel } from './linear';
export { logitsOf };
import { modelFile, type ModelFile } from './modelFile';
import { valuesOf } from './features';
import shipped from './model.json';

/**
 * The shipped model, loaded once (parsing and checking the committed JSON takes a few ms; the
 * bench prints it). Scores are logits per default theme; `contributions` says which features
 * weighed how much, for "why".
 */
export interface ShippedModel {
  source: string;
  ids: readonly string[];
  thresholds: readonly number[];
  index: ReadonlyMap<string, number>;
  linear: LinearModel;
}

export function loadModel(json: unknown): ShippedModel {
  const file: ModelFile = modelFile.parse(json);
  return {
    source: file.source,
    ids: file.themes.map((t) => t.id),
    thresholds: file.themes.map((t) => t.threshold),
    index: new Map(file.features.map((f, i) => [f, i])),
    linear: { features: file.features.length, themes: file.width, w: Float64Array.from(file.weights), bias: Float64Array.from(file.themes.map((t) => t.bias)) },
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
  const known = features.filter((f) => model.index.has(f));
  const values = valuesOf(known);
  const order = known.map((f, j) => ({ i: model.index.get(f)!, v: values[j]!, f })).sort((a, b) => a.i - b.i);
  return { idx: order.map((o) => o.i), val: order.map((o) => o.v), names: order.map((o) => o.f) };
}

export function logitsFor(model: ShippedModel, features: readonly string[]): Float64Array {
  return logitsOf(model.linear, rowFor(model, features));
}

/** Each known feature's share of the theme's logit (weight x value), for a row from rowFor. */
export function contributionsOf(model: ShippedModel, row: ReturnType<typeof rowFor>, theme: number): { feature: string; weight: number }[] {
  const T = model.linear.themes;
  return row.names.map((feature, j) => ({ feature, weight: model.linear.w[row.idx[j]! * T + theme]! * row.val[j]! }));
}

export { sigmoid };
