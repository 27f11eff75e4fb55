import { CardFactory, MessageFactory } from 'botbuilder';
import type { Feature } from '../feature';
import { turnOf } from '../../teams/turn';
import { helpCard } from './cards';

export const helpFeature: Feature = {
  name: 'help',
  tables: [],
  register({ app, commands }) {
    commands.add({
      name: 'help',
      aliases: ['?'],
      usage: 'help',
      summary: 'Show this list.',
      group: 'Getting started',
      async handle(context, turn) {
        await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(commands.list(turn.conversationType), turn.conversationType))));
      },
    });
    // The welcome card's "Show help" button.
    app.adaptiveCards.actionSubmit('help', async (context) => {
      const turn = turnOf(context);
      await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(commands.list(turn.conversationType), turn.conversationType))));
    });
  },
};
