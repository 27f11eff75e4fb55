import { valuesOf } from './features';
import { sigmoid } from './linear';

/**
 * A team's own weights on top of the shipped model, learned from the team's corrections (a
 * person editing a story's themes). The shipped model is never changed: a theme's score in a
 * space is  shipped logit (or, for a theme the team added, its phrase-list prior)
 *            + team bias + sum of team weights of the story's features.
 *
 * The corrections are stored (correctionsRepo.ts), not the weights: the layer is refitted from
 * them when a space's tagger is loaded (a few ms for the 300 newest), so a new shipped model
 * gets a layer fitted against itself, and two people correcting at once never overwrite each
 * other's weights. Deterministic: oldest correction first, fixed epochs.
 */
export interface Correction {
  storyId: string;
  /** The story's features when it was corrected (features.ts). */
  features: string[];
  /** The themes the story has after the edit. */
  themes: string[];
  /** The themes the space had then: only these count as "not this theme". */
  known: string[];
  at: number;
}

export interface TeamLayer {
  examples: number;
  bias: ReadonlyMap<string, number>;
  weights: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Per theme, each feature's log-likelihood ratio in the team's corrections (naive Bayes evidence). */
  evidence: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export const EMPTY_LAYER: TeamLayer = { examples: 0, bias: new Map(), weights: new Map(), evidence: new Map() };

export const TEAM_FIT = { epochs: 30, step: 1.5, biasStep: 0.2, l2: 0.002, smoothing: 0.5, evidence: 1, minCount: 2 } as const;

/**
 * Few corrections carry the team's words best as counts: a word seen in the team's stories of
 * a theme and rarely in its others is evidence for that theme (log-likelihood ratio, smoothed).
 * The weights fitted after it then correct what is still wrong (a theme the team keeps removing).
 */
interface Counts {
  pos: number;
  neg: number;
  p: Map<string, number>;
  n: Map<string, number>;
}

function countsOf(corrections: readonly Correction[]): Map<string, Counts> {
  const out = new Map<string, Counts>();
  const themes = [...new Set(corrections.flatMap((c) => c.known))].sort();
  for (const id of themes) {
    const counts: Counts = { pos: 0, neg: 0, p: new Map(), n: new Map() };
    for (const c of corrections) {
      if (!c.known.includes(id)) continue;
      const positive = c.themes.includes(id);
      if (positive) counts.pos++;
      else counts.neg++;
      const into = positive ? counts.p : counts.n;
      for (const f of new Set(c.features)) into.set(f, (into.get(f) ?? 0) + 1);
    }
    if (counts.pos > 0) out.set(id, counts);
  }
  return out;
}

/** Log-likelihood ratio of a feature's presence; `without` leaves one example's own counts out. */
function ratio(c: Counts, f: string, without?: { positive: boolean }): number {
  const a = TEAM_FIT.smoothing;
  const pos = c.pos - (without?.positive ? 1 : 0);
  const neg = c.neg - (without && !without.positive ? 1 : 0);
  const p = (c.p.get(f) ?? 0) - (without?.positive ? 1 : 0);
  const n = (c.n.get(f) ?? 0) - (without && !without.positive ? 1 : 0);
  // A word seen in one corrected story only is not yet the team's word for the theme.
  if (p < TEAM_FIT.minCount || pos <= 0) return 0;
  return Math.max(0, Math.log((p + a) / (pos + 2 * a)) - Math.log((n + a) / (neg + 2 * a)));
}

function evidenceOf(counts: ReadonlyMap<string, Counts>): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [id, c] of counts) {
    const ratios = new Map<string, number>();
    for (const f of c.p.keys()) {
      const r = ratio(c, f);
      if (r > 0) ratios.set(f, r);
    }
    out.set(id, ratios);
  }
  return out;
}

export function evidenceLogit(layer: TeamLayer, themeId: string, features: readonly string[]): { logit: number; parts: { feature: string; weight: number }[] } {
  const r = layer.evidence.get(themeId);
  if (!r) return { logit: 0, parts: [] };
  const parts: { feature: string; weight: number }[] = [];
  let logit = 0;
  for (const feature of features) {
    const x = r.get(feature);
    if (x === undefined) continue;
    const weight = TEAM_FIT.evidence * x;
    parts.push({ feature, weight });
    logit += weight;
  }
  return { logit, parts };
}

/** The base logit of a theme for a story (shipped model, or a team theme's prior). */
export type BaseLogit = (features: readonly string[], themeId: string) => number;

