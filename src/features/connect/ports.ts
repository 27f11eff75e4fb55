import type { Clock } from '../../clock';
import type { Store } from '../../store/tables';
import { normaliseTag } from '../stories/parse';
import { queryTerms } from '../stories/library';
import { listPartition } from '../../store/tables';
import { partitionOf, storyRowKey, STORIES_TABLE } from '../stories/repo';
import { StoriesService } from '../stories/service';
import { compileTaxonomy, lemmasOf, suggestThemes } from '../stories/themes';
import type { Person, Space } from './model';

/**
 * What Connect needs from other rooms, as plain values: the theme tagger (the same one stories
 * use (src/themes, learned, with each space's corrections), so a question's bucket and a story's themes speak the same words) and the story library.
 *
 */
export interface ThemeTagger {
  /** Theme ids of the space's taxonomy that the text is about, best first. */
  themesOf(where: Space, text: string): Promise<string[]>;
  /**
   * The themes a few searched words mean (`who knows executive sponsors`): what the tagger
   * suggests, or else the themes whose own phrases the words say, likeliest first. A story's
   * bar is too high for three words: the tagger is calibrated on stories.
   */
  themesOfQuery(where: Space, words: string): Promise<string[]>;
  /** The space's themes, id and display name. */
  themes(where: Space): Promise<{ id: string; name: string }[]>;
  /** The words of a text that a search matches on (lemmas, without stop words). */
  terms(text: string): string[];
}

export interface StoryLibrary {
  /** Which of these stories still exist (one read): a deleted story is never shown beside a question. */
  existing(where: Space, storyIds: readonly string[]): Promise<Set<string>>;
  /** Saves an accepted answer as a story told by the answerer; false when it was saved already. */
  saveAnswer(where: Space & { conversationId: string }, input: { text: string; teller: Person; savedBy: Person; themes: string[]; sourceId: string }): Promise<{ storyId: string; created: boolean }>;
}

export interface ConnectPorts {
  tagger: ThemeTagger;
  library: StoryLibrary;
}

export function storiesPorts(store: Store, clock: Clock): ConnectPorts {
  const stories = new StoriesService(store, clock);
  const table = store.table(STORIES_TABLE);
  return {
    tagger: {
      // The learned tagger (src/themes), with the space's corrections: taxonomy themes only.
      async themesOf(where, text) {
        return (await stories.tagger.suggest(text, where)).map((t) => t.id);
      },
      async themesOfQuery(where, words) {
        const [scores, themes] = await Promise.all([stories.tagger.scores(words, where), stories.themes(where)]);
        const suggested = scores.filter((t) => t.suggested).map((t) => t.id);
        if (suggested.length) return suggested;
        const named = new Set(suggestThemes(words, compileTaxonomy(themes)));
        return scores.filter((t) => named.has(t.id)).map((t) => t.id);
      },
      async themes(where) {
        return (await stories.themes(where)).map((t) => ({ id: t.id, name: t.name }));
      },
      terms: (text) => queryTerms(lemmasOf(text)),
    },
    library: {
      // One query in the space's partition for the (at most 3) rows, bounded to their key range,
      // instead of a point read each: one storage request per ask rather than three.
      async existing(where, storyIds) {
        const keys = [...new Set(storyIds)].map(storyRowKey).sort();
        if (!keys.length) return new Set<string>();
        const q = (v: string): string => `'${v.replace(/'/g, "''")}'`;
        const rows = await listPartition<{ deleted?: boolean }>(table, partitionOf(where), {
          from: keys[0],
          extraFilter: `RowKey le ${q(keys[keys.length - 1] ?? '')} and (${keys.map((k) => `RowKey eq ${q(k)}`).join(' or ')})`,
        });
        return new Set(rows.filter((r) => !r.deleted && r.rowKey).map((r) => (r.rowKey ?? '').slice(storyRowKey('').length)));
      },
      async saveAnswer(where, input) {
        const result = await stories.captureStory({
          where: { tenantId: where.tenantId, spaceId: where.spaceId },
          conversationId: where.conversationId,
          text: input.text,
          teller: input.teller,
          capturedBy: input.savedBy,
          chosenTags: input.themes.map(normaliseTag),
          sourceMessageId: input.sourceId,
        });
        return { storyId: result.story.storyId, created: !result.duplicate };
      },
    },
  };
}
