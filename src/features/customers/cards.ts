import { card, type AdaptiveCard, type CardElement } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import type { CustomerView } from './service';
import { customerStrings as s } from './strings';

/** Typed card builders for customers: pure functions of the service's views. */
export interface ValuedStoryShown {
  valueText: string;
  story?: { text: string; tellerName: string };
}

export function customerCard(view: CustomerView, valued: readonly ValuedStoryShown[]): AdaptiveCard {
  const c = view.customer;
  const body: CardElement[] = [
    { type: 'TextBlock', text: s.cardKicker, isSubtle: true, size: 'Small', wrap: true },
    { type: 'TextBlock', text: safeLine(c.name, 100), size: 'Large', weight: 'Bolder', wrap: true, spacing: 'None' },
  ];
  if (view.drifting) body.push({ type: 'TextBlock', text: s.drifting(view.daysSinceTouch ?? 0), color: 'Attention', weight: 'Bolder', wrap: true });
  body.push({
    type: 'FactSet',
    facts: [
      { title: s.domains, value: safeLine(c.domains.join(', '), 400) },
      ...(c.crmId ? [{ title: s.crm, value: safeLine(c.crmId, 64) }] : []),
      { title: s.stories, value: String(c.stories) },
      { title: s.questions, value: String(c.questions) },
      { title: s.callsAttended, value: String(c.callsAttended) },
      { title: s.activePeople, value: String(view.activePeople) },
      { title: s.lastActivity, value: c.lastTouchAt ? `${new Date(c.lastTouchAt).toISOString().slice(0, 10)} (${s.lastTouch(view.daysSinceTouch ?? 0)})` : s.never },
    ],
  });
  body.push({ type: 'TextBlock', text: s.champions, weight: 'Bolder', separator: true, spacing: 'Medium', wrap: true });
  if (!view.champions.length) body.push({ type: 'TextBlock', text: s.noChampions, isSubtle: true, wrap: true });
  else body.push({ type: 'FactSet', facts: view.champions.map((ch) => ({ title: safeLine(ch.name, 80), value: s.championLine(ch.contributions) })) });
  body.push({ type: 'TextBlock', text: s.valued, weight: 'Bolder', separator: true, spacing: 'Medium', wrap: true });
  if (!valued.length) body.push({ type: 'TextBlock', text: s.noValued, isSubtle: true, wrap: true });
  for (const v of valued) {
    body.push({
      type: 'Container',
      spacing: 'Small',
      items: [
        { type: 'TextBlock', text: `**${safeLine(v.valueText, 120)}**`, wrap: true },
        ...(v.story
          ? [
              { type: 'TextBlock' as const, text: safeText(v.story.text, 200), wrap: true, maxLines: 2, spacing: 'None' as const },
              { type: 'TextBlock' as const, text: safeLine(v.story.tellerName, 80), isSubtle: true, size: 'Small' as const, spacing: 'None' as const },
            ]
          : []),
      ],
    });
  }
  return card(body);
}

export function customersCard(views: readonly CustomerView[]): AdaptiveCard {
  const body: CardElement[] = [{ type: 'TextBlock', text: s.listTitle, size: 'Large', weight: 'Bolder', wrap: true }];
  if (!views.length) body.push({ type: 'TextBlock', text: s.listEmpty, wrap: true });
  for (const v of views.slice(0, 50)) {
    const touch = v.daysSinceTouch === undefined ? s.neverTouched : s.lastTouch(v.daysSinceTouch);
    body.push({
      type: 'FactSet',
      spacing: 'Small',
      facts: [{ title: `${safeLine(v.customer.name, 60)}${v.drifting ? ` (${s.driftingTag})` : ''}`, value: s.listLine(v.customer.stories, v.activePeople, touch, v.customer.questions, v.customer.callsAttended) }],
    });
  }
  return card(body);
}
