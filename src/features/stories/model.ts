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
  /** Who may see it: this team only (the default), every team of the tenant, or outside (consent given). */
  visibility?: Visibility;
  /** Saved anonymised: everyone but the teller and the organizers sees `standIn` instead of the teller and customer. */
  anonymous?: { standIn: string };
  /** The latest request to retell the story, and its answer. */
  consent?: Consent;
  /** How many times it was retold in another conversation ("Retell in..."). */
  retellings?: number;
  /** A retelling: where the original is. */
  retoldFrom?: { spaceId: string; storyId: string; conversationId: string };
  /** When its text was last edited (the card says "(edited)"). */
  editedAt?: Date;
  /** The tags were chosen by a person (the dialog, "Edit tags"): an edit of the text keeps them. */
  tagsByHand?: boolean;
  /** An edit of the text withdrew an approval to retell (the approval was for the exact text). */
  approvalWithdrawnAt?: Date;
}

export const VISIBILITIES = ['team', 'network', 'outside'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const visibilityOf = (s: Pick<Story, 'visibility'>): Visibility => s.visibility ?? 'team';

/**
 * A request to retell a story: sent to `contact` (the teller, or a named customer contact), with
 * the exact text they are asked about and the intended use. `requestId` names this request: a
 * button from an older request (or one the bot never sent) is refused.
 */
export interface Consent {
  requestId: string;
  state: 'asked' | 'approved' | 'declined';
  contact: Person;
  requester: Person;
  use: string;
  askedAt: Date;
  answeredAt?: Date;
  /** The requester's conversation, to tell them the answer (a stored reference, opaque here). */
  requesterRef?: string;
}

export const isApproved = (s: Pick<Story, 'consent'>): boolean => s.consent?.state === 'approved';

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
  /** Optional so readers' fixtures written before them still type; summaryOf always sets them. */
  visibility?: Visibility;
  anonymous?: boolean;
  approved?: boolean;
  /** Another team's network-visible story (the network index), shown as such. */
  spaceId?: string;
}

/** The name shown for an anonymous story's teller (never the person's). */
export const ANONYMOUS_TELLER = 'Anonymous';

/**
 * The summary other rooms read (digest, exports, insights): an anonymous story's teller and
 * customer are replaced by the stand-in, here, once, so no reader can show them by mistake.
 */
export function summaryOf(s: Story): StorySummary {
  return {
    storyId: s.storyId,
    text: s.text,
    tellerName: s.anonymous ? ANONYMOUS_TELLER : s.teller.userName,
    tellerId: s.anonymous ? '' : s.teller.userId,
    ...(s.anonymous ? { customer: s.anonymous.standIn } : s.customer ? { customer: s.customer } : {}),
    visibility: visibilityOf(s),
    anonymous: Boolean(s.anonymous),
    approved: isApproved(s),
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
