import { z } from 'zod';
import { nothingToStop, type Feature } from '../feature';
import { helpCard } from './cards';

export const helpFeature: Feature = {
  name: 'help',
  tables: [],
  create({ door }) {
    door.command({
      name: 'help',
      aliases: ['?'],
      usage: 'help',
      summary: 'Show this list.',
      group: 'Getting started',
      async handle(turn, _args, reply) {
        await reply.card(helpCard(door.commands(turn.conversationType), turn.conversationType));
      },
    });
    // The welcome card's "Show help" button (Action.Submit).
    door.cardSubmit({
      verb: 'help',
      schema: z.object({ verb: z.literal('help') }).passthrough(),
      async handle(turn, _data, reply) {
        await reply.card(helpCard(door.commands(turn.conversationType), turn.conversationType));
      },
    });
    return nothingToStop;
  },
};
