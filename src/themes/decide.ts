/** A story gets at most this many automatic themes (the most likely first). */
export const MAX_THEMES = 4;

/** The themes these probabilities give: over the theme's threshold, most likely first, at most MAX_THEMES. */
export function decide(probabilities: readonly number[], thresholds: readonly number[], ids: readonly string[]): string[] {
  return probabilities
    .map((p, t) => ({ id: ids[t]!, p, over: p - thresholds[t]! }))
    .filter((x) => x.over >= 0)
    .sort((a, b) => b.p - a.p || a.id.localeCompare(b.id))
    .slice(0, MAX_THEMES)
    .map((x) => x.id);
}

