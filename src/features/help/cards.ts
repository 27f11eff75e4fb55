import { cardHeader, sectionHeading, text } from '../../cards/layout';
import { card, type AdaptiveCard, type CardElement } from '../../cards/types';
import type { Command, ConversationType } from '../../teams/door';
import { helpStrings as s } from './strings';

export function helpCard(commands: readonly Command[], scope: ConversationType): AdaptiveCard {
  const groups = new Map<string, Command[]>();
  for (const c of commands) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  const sections: CardElement[] = [];
  for (const [group, list] of groups) {
    sections.push(sectionHeading(group));
    sections.push({ type: 'FactSet', facts: list.map((c) => ({ title: c.usage, value: c.summary })) });
  }
  return card([
    ...cardHeader(s.helpKicker, s.title, s.tagline),
    text(s.commandsHeading, { weight: 'Bolder', spacing: 'Medium' }),
    text(scope === 'personal' ? s.personalHint : s.mentionHint, { isSubtle: true, spacing: 'None' }),
    ...sections,
  ]);
}

export function welcomeCard(): AdaptiveCard {
  return card(
    [
      ...cardHeader(s.welcomeKicker, s.welcomeTitle),
      text(s.welcomeBody),
      text(s.welcomeTry, { isSubtle: true }),
    ],
    [{ type: 'Action.Submit', title: s.helpButton, data: { verb: 'help' } }],
  );
}
