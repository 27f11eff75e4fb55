import type { AdaptiveCard } from './types';

/**
 * Teams rejects a message over about 28 KB (the whole activity, card JSON included). Every card
 * is built to stay under CARD_BUDGET_BYTES, which leaves room for the activity's envelope
 * (ids, conversation, service URL) and for the text above a card.
 */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;
export const CARD_BUDGET_BYTES = 24 * 1024;

export function cardBytes(card: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/**
 * The card showing as many of `total` items as fit the budget: `build(shown)` builds the card
 * with the first `shown` items (and its own "and N more" line and button when shown < total).
 * A binary search over `shown`, so a card of hundreds of items costs a few builds, not hundreds.
 */
export function fitToBudget(total: number, build: (shown: number) => AdaptiveCard, budget = CARD_BUDGET_BYTES, minItemBytes = 40): AdaptiveCard {
  // No item is smaller than `minItemBytes` in JSON, so more than budget / minItemBytes never fit:
  // the search (and the builder's work) is bounded however long the list is.
  total = Math.min(total, Math.ceil(budget / minItemBytes));
  const all = build(total);
  if (cardBytes(all) <= budget) return all;
  let lo = 0;
  let hi = total - 1;
  let best = build(0);
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = build(mid);
    if (cardBytes(c) <= budget) {
      best = c;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}
