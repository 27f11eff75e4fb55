import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../../cards/types';
import { sendInvokeResponse } from '../../teams/replies';
import type { Turn } from '../../teams/turn';
import { errorFields } from '../../log';
import { turnLogger } from '../../teams/middleware';
import type { FeatureHost } from '../feature';
import type { StoriesService } from './service';
import type { Person, Space, Story } from './model';
import type { Contribution } from '../../teams/events';
import { storyStrings as s } from './strings';

/** Small bridges between a Teams turn and the stories service's plain values. */
export const spaceOf = (turn: Turn): Space => ({ tenantId: turn.tenantId, spaceId: turn.spaceId });
export const personOf = (turn: Turn): Person => ({ userId: turn.userId, userName: turn.userName });
export const cardMessage = (c: AdaptiveCard, text?: string) => ({ ...MessageFactory.attachment(CardFactory.adaptiveCard(c)), ...(text ? { text } : {}) });

/** Tells insights a story was told (themes, customer, stated value) or found inspiring. */
export async function storyContributed(host: Pick<FeatureHost, 'events' | 'clock'>, story: Story, who: Person, kind: 'story' | 'endorse', value?: Contribution['value']): Promise<void> {
  const base = { tenantId: story.tenantId, spaceId: story.spaceId, personId: who.userId, name: who.userName, kind, at: host.clock.now(), story: { storyId: story.storyId } };
  await host.events.emit('contributed', kind === 'story' ? { ...base, story: { storyId: story.storyId, text: story.text, tellerName: story.teller.userName }, themes: story.themes, ...(story.customer ? { customer: story.customer } : {}), ...(value ? { value } : {}) } : base);
}

/** A card action or dialog submit whose data is not what the bot sent: 400, nothing changed. */
export async function refuseBadRequest(context: TurnContext): Promise<void> {
  await sendInvokeResponse(context, 400, { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: s.badRequest } });
}


/**
 * Contributions are bookkeeping for the digest: if writing one fails, the story (or the
 * endorsement) is still saved and shown, so the failure is logged, never turned into "nothing was saved".
 */
export async function recordTelling(context: TurnContext, host: Pick<FeatureHost, 'log'>, service: StoriesService, where: Space, teller: Person): Promise<void> {
  await recordContribution(context, host, () => service.recordTelling(where, teller));
}

export async function recordContribution(context: TurnContext, host: Pick<FeatureHost, 'log'>, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    turnLogger(context, host.log).warn('story.contribution_failed', errorFields(err));
  }
}