export function fitTeamLayer(corrections: readonly Correction[], base: BaseLogit): TeamLayer {
  if (corrections.length === 0) return EMPTY_LAYER;
  const ordered = [...corrections].sort((a, b) => a.at - b.at || a.storyId.localeCompare(b.storyId));
  const counts = countsOf(ordered);
  const evidence = evidenceOf(counts);
  // Each correction sees the evidence of the others only: its own words would make it look
  // certain, and the weights would learn to distrust the evidence.
  const heldOut = (c: Correction, id: string): number => {
    const k = counts.get(id);
    if (!k) return 0;
    const without = { positive: c.themes.includes(id) };
    return [...new Set(c.features)].reduce((sum, f) => sum + TEAM_FIT.evidence * ratio(k, f, without), 0);
  };
  // Features as numbers and weights as arrays: 300 corrections x 12 themes x 30 epochs stay in a few ms.
  const featureIds = new Map<string, number>();
  for (const c of ordered) for (const f of c.features) if (!featureIds.has(f)) featureIds.set(f, featureIds.size);
  const themeIds = [...new Set(ordered.flatMap((c) => c.known))].sort();
  const themeIndex = new Map(themeIds.map((id, i) => [id, i]));
  const F = featureIds.size;
  const w = themeIds.map(() => new Float64Array(F));
  const b = new Float64Array(themeIds.length);
  const prepared = ordered.map((c) => {
    const themes = new Set(c.themes);
    return {
      idx: Int32Array.from(c.features, (f) => featureIds.get(f)!),
      values: Float64Array.from(valuesOf(c.features)),
      targets: c.known.map((id) => ({ t: themeIndex.get(id)!, y: themes.has(id) ? 1 : 0, base: base(c.features, id) + heldOut(c, id) })),
    };
  });
  const decay = 1 - TEAM_FIT.l2;
  for (let epoch = 0; epoch < TEAM_FIT.epochs; epoch++) {
    for (const ex of prepared) {
      for (const target of ex.targets) {
        const wt = w[target.t]!;
        let z = target.base + b[target.t]!;
        for (let j = 0; j < ex.idx.length; j++) z += wt[ex.idx[j]!]! * ex.values[j]!;
        const g = target.y - sigmoid(z);
        if (Math.abs(g) < 1e-6) continue;
        b[target.t]! += TEAM_FIT.biasStep * g;
        for (let j = 0; j < ex.idx.length; j++) {
          const f = ex.idx[j]!;
          wt[f] = wt[f]! * decay + TEAM_FIT.step * g * ex.values[j]!;
        }
      }
    }
  }
  const names = [...featureIds.keys()];
  const weights = new Map<string, Map<string, number>>();
  const bias = new Map<string, number>();
  themeIds.forEach((id, t) => {
    bias.set(id, b[t]!);
    const m = new Map<string, number>();
    w[t]!.forEach((x, f) => {
      if (x !== 0) m.set(names[f]!, x);
    });
    weights.set(id, m);
  });
  return { examples: corrections.length, bias, weights, evidence };
}

/** The team's addition to a theme's logit, and each feature's share of it. */
export function teamLogit(layer: TeamLayer, themeId: string, features: readonly string[], values: readonly number[] = valuesOf(features)): { logit: number; parts: { feature: string; weight: number }[] } {
  // The evidence's parts, then the fitted weights' (the zero ones left out), in feature order.
  const parts = evidenceLogit(layer, themeId, features).parts;
  const w = layer.weights.get(themeId);
  if (w && w.size > 0) {
    for (let j = 0; j < features.length; j++) {
      const x = w.get(features[j]!);
      if (x === undefined) continue;
      const weight = x * values[j]!;
      if (weight !== 0) parts.push({ feature: features[j]!, weight });
    }
  }
  let sum = 0;
  for (const p of parts) sum += p.weight;
  return { logit: (layer.bias.get(themeId) ?? 0) + sum, parts };
}

/**
 * The layer turned around, built once per layer: for each feature, the themes it weighs in and
 * how much (evidence, fitted weight). Scoring a story is then one lookup per feature instead of
 * one per feature and theme.
 */
interface ByFeature {
  themes: readonly string[];
  at: ReadonlyMap<string, number>;
  bias: Float64Array;
  evidence: Map<string, { t: number; x: number }[]>;
  weights: Map<string, { t: number; x: number }[]>;
}
const byFeatureOf = new WeakMap<TeamLayer, ByFeature>();

function byFeature(layer: TeamLayer): ByFeature {
  let out = byFeatureOf.get(layer);
  if (out) return out;
  const themes = [...new Set([...layer.bias.keys(), ...layer.weights.keys(), ...layer.evidence.keys()])];
  const invert = (per: ReadonlyMap<string, ReadonlyMap<string, number>>): Map<string, { t: number; x: number }[]> => {
    const m = new Map<string, { t: number; x: number }[]>();
    themes.forEach((id, t) => {
      for (const [f, x] of per.get(id) ?? []) {
        const list = m.get(f);
        if (list) list.push({ t, x });
        else m.set(f, [{ t, x }]);
      }
    });
    return m;
  };
  out = { themes, at: new Map(themes.map((id, t) => [id, t] as const)), bias: Float64Array.from(themes, (id) => layer.bias.get(id) ?? 0), evidence: invert(layer.evidence), weights: invert(layer.weights) };
  byFeatureOf.set(layer, out);
  return out;
}

/**
 * teamLogit's logits alone, for every theme of the layer (a theme it does not hold adds 0), each
 * added up in the same order as teamLogit (evidence, then fitted weights, in feature order), so
 * they are the same numbers to the last bit, without building the parts: every theme of every
 * tagged story needs its logit, only the suggested ones need the parts (for "why").
 */
export function teamLogitsOf(layer: TeamLayer, features: readonly string[], values: readonly number[]): (themeId: string) => number {
  if (layer.bias.size === 0 && layer.weights.size === 0 && layer.evidence.size === 0) return () => 0;
  const index = byFeature(layer);
  const sums = new Float64Array(index.themes.length);
  for (const f of features) {
    const list = index.evidence.get(f);
    if (list) for (const { t, x } of list) sums[t]! += TEAM_FIT.evidence * x;
  }
  for (let j = 0; j < features.length; j++) {
    const list = index.weights.get(features[j]!);
    if (!list) continue;
    for (const { t, x } of list) {
      const weight = x * values[j]!;
      if (weight !== 0) sums[t]! += weight;
    }
  }
  return (themeId) => {
    const t = index.at.get(themeId);
    return t === undefined ? 0 : index.bias[t]! + sums[t]!;
  };
}
