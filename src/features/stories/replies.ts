import type { Reply, Turn } from '../../teams/door';
import { errorFields } from '../../log';
import type { Person, Space } from './model';

/** Small bridges between a turn and the stories service's plain values. */
export const spaceOf = (turn: Turn): Space => ({ tenantId: turn.tenantId, spaceId: turn.spaceId });
export const personOf = (turn: Turn): Person => ({ userId: turn.userId, userName: turn.userName });

/**
 * Contributions are bookkeeping for the digest: if writing one fails, the story (or the
 * endorsement) is still saved and shown, so the failure is logged, never turned into "nothing was saved".
 */
export async function recordContribution(reply: Pick<Reply, 'log'>, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    reply.log.warn('story.contribution_failed', errorFields(err));
  }
}
