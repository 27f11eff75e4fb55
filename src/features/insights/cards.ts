import { card, type AdaptiveCard, type CardAction, type CardElement } from '../../cards/types';
import { cardHeader, sectionHeading } from '../../cards/layout';
import { safeLine, safeText } from '../../cards/safeText';
import type { Goal } from './goals';
import type { ValueView } from './service';
import { formatAmount } from './value';
import { pngDataUri, trendChartPng } from './chart';
import type { HealthView } from './health';
import { addDays } from './period';
import { insightStrings as s } from './strings';

/** Typed card builders: pure functions of the views the service returns. */
const heading = sectionHeading;
const line = (text: string, subtle = false): CardElement => ({ type: 'TextBlock', text, wrap: true, spacing: 'Small', ...(subtle ? { isSubtle: true, size: 'Small' as const } : {}) });

export function statsCard(view: HealthView): AdaptiveCard {
  const { period, contributors: c, counts } = view;
  const body: CardElement[] = cardHeader(s.kicker, s.statsTitle, s.periodLabel(period.name, period.current.from, addDays(period.current.to, -1), period.label));
  const anything = c.active > 0 || c.previousActive > 0;
  if (!anything) {
    body.push(line(s.quiet));
    return card(body);
  }
  body.push(heading(s.people), {
    type: 'FactSet',
    facts: [
      { title: s.peopleInAll, value: s.change(c.active, c.previousActive) },
      { title: s.newPeople, value: String(c.new) },
      { title: s.returning, value: String(c.returning) },
      { title: s.goneQuiet, value: `${c.goneQuiet} (${s.goneQuietHint})` },
    ],
  });
  const facts = [
    { title: s.stories, value: s.change(counts.stories.now, counts.stories.previous) },
    { title: s.topics, value: s.change(counts.topics.now, counts.topics.previous) },
    { title: s.votes, value: s.change(counts.votes.now, counts.votes.previous) },
    { title: s.notes, value: s.change(counts.notes.now, counts.notes.previous) },
    { title: s.endorsements, value: s.change(counts.endorsements.now, counts.endorsements.previous) },
  ];
  if (counts.attendances.now || counts.attendances.previous) facts.push({ title: s.attendances, value: s.change(counts.attendances.now, counts.attendances.previous) });
  if (counts.questions.now || counts.questions.previous) {
    facts.push({ title: s.questions, value: s.change(counts.questions.now, counts.questions.previous) });
    facts.push({ title: s.answers, value: s.change(counts.answers.now, counts.answers.previous) });
    if (view.medianFirstAnswerMinutes !== undefined) facts.push({ title: s.firstAnswer, value: s.minutes(view.medianFirstAnswerMinutes) });
  }
  body.push(heading(s.activity), { type: 'FactSet', facts });

  if (view.trend.length > 1 && view.trend.some((b) => b.people > 0 || b.stories > 0)) {
    body.push(
      heading(s.trend),
      {
        type: 'Image',
        url: pngDataUri(trendChartPng(view.trend)),
        altText: s.trendAlt(view.trend.map((b) => b.people), view.trend.map((b) => b.stories)),
        size: 'Stretch',
      },
      line(s.trendCaption(period.current.days <= 14 ? 'day' : 'week'), true),
    );
  }

  body.push(heading(s.turnout));
  if (!view.turnout.length) body.push(line(s.noCalls, true));
  for (const t of view.turnout) body.push({ type: 'FactSet', spacing: 'Small', facts: [{ title: safeLine(t.title, 60), value: s.turnoutLine(t.voted, t.noted, t.tookPart, t.present, t.firstTime) }] });

  body.push(heading(s.themes));
  if (!view.themes.length) body.push(line(s.noThemes, true));
  else body.push({ type: 'FactSet', facts: view.themes.map((t) => ({ title: `#${safeLine(t.theme, 40)}`, value: s.change(t.now, t.previous) })) });
  if (view.questionThemes.length) {
    body.push(heading(s.questionThemes), { type: 'FactSet', facts: view.questionThemes.map((t) => ({ title: `#${safeLine(t.theme, 40)}`, value: s.change(t.now, t.previous) })) });
  }
  return card(body);
}

