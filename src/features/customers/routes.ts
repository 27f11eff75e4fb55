import type { AdaptiveCard } from '../../cards/types';
import { errorFields } from '../../log';
import type { Command } from '../../teams/commands';
import { tell } from '../../teams/replies';
import type { Turn } from '../../teams/turn';
import type { Feature } from '../feature';
import { StoriesService } from '../stories/service';
import { customerCard, customersCard } from './cards';
import { CUSTOMERS_TABLE, CUSTOMER_DOMAINS_TABLE } from './repo';
import { CustomersService, parseCustomerAdd } from './service';
import { customerStrings as s } from './strings';

/**
 * Customers in Teams: `customer add ...`, `customer <name>`, `customers`, and the activity kept
 * from `contributed` events. Handlers take (turn, args, reply) so they move to the edge's door unchanged.
 */
interface Reply {
  text(text: string): Promise<unknown>;
  card(card: AdaptiveCard): Promise<unknown>;
}

/** The turn as the current edge hands it over (no SDK import here: only src/teams/ knows the SDK). */
type Context = Parameters<Command['handle']>[0];

const replyOf = (context: Context): Reply => ({
  text: (text) => tell(context, text),
  card: (c) => context.sendActivity({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: c }] }),
});

export const customersFeature: Feature = {
  name: 'customers',
  tables: [CUSTOMERS_TABLE, CUSTOMER_DOMAINS_TABLE],
  register(host) {
    const service = new CustomersService(host.store, host.clock);
    const stories = new StoriesService(host.store, host.clock);
    const space = (turn: Turn) => ({ tenantId: turn.tenantId, spaceId: turn.spaceId });

    host.events.on('contributed', async (c) => {
      try {
        await service.record(c);
      } catch (err) {
        host.log.warn('customers.count_failed', { kind: c.kind, ...errorFields(err) });
      }
    });

    const customer = async (turn: Turn, args: string, reply: Reply): Promise<void> => {
      const m = /^(\S*)\s*([\s\S]*)$/.exec(args.trim());
      if (!args.trim()) return void (await reply.text(s.usage));
      if ((m?.[1] ?? '').toLowerCase() === 'add') {
        const { customer: c, created } = await service.add(space(turn), parseCustomerAdd(m?.[2] ?? ''));
        return void (await reply.text(created ? s.added(c.name, c.domains) : s.updated(c.name, c.domains)));
      }
      const view = await service.show(space(turn), args);
      // Stories deleted since are left out: their value goes with them.
      const valued = (
        await Promise.all(
          view.customer.valued.slice(0, 5).map(async (v) => {
            const story = await stories.getStory(space(turn), v.storyId);
            return story && { valueText: v.text, story: { text: story.text, tellerName: story.teller.userName } };
          }),
        )
      ).filter((v) => v !== undefined);
      await reply.card(customerCard(view, valued));
    };

    host.commands.add({
      name: 'customer',
      usage: s.customerUsage,
      summary: s.customerSummary,
      group: s.group,
      scopes: ['channel', 'groupChat'],
      handle: (context, turn, args) => customer(turn, args, replyOf(context)),
    });
    host.commands.add({
      name: 'customers',
      usage: s.customersUsage,
      summary: s.customersSummary,
      group: s.group,
      scopes: ['channel', 'groupChat'],
      handle: async (context, turn) => void (await replyOf(context).card(customersCard(await service.list(space(turn))))),
    });
  },
};
