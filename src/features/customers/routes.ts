import { errorFields } from '../../log';
import type { Reply, Turn } from '../../teams/door';
import { nothingToStop, type Feature } from '../feature';
import { StoriesService } from '../stories/service';
import { summaryOf } from '../stories/model';
import { customerCard, customersCard } from './cards';
import { CUSTOMERS_TABLE, CUSTOMER_DOMAINS_TABLE } from './repo';
import { CustomersService, parseCustomerAdd } from './service';
import { customerStrings as s } from './strings';

/**
 * Customers in Teams: `customer add ...`, `customer <name>`, `customers`, and the activity kept
 * from `contributed` events. Handlers take (turn, args, reply) so they move to the edge's door unchanged.
 */

export const customersFeature: Feature = {
  name: 'customers',
  tables: [CUSTOMERS_TABLE, CUSTOMER_DOMAINS_TABLE],
  create(host) {
    const { door } = host;
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
            // summaryOf: an anonymous story's teller is never named on this shared card.
            return story && { valueText: v.text, story: { text: story.text, tellerName: summaryOf(story).tellerName } };
          }),
        )
      ).filter((v) => v !== undefined);
      await reply.card(customerCard(view, valued));
    };

    door.command({
      name: 'customer',
      usage: s.customerUsage,
      summary: s.customerSummary,
      group: s.group,
      scopes: ['channel', 'groupChat'],
      handle: customer,
    });
    door.command({
      name: 'customers',
      usage: s.customersUsage,
      summary: s.customersSummary,
      group: s.group,
      scopes: ['channel', 'groupChat'],
      handle: async (turn, _args, reply) => void (await reply.card(customersCard(await service.list(space(turn))))),
    });
    return nothingToStop;
  },
};
