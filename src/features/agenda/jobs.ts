import { isUserError } from '../../errors';
import { RunClaims } from '../../jobs/claims';
import type { Job } from '../../jobs/runner';
import { errorFields, type Logger } from '../../log';
import type { LiveCards } from './live';
import type { AgendaService } from './service';
import { agendaStrings as s } from './strings';
import { DEFAULT_TOP_N } from './views';

/**
 * Scheduled agenda work, safe with any number of instances: each due call is claimed through
 * RunClaims (one insert wins), so it is finalised and posted exactly once.
 */
export const AUTO_FINALISE_JOB = 'agenda.auto-finalise';
const LEASE_MS = 5 * 60_000;

export function autoFinaliseJob(service: AgendaService, claims: RunClaims, live: LiveCards, log: Logger): Job {
  return {
    name: AUTO_FINALISE_JOB,
    async run(now) {
      const due = await service.dueCalls(now);
      for (const row of due) {
        const run = { tenantId: row.tenantId, job: AUTO_FINALISE_JOB, scope: row.conversationId, runKey: row.callId };
        if (!(await claims.claim(run, now, LEASE_MS))) continue;
        const place = { tenantId: row.tenantId, conversationId: row.conversationId };
        try {
          const call = await service.repo.getCall(place, row.callId);
          const after = call ? await service.finalise({ ...place, spaceId: call.spaceId }, undefined, row.callId, DEFAULT_TOP_N) : undefined;
          if (after) {
            await live.postProactive(place, after.callId, after.reference, { text: s.finalAutoIntro, tone: 'good' });
            await live.touchAll(place, after.callId);
            log.info('agenda.auto_finalised', { tenantId: row.tenantId, callId: row.callId });
          } else {
            // Finalised by an organizer, ended, or gone: nothing to post.
            await service.repo.deleteDue(row);
          }
          await claims.complete(run, now);
        } catch (err) {
          if (isUserError(err)) await service.repo.deleteDue(row);
          log.error('agenda.auto_finalise_failed', { tenantId: row.tenantId, callId: row.callId, ...errorFields(err) });
          await claims.fail(run, now, isUserError(err) ? 'refused' : 'error').catch(() => undefined);
        }
      }
    },
  };
}
