import type { Clock } from '../../clock';
import { UserError } from '../../errors';
import type { Person, Space } from './model';
import { normaliseTag, unique } from './parse';
import { storyStrings as s } from './strings';
import { defaultTaxonomy, type Theme } from './taxonomy';
import { compileTaxonomy, type CompiledTheme } from './themes';
import type { ThemesRepo } from './themesRepo';

/**
 * The taxonomy each space tags its stories with: the default, with the team's own changes laid
 * over it. Compiled (lemmatised) once and cached per space for a minute; a change made on this
 * instance is seen at once, other instances see it within the minute.
 */
const TAXONOMY_TTL_MS = 60_000;
const MAX_PHRASES = 60;
const MAX_PHRASE_LENGTH = 60;

export interface SpaceTaxonomy {
  themes: Theme[];
  compiled: CompiledTheme[];
}

/**
 * The default themes compiled once per process (lemmatising their phrases costs ~50 ms of a
 * start; the stories feature and the themes tagger each hold a SpaceThemes). Read only.
 */
let compiledDefaults: readonly CompiledTheme[] | undefined;
function defaultsCompiled(): readonly CompiledTheme[] {
  compiledDefaults ??= compileTaxonomy(defaultTaxonomy);
  return compiledDefaults;
}

export class SpaceThemes {
  private readonly cache = new Map<string, SpaceTaxonomy & { at: number }>();
  // At construction, not at the first message: a start pays it before /readyz says ready.
  private readonly defaultCompiled = defaultsCompiled();

  constructor(private readonly repo: ThemesRepo, private readonly clock: Clock) {}

  /** Adds a theme, or changes one: `mode: 'add'` adds the words to an existing theme, `'set'` replaces them. */
  async save(where: Space, name: string, phrases: string[], mode: 'add' | 'set', by: Person): Promise<Theme> {
    const slug = normaliseTag(name);
    const clean = unique(phrases.map((p) => p.trim().replace(/\s+/g, ' ')).filter(Boolean));
    if (!slug || clean.length === 0) throw new UserError(s.themeUsage);
    if (clean.length > MAX_PHRASES || clean.some((p) => p.length > MAX_PHRASE_LENGTH)) throw new UserError(s.themeTooMany);
    // A theme is named by its tag (#business-value) or its display name ("Business value and ROI").
    const current = (await this.repo.taxonomy(where)).find((t) => t.id === slug || normaliseTag(t.name) === slug);
    const id = current?.id ?? slug;
    const merged = mode === 'add' && current ? unique([...current.phrases, ...clean]) : clean;
    if (merged.length > MAX_PHRASES) throw new UserError(s.themeTooMany);
    const theme = { id, name: current && mode === 'add' ? current.name : name.trim().slice(0, 60), phrases: merged };
    await this.repo.save(where, theme, by.userId, this.clock.now());
    this.cache.delete(spaceKey(where));
    return theme;
  }

  async remove(where: Space, name: string, by: Person): Promise<Theme> {
    const id = normaliseTag(name);
    const current = (await this.repo.taxonomy(where)).find((t) => t.id === id || normaliseTag(t.name) === id);
    if (!current) throw new UserError(s.themeUnknown(name.slice(0, 60)));
    await this.repo.remove(where, current.id, by.userId, this.clock.now());
    this.cache.delete(spaceKey(where));
    return current;
  }

  /** The space's taxonomy, compiled; cached for a minute (other instances see a change within that). */
  async of(where: Space): Promise<SpaceTaxonomy> {
    const k = spaceKey(where);
    const cached = this.cache.get(k);
    const now = Date.now();
    if (cached && now - cached.at < TAXONOMY_TTL_MS) return cached;
    const themes = await this.repo.taxonomy(where);
    const compiled = compileWithDefaults(themes, this.defaultCompiled);
    const entry = { at: now, themes, compiled };
    this.cache.set(k, entry);
    return entry;
  }
}

function spaceKey(where: Space): string {
  return `${where.tenantId}|${where.spaceId}`;
}

/** Default themes the team did not change keep their compiled form; changed ones are compiled anew. */
function compileWithDefaults(themes: readonly Theme[], compiledDefaults: readonly CompiledTheme[]): CompiledTheme[] {
  const defaults = new Map(defaultTaxonomy.map((t) => [t.id, t]));
  return themes.map((t) => (defaults.get(t.id) === t ? compiledDefaults.find((c) => c.id === t.id) : undefined) ?? compileTaxonomy([t])[0]!);
}
