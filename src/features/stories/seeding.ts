import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/tables';
import { normaliseForComparison } from '../../teams/text';
import { queryTerms } from './library';
import { summaryOf, type Story, type StorySummary } from './model';
import { MAX_STORY_LENGTH } from './parse';
import { newStoryId, StoriesRepo, STORIES_TABLE } from './repo';
import { termsOf, textHashOf } from './storyText';
import { defaultThemesOf } from '../../themes';
import { lemmasOf } from './themes';

/**
 * Bulk insert of stories for benchmarks and tests (not a use case of the product): in
 * transactions of 100, indexes included, with the default taxonomy's themes unless given.
 */
export interface SeedStory {
  text: string;
  tellerId: string;
  tellerName: string;
  customer?: string;
  /** Defaults to the automatic themes of the default taxonomy. */
  themes?: string[];
  tags?: string[];
  endorsers?: string[];
  createdAt: Date;
  conversationId?: string;
}

export async function seedStories(store: Store, tenantId: string, spaceId: string, stories: readonly SeedStory[]): Promise<StorySummary[]> {
  const where = { tenantId, spaceId };
  const built = stories.map((x) => {
    const lemmas = x.themes && x.tags ? [] : lemmasOf(x.text);
    const themes = x.themes ?? defaultThemesOf(x.text);
    const tags = x.tags ?? [];
    const story: Story = {
      storyId: newStoryId(x.createdAt, randomBytes(4).toString('hex')),
      tenantId,
      spaceId,
      conversationId: x.conversationId ?? spaceId,
      text: x.text.slice(0, MAX_STORY_LENGTH),
      teller: { userId: x.tellerId, userName: x.tellerName },
      capturedBy: { userId: x.tellerId, userName: x.tellerName },
      ...(x.customer ? { customer: x.customer } : {}),
      themes,
      tags,
      endorsers: x.endorsers ?? [],
      createdAt: x.createdAt,
      terms: lemmas.length ? termsOf(lemmas, [...themes, ...tags], x.customer) : queryTerms(normaliseForComparison(`${x.text} ${[...themes, ...tags].join(' ')}`).split(' ')).join(' '),
    };
    return { story, textHash: textHashOf(story.text) };
  });
  await new StoriesRepo(store.table(STORIES_TABLE)).seed(where, built);
  return built.map((b) => summaryOf(b.story));
}
