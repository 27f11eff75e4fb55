import { card, type AdaptiveCard, type CardElement } from '../../cards/types';
import type { Command, ConversationType } from '../../teams/door';
import { helpStrings as s } from './strings';

export function helpCard(commands: readonly Command[], scope: ConversationType): AdaptiveCard {
  const groups = new Map<string, Command[]>();
  for (const c of commands) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  const sections: CardElement[] = [];
  for (const [group, list] of groups) {
    sections.push({ type: 'TextBlock', text: group, weight: 'Bolder', spacing: 'Medium', wrap: true });
    sections.push({ type: 'FactSet', facts: list.map((c) => ({ title: c.usage, value: c.summary })) });
  }
  return card([
    { type: 'TextBlock', text: s.title, size: 'Large', weight: 'Bolder', wrap: true },
    { type: 'TextBlock', text: s.tagline, wrap: true, isSubtle: true },
    { type: 'TextBlock', text: s.commandsHeading, weight: 'Bolder', spacing: 'Medium', wrap: true },
    { type: 'TextBlock', text: scope === 'personal' ? s.personalHint : s.mentionHint, wrap: true, isSubtle: true, spacing: 'None' },
    ...sections,
  ]);
}

export function welcomeCard(): AdaptiveCard {
  return card(
    [
      { type: 'TextBlock', text: s.welcomeTitle, size: 'Medium', weight: 'Bolder', wrap: true },
      { type: 'TextBlock', text: s.welcomeBody, wrap: true },
      { type: 'TextBlock', text: s.welcomeTry, wrap: true, isSubtle: true },
    ],
    [{ type: 'Action.Submit', title: s.helpButton, data: { verb: 'help' } }],
  );
}
