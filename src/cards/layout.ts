import type { ActionData, ActionExecute, AdaptiveCard, CardElement, TextBlock } from './types';
import { noticeBlock, type Notice } from './notice';

/**
 * The one visual language of the bot's cards (Adaptive Cards 1.5 as Teams renders it): a small
 * accent kicker naming what the card is ("Call agenda", "Story"), a large title, a subtle line
 * under it, compact facts, and sections with a bold heading over a separator. Notices (what
 * happened after a press) sit at the very top in a coloured container.
 */
export function text(t: string, extra: Partial<TextBlock> = {}): TextBlock {
  return { type: 'TextBlock', text: t, wrap: true, ...extra };
}

export function cardHeader(kicker: string, title?: string, subtitle?: string, notice?: Notice): CardElement[] {
  return [
    ...(notice ? [noticeBlock(notice)] : []),
    text(kicker, { size: 'Small', weight: 'Bolder', color: 'Accent', spacing: notice ? 'Medium' : 'None' }),
    ...(title ? [text(title, { size: 'Large', weight: 'Bolder', spacing: 'None' })] : []),
    ...(subtitle ? [text(subtitle, { isSubtle: true, spacing: 'None' })] : []),
  ];
}

export function sectionHeading(title: string): TextBlock {
  return text(title, { weight: 'Bolder', spacing: 'Medium', separator: true });
}

/**
 * User-specific views (Universal Actions): Teams re-fetches the card for each listed person
 * (adaptiveCard/action with trigger 'automatic') whenever the message is shown or updated, so
 * each sees their own state. `userIds` undefined: the conversation is too large or its roster is
 * unknown, and Teams offers a manual refresh instead.
 */
export function withRefresh(c: AdaptiveCard, verb: string, data: Omit<ActionData, 'verb'>, userIds: readonly string[] | undefined): AdaptiveCard {
  const action: ActionExecute = { type: 'Action.Execute', verb, data: { ...data, verb } };
  return { ...c, refresh: { action, ...(userIds ? { userIds: [...userIds] } : {}) } };
}
