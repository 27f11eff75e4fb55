import type { Theme } from '../features/stories/taxonomy';
import { compileTaxonomy, type CompiledTheme } from '../features/stories/themes';
import { defaultTaxonomy } from '../features/stories/taxonomy';
import type { CorrectionsRepo, Where } from './correctionsRepo';
import { analyse, compiledCues, matchedPhrases, valuesOf, wordsOfFeature, type Analysis } from './features';
import { gateOpen, logitsFor, logitsOf, rowFor, shippedModel, type ShippedModel } from './shipped';
import { sigmoid } from './linear';
import { EMPTY_LAYER, fitTeamLayer, teamLogit, teamLogitsOf, type TeamLayer } from './team';
import { decide } from './decide';

/**
 * The themes tagger every feature uses: `suggest(text, where)` gives the themes of a text in a
 * space (team or chat), most likely first, each with its score and the words that weighed most.
 * Scores come from the shipped model plus the space's own layer, learned from the corrections
 * people made there (`learn`). Themes a team added have no shipped weights: they start from
 * their phrases (PRIOR) and then learn from corrections like the others.
 */
export interface ThemeSuggestion {
  id: string;
  name: string;
  /** Probability-like, 0..1. */
  score: number;
  /** The words that weighed most for this theme, most first. */
  why: string[];
}

export interface ThemeScore extends ThemeSuggestion {
  /** Over its threshold (and among the top MAX_THEMES). */
  suggested: boolean;
}

/** The space's themes: SpaceThemes in the stories feature gives these. */
export interface TaxonomySource {
  of(where: Where): Promise<{ themes: Theme[]; compiled: CompiledTheme[] }>;
}

/** A theme the shipped model does not know: unlikely, unless one of its phrases occurs. */
export const PRIOR = { bias: -3, phrase: 4.5, threshold: 0.5 } as const;
const LAYER_TTL_MS = 60_000;
const WHY_WORDS = 4;

export class ThemeTagger {
  private readonly layers = new Map<string, { at: number; layer: Promise<TeamLayer> }>();

  constructor(
    private readonly taxonomies: TaxonomySource,
    private readonly corrections: CorrectionsRepo,
    private readonly model: ShippedModel = shippedModel(),
  ) {}

  /** The themes of `text` in this space, most likely first (possibly none). */
  async suggest(text: string, where: Where): Promise<ThemeSuggestion[]> {
    return (await this.scores(text, where)).filter((s) => s.suggested).map(({ suggested: _s, ...rest }) => rest);
  }

  /** Every theme of the space with its score and reasons, suggested ones first. */
  async scores(text: string, where: Where): Promise<ThemeScore[]> {
    const [{ themes, compiled }, layer] = await Promise.all([this.taxonomies.of(where), this.layerOf(where)]);
    return scoreText(this.model, compiled, layer, text, redefinedIn(themes));
  }

  /**
   * A person set the story's themes to `themes`: an example for this space. Stores the story's
   * features (not its text) so the layer can be refitted, and refits it on this instance now.
   */
  async learn(where: Where, story: { storyId: string; text: string }, themes: readonly string[], at: Date): Promise<void> {
    const { compiled } = await this.taxonomies.of(where);
    const known = compiled.map((t) => t.id);
    const features = analyse(story.text, compiled).features;
    await this.corrections.record(where, { storyId: story.storyId, features, themes: themes.filter((t) => known.includes(t)), known, at: at.getTime() });
    this.layers.delete(spaceKey(where));
  }

  /** The story was deleted: its correction goes too. */
  async forget(where: Where, storyId: string): Promise<void> {
    await this.corrections.forget(where, storyId);
    this.layers.delete(spaceKey(where));
  }

  private layerOf(where: Where): Promise<TeamLayer> {
    const k = spaceKey(where);
    const now = Date.now();
    const cached = this.layers.get(k);
    if (cached && now - cached.at < LAYER_TTL_MS) return cached.layer;
    const layer = this.loadLayer(where).catch((err: unknown) => {
      this.layers.delete(k);
      throw err;
    });
    this.layers.set(k, { at: now, layer });
    return layer;
  }

  private async loadLayer(where: Where): Promise<TeamLayer> {
    const [corrections, { themes, compiled }] = await Promise.all([this.corrections.newest(where), this.taxonomies.of(where)]);
    if (corrections.length === 0) return EMPTY_LAYER;
    const model = this.model;
    const modelIndex = shippedIndex(model, redefinedIn(themes));
    const cache = new Map<string[], Float64Array>();
    const base = (features: readonly string[], themeId: string): number => {
      const t = modelIndex.get(themeId);
      if (t === undefined || !compiled.some((c) => c.id === themeId)) return priorLogit(features, themeId);
      let logits = cache.get(features as string[]);
      if (!logits) cache.set(features as string[], (logits = logitsFor(model, features)));
      return logits[t]!;
    };
    return fitTeamLayer(corrections, base);
  }
}

/**
 * Default themes a team *replaced* (`themes set`: the default phrases are gone) mean what the team
 * says: they are scored like the team's own themes. A theme the team added words to keeps the
 * shipped model's knowledge and gains the words as evidence.
 */
const defaultPhrases = new Map(defaultTaxonomy.map((t) => [t.id, t.phrases]));
export function redefinedIn(themes: readonly Theme[]): Set<string> {
  return new Set(themes.filter((t) => defaultPhrases.has(t.id) && !defaultPhrases.get(t.id)!.every((p) => t.phrases.includes(p))).map((t) => t.id));
}

function shippedIndex(model: ShippedModel, redefined: ReadonlySet<string>): Map<string, number> {
  return new Map(model.ids.map((id, i) => [id, i] as const).filter(([id]) => !redefined.has(id)));
}

