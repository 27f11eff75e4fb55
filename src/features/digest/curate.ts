/**
 * The curation rules of the weekly digest, as pure functions of plain data: which stories make
 * the card, which older story a quiet week resurfaces, how this week compares to the last.
 */
import type { StorySummary } from '../stories/model';

/** A story as curation sees it: the stories feature's summary (the conversation is optional in built data). */
export type DigestStory = Omit<StorySummary, 'conversationId'> & { conversationId?: string };

export interface CurationRules {
  maxStories: number;
  maxPerTheme: number;
  /** Engagement halves every this many days of age. */
  halfLifeDays: number;
}

export const DEFAULT_RULES: CurationRules = { maxStories: 5, maxPerTheme: 2, halfLifeDays: 3 };

const DAY_MS = 24 * 3600_000;

/** Engagement with recency decay: (1 + "Inspiring" presses) halved every `halfLifeDays` of age. */
export function storyScore(story: Pick<DigestStory, 'endorsements' | 'createdAt'>, at: Date, halfLifeDays = DEFAULT_RULES.halfLifeDays): number {
  const ageDays = Math.max(0, at.getTime() - story.createdAt.getTime()) / DAY_MS;
  return (1 + Math.max(0, story.endorsements)) * 0.5 ** (ageDays / halfLifeDays);
}

function themesOf(story: DigestStory): string[] {
  return [...new Set(story.themes.map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0))];
}

/**
 * The week's best stories: ranked by decayed engagement (ties: newer first, then id, so the
 * order is stable), never one featured before in this channel, only the themes the channel
 * filters on (if any), at most `maxPerTheme` per theme (a story with two themes counts for
 * both), at most `maxStories`. Stories without a theme are not capped by theme.
 */
export function pickStories(
  stories: readonly DigestStory[],
  options: { at: Date; alreadyFeatured: ReadonlySet<string>; themeFilter?: readonly string[]; rules?: Partial<CurationRules> },
): DigestStory[] {
  const rules = { ...DEFAULT_RULES, ...options.rules };
  const filter = new Set((options.themeFilter ?? []).map((t) => t.trim().toLowerCase()).filter((t) => t));
  const ranked = stories
    .filter((s) => !options.alreadyFeatured.has(s.storyId))
    .filter((s) => filter.size === 0 || themesOf(s).some((t) => filter.has(t)))
    .map((s) => ({ s, score: storyScore(s, options.at, rules.halfLifeDays) }))
    .sort((a, b) => b.score - a.score || b.s.createdAt.getTime() - a.s.createdAt.getTime() || (a.s.storyId < b.s.storyId ? -1 : 1));
  const perTheme = new Map<string, number>();
  const seen = new Set<string>();
  const picked: DigestStory[] = [];
  for (const { s } of ranked) {
    if (picked.length >= rules.maxStories) break;
    if (seen.has(s.storyId)) continue;
    const themes = themesOf(s);
    if (themes.some((t) => (perTheme.get(t) ?? 0) >= rules.maxPerTheme)) continue;
    for (const t of themes) perTheme.set(t, (perTheme.get(t) ?? 0) + 1);
    seen.add(s.storyId);
    picked.push(s);
  }
  return picked;
}

/**
 * A quiet week's card brings back one older, much-endorsed story: the most endorsed one that
 * was not the last one brought back (never the same twice in a row), from before the week,
 * with at least `minEndorsements`, within the channel's theme filter.
 */
export function pickResurfaced(
  candidates: readonly DigestStory[],
  options: { weekStart: Date; lastResurfacedId?: string; themeFilter?: readonly string[]; minEndorsements?: number },
): DigestStory | undefined {
  const min = options.minEndorsements ?? 1;
  const filter = new Set((options.themeFilter ?? []).map((t) => t.trim().toLowerCase()).filter((t) => t));
  return [...candidates]
    .filter((s) => s.storyId !== options.lastResurfacedId)
    .filter((s) => s.createdAt.getTime() < options.weekStart.getTime())
    .filter((s) => s.endorsements >= min)
    .filter((s) => filter.size === 0 || themesOf(s).some((t) => filter.has(t)))
    .sort((a, b) => b.endorsements - a.endorsements || b.createdAt.getTime() - a.createdAt.getTime() || (a.storyId < b.storyId ? -1 : 1))[0];
}

export interface WeekFigures {
  stories: number;
  topics: number;
  votes: number;
  contributors: number;
}

export interface FigureLine {
  name: keyof WeekFigures;
  value: number;
  /** Change from the week before; undefined when the week before is not known. */
  change?: number;
}

export function compareFigures(current: WeekFigures, previous?: Partial<WeekFigures>): FigureLine[] {
  return (['stories', 'topics', 'votes', 'contributors'] as const).map((name) => {
    const before = previous?.[name];
    return { name, value: current[name], change: before === undefined ? undefined : current[name] - before };
  });
}

/** Nothing new happened: no story, no topic, no vote, no call recap. */
export function isQuietWeek(week: { stories: number; topics: number; votes: number; recaps: number }): boolean {
  return week.stories === 0 && week.topics === 0 && week.votes === 0 && week.recaps === 0;
}
