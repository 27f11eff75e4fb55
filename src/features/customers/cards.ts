import { card, type AdaptiveCard, type CardElement } from '../../cards/types';
import { cardHeader, sectionHeading, text } from '../../cards/layout';
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
  const body: CardElement[] = cardHeader(s.cardKicker, safeLine(c.name, 100));
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
  body.push(sectionHeading(s.champions));
  if (!view.champions.length) body.push({ type: 'TextBlock', text: s.noChampions, isSubtle: true, wrap: true });
  else body.push({ type: 'FactSet', facts: view.champions.map((ch) => ({ title: safeLine(ch.name, 80), value: s.championLine(ch.contributions) })) });
  body.push(sectionHeading(s.valued));
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
  const drifting = views.filter((v) => v.drifting).length;
  const body: CardElement[] = cardHeader(s.listKicker, s.listTitle, views.length ? s.listSubtitle(views.length, drifting) : undefined);
  if (!views.length) body.push(text(s.listEmpty));
  for (const [i, v] of views.slice(0, 50).entries()) {
    const touch = v.daysSinceTouch === undefined ? s.neverTouched : s.lastTouchLine(s.lastTouch(v.daysSinceTouch));
    body.push({
      type: 'Container',
      spacing: 'Medium',
      separator: i > 0,
      items: [
        text(`**${safeLine(v.customer.name, 60)}**${v.drifting ? ` · ${s.driftingTag}` : ''}`, { ...(v.drifting ? { color: 'Attention' as const } : {}) }),
        text(s.listLine(v.customer.stories, v.activePeople, touch, v.customer.questions, v.customer.callsAttended), { isSubtle: true, spacing: 'None' }),
      ],
    });
  }
  return card(body);
}
