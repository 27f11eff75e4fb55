/**
 * Themes, for every feature: the tagger (`ThemeTagger.suggest(text, where)`), the default
 * themes of a text without a team (`defaultThemesOf`), and the table it keeps corrections in.
 * Build one tagger per process with `themeTaggerFor(store, clock)` or pass an existing
 * SpaceThemes (the stories feature does).
 */
import type { Clock } from '../clock';
import { SpaceThemes } from '../features/stories/spaceThemes';
import { STORY_THEMES_TABLE, ThemesRepo } from '../features/stories/themesRepo';
import type { Store } from '../store/tables';
import { CorrectionsRepo, THEME_CORRECTIONS_TABLE } from './correctionsRepo';
import { ThemeTagger } from './tagger';

export { ThemeTagger, defaultThemesOf, type ThemeSuggestion, type ThemeScore, type TaxonomySource } from './tagger';
export { CorrectionsRepo, THEME_CORRECTIONS_TABLE } from './correctionsRepo';

/** A tagger over the store's tables (the stories feature's taxonomy and the corrections). */
export function themeTaggerFor(store: Store, clock: Clock): ThemeTagger {
  return new ThemeTagger(new SpaceThemes(new ThemesRepo(store.table(STORY_THEMES_TABLE)), clock), new CorrectionsRepo(store.table(THEME_CORRECTIONS_TABLE)));
}