export function valueCard(view: ValueView): AdaptiveCard {
  const { period } = view;
  const body: CardElement[] = cardHeader(s.kicker, s.valueTitle, s.periodLabel(period.name, period.current.from, addDays(period.current.to, -1), period.label));
  const actions: CardAction[] = [];
  body.push(heading(s.valueTotals));
  if (!view.totals.length) body.push(line(s.valueNone));
  else {
    body.push({
      type: 'FactSet',
      facts: view.totals.slice(0, 12).map((t) => ({ title: safeLine(t.kind, 60), value: `${formatAmount(t.now, t.unit, t.per)} (before: ${formatAmount(t.previous, t.unit, t.per)})` })),
    });
    body.push(line(s.valueBasis(view.stories, view.measured), true));
  }
  if (view.goals.length) {
    body.push(heading(s.goalProgress));
    for (const g of view.goals) {
      const reported = [g.reported ? formatAmount(g.reported, 'count', g.goal.per) : '', g.reportedPercent ? `${g.reportedPercent}%` : ''].filter(Boolean).join(' + ') || '0';
      body.push({ type: 'FactSet', spacing: 'Small', facts: [{ title: safeLine(g.goal.title, 80), value: s.goalProgressLine(g.share, reported, g.stories) }] });
    }
  }
  if (view.biggest.length) {
    body.push(heading(s.biggest));
    for (const b of view.biggest) {
      const items: CardElement[] = [
        { type: 'TextBlock', text: `**${safeLine(formatAmount(b.value.amount, b.value.unit, b.value.per), 60)}** ${safeLine(b.value.kind, 60)} · ${b.value.basis}`, wrap: true },
        b.story
          ? { type: 'TextBlock', text: safeText(b.story.text, 240), wrap: true, maxLines: 3, spacing: 'None' }
          : { type: 'TextBlock', text: s.storyGone, isSubtle: true, wrap: true, spacing: 'None' },
      ];
      if (b.story) items.push({ type: 'TextBlock', text: safeLine(s.storyBy(b.story.tellerName, b.story.customer), 120), isSubtle: true, size: 'Small', spacing: 'None', wrap: true });
      if (b.story?.sourceLink) items.push({ type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title: s.openStory, url: b.story.sourceLink }] });
      body.push({ type: 'Container', spacing: 'Medium', items });
    }
  }
  return card(body, actions);
}

export function goalsCard(goals: readonly Goal[]): AdaptiveCard {
  const body: CardElement[] = cardHeader(s.kicker, s.goalsTitle);
  if (!goals.length) body.push(line(s.goalsEmpty));
  for (const g of goals) body.push(line(`• ${s.goalLine(safeLine(g.title, 140), formatAmount(g.baseline, 'count', g.per))}`));
  return card(body);
}

export const FORGET_VERB = 'privacy.forget';

/** The confirmation before forgetting: two buttons that say what they do (Action.Submit: no 5-second invoke limit). */
export function forgetConfirmCard(): AdaptiveCard {
  return card(
    [
      ...cardHeader(s.privacyKicker, s.forgetTitle),
      { type: 'TextBlock', text: s.forgetExplain, wrap: true },
    ],
    [
      { type: 'Action.Submit', title: s.forgetDelete, data: { verb: FORGET_VERB, choice: 'delete' } },
      { type: 'Action.Submit', title: s.forgetAnonymise, data: { verb: FORGET_VERB, choice: 'anonymise' } },
    ],
  );
}

export const FORGET_HERE_VERB = 'privacy.forgetHere';

/**
 * `forget me` outside the personal chat (which Teams never opens for a shared channel's
 * external members): the card names no one, and each button's answer, which Teams shows only to
 * whoever pressed it, forgets whoever pressed it.
 */
export function forgetHereCard(): AdaptiveCard {
  return card(
    [
      ...cardHeader(s.privacyKicker, s.forgetTitle),
      { type: 'TextBlock', text: s.forgetExplain, wrap: true },
      { type: 'TextBlock', text: s.forgetHereExplain, wrap: true, isSubtle: true },
    ],
    [
      { type: 'Action.Execute', title: s.forgetDelete, verb: FORGET_HERE_VERB, data: { verb: FORGET_HERE_VERB, choice: 'delete' } },
      { type: 'Action.Execute', title: s.forgetAnonymise, verb: FORGET_HERE_VERB, data: { verb: FORGET_HERE_VERB, choice: 'anonymise' } },
    ],
  );
}

export const MY_DATA_VERB = 'privacy.myData';

/**
 * `my data` outside the personal chat: a card with no link on it (everyone in the channel sees
 * the card); the button's answer, which Teams shows only to whoever pressed it, carries the
 * link to the presser's own data.
 */
export function myDataCard(format: 'json' | 'csv'): AdaptiveCard {
  return card(
    [
      ...cardHeader(s.privacyKicker, s.myDataCardTitle),
      { type: 'TextBlock', text: s.myDataCardExplain, wrap: true },
    ],
    [{ type: 'Action.Execute', title: s.myDataButton(format), verb: MY_DATA_VERB, data: { verb: MY_DATA_VERB, format } }],
  );
}
