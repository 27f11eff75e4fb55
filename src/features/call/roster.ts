import type { ConversationKey } from '../../people/model';
import type { Poster, RosterMember } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import type { RosterOf } from './notes';

/**
 * Who is in a conversation, through the door's members lookup, cached for a few minutes per
 * conversation (the running note is rebuilt on every update; the roster rarely changes).
 * Concurrent readers share one lookup.
 */
const TTL_MS = 5 * 60_000;

export function cachedRoster(poster: Poster): RosterOf {
  const cache = new Map<string, { at: number; members: Promise<RosterMember[]> }>();
  return async (where: ConversationKey, referenceJson: string, fresh = false) => {
    const k = `${where.tenantId}|${where.conversationId}`;
    const hit = cache.get(k);
    if (hit && !fresh && Date.now() - hit.at < TTL_MS) return hit.members;
    const ref = parseReference(referenceJson);
    if (!ref) throw new Error('stored conversation reference is not readable');
    const members = poster.members(ref);
    if (cache.size > 5000) cache.clear();
    cache.set(k, { at: Date.now(), members });
    members.catch(() => cache.delete(k));
    return members;
  };
}
