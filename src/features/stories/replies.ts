import type { Reply, Turn } from '../../teams/door';
import { errorFields } from '../../log';
import { ANONYMOUS_TELLER, type Person, type Space, type Story } from './model';
import type { Contribution } from '../../teams/events';
import type { FeatureHost } from '../feature';

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

/** Tells insights a story was told (themes, customer, stated value) or found inspiring. */
export async function storyContributed(host: Pick<FeatureHost, 'events' | 'clock'>, story: Story, who: Person, kind: 'story' | 'endorse', value?: Contribution['value']): Promise<void> {
  const base = { tenantId: story.tenantId, spaceId: story.spaceId, personId: who.userId, name: who.userName, kind, at: host.clock.now(), story: { storyId: story.storyId } };
  // An anonymous story names no teller and no customer to other rooms (who knows, customers).
  const told = story.anonymous
    ? { ...base, anonymous: true, story: { storyId: story.storyId, text: story.text, tellerName: ANONYMOUS_TELLER }, themes: story.themes, ...(value ? { value } : {}) }
    : { ...base, story: { storyId: story.storyId, text: story.text, tellerName: story.teller.userName }, themes: story.themes, ...(story.customer ? { customer: story.customer } : {}), ...(value ? { value } : {}) };
  await host.events.emit('contributed', kind === 'story' ? told : base);
}
