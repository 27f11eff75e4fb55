import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Feature, FeatureHost } from '../feature';
import { referenceOf, turnOf, type Turn } from '../../teams/turn';
import { turnLogger } from '../../teams/middleware';
import { welcomeCard } from '../help/cards';
import { ConversationRepo, CONVERSATIONS_TABLE } from './repo';

const installationValue = z.object({ action: z.string().optional() }).passthrough();
const channelDataSchema = z.object({ eventType: z.string().optional(), team: z.object({ id: z.string() }).optional() }).passthrough();

/**
 * Keeps the registry of conversations the bot is in: install and uninstall events, and every
 * conversation that talks to the bot (so an existing install is known after a data reset).
 */
export const conversationsFeature: Feature = {
  name: 'conversations',
  tables: [CONVERSATIONS_TABLE],
  register(host) {
    const repo = new ConversationRepo(host.store.table(CONVERSATIONS_TABLE));
    const known = new Set<string>();

    const recordActive = async (context: TurnContext, turn: Turn, claimWelcome: boolean): Promise<boolean> => {
      const welcome = await repo.recordActive(
        { tenantId: turn.tenantId, conversationId: turn.conversationId, conversationType: turn.conversationType, teamId: turn.teamId, reference: referenceOf(context) },
        host.clock.now(),
        claimWelcome,
      );
      known.add(`${turn.tenantId}|${turn.conversationId}`);
      return welcome;
    };

    const installed = async (context: TurnContext): Promise<void> => {
      const turn = turnOf(context);
      if (await recordActive(context, turn, true)) {
        await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(welcomeCard())));
        turnLogger(context, host.log).info('conversation.welcomed', { conversationType: turn.conversationType });
      }
    };

    const removed = async (context: TurnContext, reason: string): Promise<void> => {
      const turn = turnOf(context);
      const channelData = channelDataSchema.safeParse(context.activity.channelData ?? {});
      const teamId = channelData.success ? channelData.data.team?.id : undefined;
      const now = host.clock.now();
      const ids = teamId
        ? await repo.markTeamRemoved(turn.tenantId, teamId, reason, now)
        : (await repo.markRemoved(turn.tenantId, turn.conversationId, reason, now), [turn.conversationId]);
      for (const id of ids) known.delete(`${turn.tenantId}|${id}`);
      await host.events.emit('conversationRemoved', { tenantId: turn.tenantId, conversationIds: ids, reason });
      turnLogger(context, host.log).info('conversation.removed', { count: ids.length, reason });
    };

    host.app.activity(ActivityTypes.ConversationUpdate, async (context) => {
      const a = context.activity;
      const botId = a.recipient?.id;
      if (a.membersAdded?.some((m) => m.id === botId)) await installed(context);
      else if (a.membersRemoved?.some((m) => m.id === botId)) await removed(context, 'bot removed');
    });

    host.app.activity(ActivityTypes.InstallationUpdate, async (context) => {
      const value = installationValue.safeParse(context.activity.value ?? {});
      const action = (value.success ? value.data.action : undefined) ?? context.activity.action ?? '';
      if (action.startsWith('add')) await installed(context);
      else if (action.startsWith('remove')) await removed(context, 'app uninstalled');
    });

    // Any message or card action: make sure the conversation is registered (once per process).
    host.app.turn('beforeTurn', async (context) => {
      const t = context.activity.type;
      if (t !== ActivityTypes.Message && t !== ActivityTypes.Invoke) return true;
      const turn = turnOf(context);
      if (!known.has(`${turn.tenantId}|${turn.conversationId}`)) await recordActive(context, turn, false);
      return true;
    });
  },
};

export function conversationRepo(host: Pick<FeatureHost, 'store'>): ConversationRepo {
  return new ConversationRepo(host.store.table(CONVERSATIONS_TABLE));
}
