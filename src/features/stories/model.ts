/** What a story is, in plain values (no Teams or storage types). */
import type { Person } from '../../people/model';

export type { Person, Space } from '../../people/model';

export interface Story {
  /** Newest-first sortable id: 13 digits of inverted time, '-', 8 hex characters. */
  storyId: string;
  tenantId: string;
  spaceId: string;
  /** Where it was captured (the channel or chat). */
  conversationId: string;
  text: string;
  teller: Person;
  capturedBy: Person;
  customer?: string;
  /** Automatic themes the person kept (taxonomy ids). */
  themes: string[];
  /** Other tags (hashtags, edits). */
  tags: string[];
  /** Who pressed "Inspiring" (user ids). */
  endorsers: string[];
  createdAt: Date;
  sourceMessageId?: string;
  /** Teams deep link to the source message (https://teams.microsoft.com/... only). */
  sourceLink?: string;
  /** Lemmas of text and tags, space separated, computed at capture for the library search. */
  terms: string;
}

/** What the digest (and other readers) get: plain values, stable. */
export interface StorySummary {
  storyId: string;
  text: string;
  tellerName: string;
  tellerId: string;
  customer?: string;
  themes: string[];
  tags: string[];
  endorsements: number;
  createdAt: Date;
  conversationId: string;
}

export function summaryOf(s: Story): StorySummary {
  return {
    storyId: s.storyId,
    text: s.text,
    tellerName: s.teller.userName,
    tellerId: s.teller.userId,
    ...(s.customer ? { customer: s.customer } : {}),
    themes: [...s.themes],
    tags: [...s.tags],
    endorsements: s.endorsers.length,
    createdAt: s.createdAt,
    conversationId: s.conversationId,
  };
}

/** Themes first, then the other tags, without repeats: what the card shows. */
export function allTags(s: Pick<Story, 'themes' | 'tags'>): string[] {
  return [...new Set([...s.themes, ...s.tags])];
}

export const STORY_ID = /^\d{13}-[0-9a-f]{8}$/;
