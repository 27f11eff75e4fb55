import { errorFields } from '../../log';
import type { Reply, Turn } from '../../teams/door';
import { nothingToStop, type Feature, type FeatureHost } from '../feature';
import { StoriesService } from '../stories/service';
import { summaryOf } from '../stories/model';
import { customerCard, customersCard } from './cards';
import { CUSTOMERS_TABLE, CUSTOMER_DOMAINS_TABLE } from './repo';
import { CUSTOMER_PEOPLE_TABLE } from './matches';
import { ConversationRepo, CONVERSATIONS_TABLE } from '../conversations/repo';
import type { ConversationRef } from '../../teams/door';
import { CustomersService, parseCustomerAdd } from './service';
import { customerStrings as s } from './strings';

/**
 * Customers in Teams: `customer add ...`, `customer <name>`, `customers`, and the activity kept
 * from `contributed` events. Handlers take (turn, args, reply) so they move to the edge's door unchanged.
 */

const runtimes = new WeakMap<FeatureHost, CustomersService>();
/** The service of a running bot (tests read its matcher's roster count). */
export function customersOf(host: FeatureHost): CustomersService | undefined {
  return runtimes.get(host);
}

export const customersFeature: Feature = {
  name: 'customers',
  tables: [CUSTOMERS_TABLE, CUSTOMER_DOMAINS_TABLE, CUSTOMER_PEOPLE_TABLE],
  create(host) {
    const { door } = host;
    // Where to read a space's roster: the conversation of the space last seen in a turn (kept
    // in memory from every turn), else the registry's row for the space itself (a team's
    // General channel has the team's id; a chat is its own space).
    const seen = new Map<string, ConversationRef>();
    const conversations = new ConversationRepo(host.store.table(CONVERSATIONS_TABLE));
    door.on('active', async (turn) => {
      if (seen.size > 10_000) seen.clear();
      seen.set(`${turn.tenantId}|${turn.spaceId}`, turn.reference);
    });
    const service = new CustomersService(host.store, host.clock, {
      referenceOf: async (where) => seen.get(`${where.tenantId}|${where.spaceId}`) ?? (await conversations.get(where.tenantId, where.spaceId))?.reference,
      members: (ref) => host.poster.members(ref),
    });
    runtimes.set(host, service);
    const stories = new StoriesService(host.store, host.clock);
    const space = (turn: Turn) => ({ tenantId: turn.tenantId, spaceId: turn.spaceId });

    // Counted within the turn (measured: counting beside the reply left the capture turn's
    // storage requests racing the next turn's under load); a space with no customer costs one
    // query a minute, a person is looked up in the roster once. A miss is logged, not shown.
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
      // `customer Contoso Ltd add @Eve` / `remove @Eve`: the name is the words before add/remove.
      const hand = /^(.+?)\s+(add|remove)(?:\s|$)/i.exec(args.trim());
      if (hand?.[1] && hand[2]) {
        const on = hand[2].toLowerCase() === 'add';
        const people = turn.mentions.map((p) => ({ userId: p.userId, userName: p.userName }));
        const { customer: c, changed, unchanged } = await service.matchByHand(space(turn), hand[1], people, on);
        const lines = [changed.length ? (on ? s.matched(changed, c.name) : s.unmatched(changed, c.name)) : '', unchanged.length ? s.notMatched(unchanged, c.name) : ''];
        return void (await reply.text(lines.filter(Boolean).join(' ')));
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
