import type { Activity, ConversationReference, ResourceResponse } from 'botbuilder';
import type { CloudAdapter } from 'botbuilder';

/**
 * Posting outside a turn (scheduled digests, coalesced card updates, automatic agendas).
 * Services get this interface, not the adapter.
 */
export interface Proactive {
  send(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<ResourceResponse | undefined>;
  update(reference: Partial<ConversationReference>, activityId: string, activity: Partial<Activity>): Promise<void>;
}

export function createProactive(adapter: CloudAdapter, botAppId: string): Proactive {
  return {
    async send(reference, activity) {
      let response: ResourceResponse | undefined;
      await adapter.continueConversationAsync(botAppId, reference, async (ctx) => {
        response = await ctx.sendActivity(activity);
      });
      return response;
    },
    async update(reference, activityId, activity) {
      await adapter.continueConversationAsync(botAppId, reference, async (ctx) => {
        await ctx.updateActivity({ ...activity, id: activityId });
      });
    },
  };
}
