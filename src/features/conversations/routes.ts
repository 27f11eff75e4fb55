import { nothingToStop, type Feature, type FeatureHost } from '../feature';
import type { Turn } from '../../teams/door';
import { welcomeCard } from '../help/cards';
import { ConversationRepo, CONVERSATIONS_TABLE } from './repo';

/**
 * Keeps the registry of conversations the bot is in: install and uninstall events, and every
 * conversation that talks to the bot (so an existing install is known after a data reset).
 */
export const conversationsFeature: Feature = {
  name: 'conversations',
  tables: [CONVERSATIONS_TABLE],
  create(host) {
    const { door } = host;
    const repo = new ConversationRepo(host.store.table(CONVERSATIONS_TABLE));
    const known = new Set<string>();

    const recordActive = async (turn: Turn, claimWelcome: boolean): Promise<boolean> => {
      const welcome = await repo.recordActive(
        { tenantId: turn.tenantId, conversationId: turn.conversationId, conversationType: turn.conversationType, teamId: turn.teamId, reference: turn.reference },
        host.clock.now(),
        claimWelcome,
      );
      known.add(`${turn.tenantId}|${turn.conversationId}`);
      return welcome;
    };

    door.on('installed', async (turn, reply) => {
      if (await recordActive(turn, true)) {
        await reply.card(welcomeCard());
        reply.log.info('conversation.welcomed', { conversationType: turn.conversationType });
      }
    });

    door.on('removed', async (turn, { teamId, reason }, reply) => {
      const now = host.clock.now();
      const ids = teamId
        ? await repo.markTeamRemoved(turn.tenantId, teamId, reason, now)
        : (await repo.markRemoved(turn.tenantId, turn.conversationId, reason, now), [turn.conversationId]);
      for (const id of ids) known.delete(`${turn.tenantId}|${id}`);
      await host.events.emit('conversationRemoved', { tenantId: turn.tenantId, conversationIds: ids, reason });
      reply.log.info('conversation.removed', { count: ids.length, reason });
    });

    // Any message or card action: make sure the conversation is registered (once per process).
    door.on('active', async (turn) => {
      if (!known.has(`${turn.tenantId}|${turn.conversationId}`)) await recordActive(turn, false);
    });
    return nothingToStop;
  },
};

export function conversationRepo(host: Pick<FeatureHost, 'store'>): ConversationRepo {
  return new ConversationRepo(host.store.table(CONVERSATIONS_TABLE));
}