function spaceKey(where: Where): string {
  return `${where.tenantId}|${where.spaceId}`;
}

function priorLogit(features: readonly string[], themeId: string): number {
  return PRIOR.bias + (features.includes(`p:${themeId}`) ? PRIOR.phrase : 0);
}

/** Scores for every theme of `compiled` (pure: no storage); reasons for the suggested ones. */
export function scoreText(model: ShippedModel, compiled: readonly CompiledTheme[], layer: TeamLayer, text: string, redefined: ReadonlySet<string> = new Set()): ThemeScore[] {
  const analysis = analyse(text, compiled);
  const row = rowFor(model, analysis.features);
  const shipped = logitsOf(model.linear, row);
  const modelIndex = shippedIndex(model, redefined);
  const values = valuesOf(analysis.features);
  const teamLogitOf = teamLogitsOf(layer, analysis.features, values);
  // An ordinary message whose words only look like a theme ("league champions"): no default
  // theme, unless the team's own corrections speak for it.
  const open = gateOpen(model, row, shipped);
  const rows = compiled.map((theme) => {
    const t = modelIndex.get(theme.id);
    const base = t === undefined ? priorLogit(analysis.features, theme.id) : shipped[t]!;
    const team = teamLogitOf(theme.id);
    const closed = t !== undefined && !open && team <= 0;
    const threshold = t === undefined ? PRIOR.threshold : closed ? Number.POSITIVE_INFINITY : model.thresholds[t]!;
    return { theme, t, score: sigmoid(base + team), threshold };
  });
  const chosen = new Set(decide(rows.map((r) => r.score), rows.map((r) => r.threshold), rows.map((r) => r.theme.id)));
  return rows
    .map((r) => {
      const suggested = chosen.has(r.theme.id);
      // Reasons are worked out for the suggested themes only: the others are not shown with words.
      const why = suggested ? reasons(heaviest(r.t === undefined ? priorParts(analysis.features, r.theme.id) : shippedParts(model, row, r.t), teamLogit(layer, r.theme.id, analysis.features, values).parts), analysis, r.theme) : [];
      return { id: r.theme.id, name: r.theme.name, score: Math.round(r.score * 1000) / 1000, why, suggested };
    })
    .sort((a, b) => Number(b.suggested) - Number(a.suggested) || b.score - a.score || a.id.localeCompare(b.id));
}

interface Parts {
  names: readonly string[];
  weight(j: number): number;
}

function priorParts(features: readonly string[], themeId: string): Parts {
  return features.includes(`p:${themeId}`) ? { names: [`p:${themeId}`], weight: () => PRIOR.phrase } : { names: [], weight: () => 0 };
}

/** Each known feature's share of the theme's shipped logit (weight x value), for a row from rowFor. */
function shippedParts(model: ShippedModel, row: ReturnType<typeof rowFor>, t: number): Parts {
  const T = model.linear.themes;
  return { names: row.names, weight: (j) => model.linear.w[row.idx[j]! * T + t]! * row.val[j]! };
}

/**
 * The features that weigh for the theme, heaviest first: each feature's base part (unique per
 * feature) plus its team parts, added in that order, those over 0.05.
 */
function heaviest(base: Parts, team: readonly { feature: string; weight: number }[]): string[] {
  const teamOf = new Map<string, number[]>();
  for (const p of team) {
    const list = teamOf.get(p.feature);
    if (list) list.push(p.weight);
    else teamOf.set(p.feature, [p.weight]);
  }
  const ranked: [string, number][] = [];
  const add = (feature: string, first: number, more: readonly number[] | undefined): void => {
    let w = 0 + first;
    if (more) for (const x of more) w += x;
    if (w > 0.05) ranked.push([feature, w]);
  };
  for (let j = 0; j < base.names.length; j++) {
    const feature = base.names[j]!;
    const more = teamOf.get(feature);
    teamOf.delete(feature);
    add(feature, base.weight(j), more);
  }
  for (const [feature, [first, ...more]] of teamOf) add(feature, first!, more);
  return ranked.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([feature]) => feature);
}

let cuesById: Map<string, CompiledTheme> | undefined;

/** The words behind the largest positive parts: a word feature is its words; evidence is the phrases that matched. */
function reasons(ranked: readonly string[], analysis: Analysis, theme: CompiledTheme): string[] {
  const out: string[] = [];
  for (const feature of ranked) {
    const words = wordsOfFeature(feature);
    const found = words !== undefined ? [words] : evidenceWords(feature, analysis, theme);
    for (const w of found) if (!out.includes(w)) out.push(w);
    if (out.length >= WHY_WORDS) break;
  }
  return out.slice(0, WHY_WORDS);
}

function evidenceWords(feature: string, analysis: Analysis, theme: CompiledTheme): string[] {
  const id = feature.slice(feature.indexOf(':') + 1);
  if (feature.startsWith('p:')) return id === theme.id ? matchedPhrases(analysis, theme).slice(0, 2) : [];
  cuesById ??= new Map(compiledCues().map((c) => [c.id, c]));
  const cues = cuesById.get(id);
  return cues ? matchedPhrases(analysis, cues).slice(0, 2) : [];
}

let defaultCompiled: CompiledTheme[] | undefined;

/** The default themes of a text with the shipped model alone (no team): seeding, tests, benchmarks. */
export function defaultThemesOf(text: string, model: ShippedModel = shippedModel()): string[] {
  defaultCompiled ??= compileTaxonomy(defaultTaxonomy);
  return scoreText(model, defaultCompiled, EMPTY_LAYER, text)
    .filter((s) => s.suggested)
    .map((s) => s.id);
}
