import { isUserError } from '../../errors';
import type { RunClaims } from '../../jobs/claims';
import type { Job } from '../../jobs/runner';
import { errorFields, type Logger } from '../../log';
import type { ConversationKey } from '../../people/model';
import { recapCard } from './cards';
import type { LiveCards } from './live';
import type { DueKind, DueRow } from './repo';
import type { AgendaService } from './service';
import { agendaStrings as s } from './strings';
import { DEFAULT_TOP_N } from './views';

/**
 * Scheduled agenda work, safe with any number of instances: each due call is claimed through
 * RunClaims (one insert wins), so it is finalised, or closed, exactly once.
 * - auto-finalise: AGENDA_AUTO_FINALISE_HOURS before the start, the top topics become the final
 *   agenda, posted to the conversation.
 * - auto-close: a call nobody closed with `call done` is closed some hours after its end: the
 *   recap is posted and the next occurrence created, as `call done` would.
 */
export const AUTO_FINALISE_JOB = 'agenda.auto-finalise';
export const AUTO_CLOSE_JOB = 'agenda.auto-close';
const LEASE_MS = 5 * 60_000;

type Handle = (row: DueRow, place: ConversationKey, spaceId: string) => Promise<boolean>;

function dueJob(name: string, kind: DueKind, service: AgendaService, claims: RunClaims, log: Logger, handle: Handle): Job {
  return {
    name,
    async run(now) {
      for (const row of await service.dueCalls(kind, now)) {
        const run = { tenantId: row.tenantId, job: name, scope: row.conversationId, runKey: row.callId };
        if (!(await claims.claim(run, now, LEASE_MS))) continue;
        const place = { tenantId: row.tenantId, conversationId: row.conversationId };
        try {
          const call = await service.repo.getCall(place, row.callId);
          // Finalised or closed by an organizer already, or gone: nothing to post.
          const done = call ? await handle(row, place, call.spaceId) : false;
          if (!done) await service.repo.deleteDue(row);
          else log.info(`${name}.done`, { tenantId: row.tenantId, callId: row.callId });
          await claims.complete(run, now);
        } catch (err) {
          if (isUserError(err)) await service.repo.deleteDue(row);
          log.error(`${name}.failed`, { tenantId: row.tenantId, callId: row.callId, ...errorFields(err) });
          await claims.fail(run, now, isUserError(err) ? 'refused' : 'error').catch(() => undefined);
        }
      }
    },
  };
}

export function autoFinaliseJob(service: AgendaService, claims: RunClaims, live: LiveCards, log: Logger): Job {
  return dueJob(AUTO_FINALISE_JOB, 'finalise', service, claims, log, async (row, place, spaceId) => {
    const after = await service.finalise({ ...place, spaceId }, undefined, row.callId, DEFAULT_TOP_N);
    if (!after) return false;
    await live.postProactive(place, after.callId, after.reference, { text: s.finalAutoIntro, tone: 'good' });
    await live.touchAll(place, after.callId);
    return true;
  });
}

export function autoCloseJob(service: AgendaService, claims: RunClaims, live: LiveCards, log: Logger): Job {
  return dueJob(AUTO_CLOSE_JOB, 'close', service, claims, log, async (row, place, spaceId) => {
    const call = await service.repo.getCall(place, row.callId);
    if (!call || call.status === 'ended') return false;
    const recap = await service.endCall({ ...place, spaceId }, undefined, row.callId);
    await live.postCardProactive(call.reference, recapCard(recap, s.autoClosedIntro));
    await live.touchAll(place, row.callId);
    return true;
  });
}
