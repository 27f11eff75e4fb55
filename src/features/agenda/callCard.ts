import type { ActionExecute, CardAction, CardElement } from '../../cards/types';
import { safeLine, safeText } from '../../cards/safeText';
import { agendaCallStrings as cs } from './strings';
import type { AgendaView } from './views';

/**
 * The call's part of the agenda card: Join and Add to calendar (links), and "I'll be there /
 * Can't make it" with the counts. The buttons carry the answer (set-state). The card answered
 * to one person (`viewerId`) says what they answered.
 */
export const RSVP_VERB = 'agenda.rsvp';
const MAX_OPEN_ACTIONS = 10;

export function callBlock(view: AgendaView, viewerId?: string): CardElement[] {
  const { call } = view;
  if (call.status === 'ended') return [];
  const links: CardAction[] = [];
  if (call.meetingUrl) links.push({ type: 'Action.OpenUrl', title: cs.join, url: call.meetingUrl, style: 'positive' });
  if (call.calendarUrl) links.push({ type: 'Action.OpenUrl', title: cs.addToCalendar, url: call.calendarUrl });
  const out: CardElement[] = [];
  const open = view.openActions ?? [];
  if (open.length) {
    out.push({ type: 'TextBlock', wrap: true, weight: 'Bolder', spacing: 'Medium', text: cs.openActionsTitle });
    for (const a of open.slice(0, MAX_OPEN_ACTIONS)) out.push({ type: 'TextBlock', wrap: true, spacing: 'None', text: cs.openActionLine(safeText(a.text, 300), safeLine(a.ownerName, 60), a.due) });
    if (open.length > MAX_OPEN_ACTIONS) out.push({ type: 'TextBlock', wrap: true, isSubtle: true, spacing: 'None', text: cs.openActionsMore(open.length - MAX_OPEN_ACTIONS) });
  }
  if (links.length) out.push({ type: 'ActionSet', spacing: 'Small', actions: links });
  const a = view.attending;
  const mine = viewerId !== undefined ? a?.answers.get(viewerId) : undefined;
  out.push({ type: 'TextBlock', wrap: true, spacing: 'Small', isSubtle: true, text: [cs.rsvpCounts(a?.going ?? 0, a?.notGoing ?? 0), mine === undefined ? '' : cs.rsvpYours(mine)].filter(Boolean).join(' · ') });
  out.push({ type: 'ActionSet', spacing: 'None', actions: [rsvpButton(call.callId, true), rsvpButton(call.callId, false), startButton(call.callId)] });
  return out;
}

/** Handled by the call feature (src/features/call): posts the call's one running note. */
export const START_VERB = 'call.start';

function startButton(callId: string): ActionExecute {
  return { type: 'Action.Execute', title: cs.startCall, verb: START_VERB, data: { verb: START_VERB, callId } };
}

function rsvpButton(callId: string, going: boolean): ActionExecute {
  return { type: 'Action.Execute', title: going ? cs.going : cs.notGoing, verb: RSVP_VERB, data: { verb: RSVP_VERB, callId, going } };
}
