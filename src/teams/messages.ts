import { ActivityTypes, CardFactory, type Activity } from 'botbuilder';
import type { OutMessage } from './door';

/** The one card-to-message helper: what the features' OutMessage becomes on the wire. */
export function toActivity(message: OutMessage): Partial<Activity> {
  const out: Partial<Activity> = { type: ActivityTypes.Message };
  if (message.text !== undefined) {
    out.text = message.text;
    if (!message.card) out.textFormat = 'plain';
  }
  if (message.mentions?.length) out.entities = message.mentions;
  if (message.card) out.attachments = [CardFactory.adaptiveCard(message.card)];
  return out;
}
