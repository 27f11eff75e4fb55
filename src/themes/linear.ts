/**
 * One-vs-rest logistic regression over sparse features, trained for all themes at once.
 *
 * Why not a registry package (looked 2026-12-01): `ml-logistic-regression` (mljs) trains on a
 * dense ml-matrix with plain gradient descent and single-label classes, so 700 stories x 4,000
 * features x 12 themes would be dense matrix products at every step, and it has no way to add a
 * team's weights on top; the naive Bayes packages (`wink-naive-bayes-text-classifier`,
 * `bayes`, `classificator`, `ml-naivebayes`) are single-label and give odds that are not
 * calibrated enough to set per-theme thresholds. Logistic regression with L2 is a few lines on
 * sparse rows, trains in about a second, and its weights explain themselves (weight x feature).
 *
 * Training is deterministic: full-batch accelerated gradient descent (Nesterov), no random
 * numbers, features in sorted order.
 */
export interface SparseRow {
  /** Feature indices, ascending. */
  idx: number[];
  /** Each feature's value, in the same order. */
  val: number[];
}

export interface LinearModel {
  features: number;
  themes: number;
  /** features x themes, row-major: weight of feature f for theme t is w[f * themes + t]. */
  w: Float64Array;
  bias: Float64Array;
}

export interface FitOptions {
  l2: number;
  iterations: number;
  /** Step size; 1/L for this loss with rows of unit length is about 2. */
  step?: number;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Logits of one row for every theme. */
export function logitsOf(model: LinearModel, row: SparseRow, out = new Float64Array(model.themes)): Float64Array {
  const T = model.themes;
  for (let t = 0; t < T; t++) out[t] = model.bias[t]!;
  for (let j = 0; j < row.idx.length; j++) {
    const base = row.idx[j]! * T;
    const v = row.val[j]!;
    for (let t = 0; t < T; t++) out[t]! += model.w[base + t]! * v;
  }
  return out;
}

/** Fits weights minimising mean log-loss + l2/2 * |w|^2 (the bias is not penalised). `labels[i][t]` is 0 or 1. */
export function fitLogistic(rows: readonly SparseRow[], labels: readonly (readonly number[])[], features: number, themes: number, options: FitOptions): LinearModel {
  const n = rows.length;
  const T = themes;
  const step = options.step ?? 2;
  let w = new Float64Array(features * T);
  let b = new Float64Array(T);
  let wPrev = new Float64Array(features * T);
  let bPrev = new Float64Array(T);
  const zw = new Float64Array(features * T);
  const zb = new Float64Array(T);
  const gw = new Float64Array(features * T);
  const gb = new Float64Array(T);
  const logits = new Float64Array(T);
  for (let k = 1; k <= options.iterations; k++) {
    const beta = (k - 1) / (k + 2);
    for (let j = 0; j < zw.length; j++) zw[j] = w[j]! + beta * (w[j]! - wPrev[j]!);
    for (let t = 0; t < T; t++) zb[t] = b[t]! + beta * (b[t]! - bPrev[t]!);
    gw.fill(0);
    gb.fill(0);
    const at: LinearModel = { features, themes: T, w: zw, bias: zb };
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      logitsOf(at, row, logits);
      const y = labels[i]!;
      for (let t = 0; t < T; t++) logits[t] = (sigmoid(logits[t]!) - y[t]!) / n;
      for (let t = 0; t < T; t++) gb[t]! += logits[t]!;
      for (let j = 0; j < row.idx.length; j++) {
        const base = row.idx[j]! * T;
        const v = row.val[j]!;
        for (let t = 0; t < T; t++) gw[base + t]! += logits[t]! * v;
      }
    }
    const nextW = wPrev;
    const nextB = bPrev;
    for (let j = 0; j < zw.length; j++) nextW[j] = zw[j]! - step * (gw[j]! + options.l2 * zw[j]!);
    for (let t = 0; t < T; t++) nextB[t] = zb[t]! - step * gb[t]!;
    wPrev = w;
    bPrev = b;
    w = nextW;
    b = nextB;
  }
  return { features, themes: T, w, bias: b };
}
