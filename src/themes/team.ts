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
}

export const EMPTY_LAYER: TeamLayer = { examples: 0, bias: new Map(), weights: new Map() };

export const TEAM_FIT = { epochs: 30, step: 1.5, biasStep: 0.2, l2: 0.002 } as const;

/** The base logit of a theme for a story (shipped model, or a team theme's prior). */
export type BaseLogit = (features: readonly string[], themeId: string) => number;

export function fitTeamLayer(corrections: readonly Correction[], base: BaseLogit): TeamLayer {
  if (corrections.length === 0) return EMPTY_LAYER;
  const ordered = [...corrections].sort((a, b) => a.at - b.at || a.storyId.localeCompare(b.storyId));
  const prepared = ordered.map((c) => {
    const values = valuesOf(c.features);
    const themes = new Set(c.themes);
    return {
      features: c.features,
      values,
      targets: c.known.map((id) => ({ id, y: themes.has(id) ? 1 : 0, base: base(c.features, id) })),
    };
  });
  const bias = new Map<string, number>();
  const weights = new Map<string, Map<string, number>>();
  for (let epoch = 0; epoch < TEAM_FIT.epochs; epoch++) {
    for (const ex of prepared) {
      for (const target of ex.targets) {
        let w = weights.get(target.id);
        if (!w) weights.set(target.id, (w = new Map()));
        let z = target.base + (bias.get(target.id) ?? 0);
        ex.features.forEach((f, j) => (z += (w!.get(f) ?? 0) * ex.values[j]!));
        const g = target.y - sigmoid(z);
        if (Math.abs(g) < 1e-6) continue;
        bias.set(target.id, (bias.get(target.id) ?? 0) + TEAM_FIT.biasStep * g);
        ex.features.forEach((f, j) => {
          const old = w!.get(f) ?? 0;
          w!.set(f, old * (1 - TEAM_FIT.l2) + TEAM_FIT.step * g * ex.values[j]!);
        });
      }
    }
  }
  return { examples: corrections.length, bias, weights };
}

/** The team's addition to a theme's logit, and each feature's share of it. */
export function teamLogit(layer: TeamLayer, themeId: string, features: readonly string[]): { logit: number; parts: { feature: string; weight: number }[] } {
  const w = layer.weights.get(themeId);
  const values = valuesOf(features);
  const parts = w ? features.map((feature, j) => ({ feature, weight: (w.get(feature) ?? 0) * values[j]! })).filter((p) => p.weight !== 0) : [];
  return { logit: (layer.bias.get(themeId) ?? 0) + parts.reduce((a, p) => a + p.weight, 0), parts };
}
