import type { Activity, ConversationReference, ResourceResponse, TurnContext } from 'botbuilder';
import type { CloudAdapter } from 'botbuilder';

/**
 * Posting outside a turn (coalesced card updates, automatic agendas).
 * Services get this interface, not the adapter.
 *
 * A failure is thrown back to the caller. Inside continueConversationAsync an error would
 * otherwise go to the adapter's onTurnError, which answers "something went wrong" into the
 * conversation: from a background job that would post an apology nobody asked for, and the
 * job would never learn that its post failed.
 */
export interface Proactive {
  send(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<ResourceResponse | undefined>;
  update(reference: Partial<ConversationReference>, activityId: string, activity: Partial<Activity>): Promise<void>;
}

export function createProactive(adapter: CloudAdapter, botAppId: string): Proactive {
  const run = async <T>(reference: Partial<ConversationReference>, work: (ctx: TurnContext) => Promise<T>): Promise<T | undefined> => {
    let result: T | undefined;
    let failure: { error: unknown } | undefined;
    await adapter.continueConversationAsync(botAppId, reference, async (ctx) => {
      try {
        result = await work(ctx);
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
    return result;
  };
  return {
    async send(reference, activity) {
      return run(reference, (ctx) => ctx.sendActivity(activity));
    },
    async update(reference, activityId, activity) {
      await run(reference, async (ctx) => {
        await ctx.updateActivity({ ...activity, id: activityId });
      });
    },
  };
}
