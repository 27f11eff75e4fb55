import type { CardElement } from './types';
import { safeText } from './safeText';

/** A line shown on a card to the person who pressed: what happened, or why nothing did. */
export interface Notice {
  text: string;
  tone: 'good' | 'attention';
}

/** The one way a notice (or a refusal) shows on any card. Notices can quote what people typed: always escaped. */
export function noticeBlock(notice: Notice): CardElement {
  return { type: 'Container', style: notice.tone, items: [{ type: 'TextBlock', text: safeText(notice.text, 600), wrap: true, weight: 'Bolder' }] };
}
