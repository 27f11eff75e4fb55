import type { ConversationKey } from '../../people/model';
import type { FeatureHost, WebRoute } from '../feature';
import { calendarLinkFor, CALENDAR_PATH, icsFor, verifyCalendarToken } from './calendar';
import type { CallRow } from './repo';
import type { AgendaService } from './service';

/**
 * The calendar file behind its signed link: GET /calendar/<token>.ics. Offered only when the
 * bot knows its public address and has a signing secret (PUBLIC_BASE_URL, CALENDAR_LINK_SECRET).
 * 403: not a link we signed; 410: the link expired; 404: the call is gone.
 */
export function calendarLinks(host: FeatureHost): { link: (where: ConversationKey, call: CallRow) => string; route: (service: AgendaService) => WebRoute } | undefined {
  const { publicBaseUrl, calendarLinkSecret } = host.config.call;
  if (!publicBaseUrl || !calendarLinkSecret) return undefined;
  const plain = (status: number, body: string) => ({ status, contentType: 'text/plain; charset=utf-8', body });
  return {
    link: (where, call) => calendarLinkFor(publicBaseUrl, calendarLinkSecret, where, call),
    route: (service) => ({
      path: `${CALENDAR_PATH}/:token`,
      async handle(params) {
        const token = (params.token ?? '').replace(/\.ics$/, '');
        const now = host.clock.now();
        const checked = verifyCalendarToken(calendarLinkSecret, token, now);
        if (!checked.ok) {
          host.log.info('calendar.refused', { status: checked.status });
          return plain(checked.status, checked.status === 410 ? 'This calendar link has expired. Open the agenda card again for a fresh one.' : 'This calendar link is not valid.');
        }
        const call = await service.repo.getCall(checked.claim.where, checked.claim.callId);
        if (!call) return plain(404, 'This call no longer exists.');
        return {
          status: 200,
          contentType: 'text/calendar; charset=utf-8',
          headers: { 'content-disposition': 'attachment; filename="call.ics"' },
          body: icsFor(call, now),
        };
      },
    }),
  };
}
