import { isUserError } from '../../errors';
import type { RunClaims } from '../../jobs/claims';
import { backoffMs } from '../../jobs/limiter';
import type { Job } from '../../jobs/runner';
import { errorFields, type Logger } from '../../log';
import type { ConversationKey } from '../../people/model';
import { statusOf } from '../../store/tables';
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
 * A transient failure (Teams answering 429 or 5xx, the network, storage) gives the run back for a
 * later pass with backoff, up to MAX_ATTEMPTS; a permanent one (403/404: the bot was removed, a
 * refusal) ends it. A retry after the change was saved but its post failed posts only.
 */
export const AUTO_FINALISE_JOB = 'agenda.auto-finalise';
export const AUTO_CLOSE_JOB = 'agenda.auto-close';
const LEASE_MS = 5 * 60_000;
export const MAX_ATTEMPTS = 5;
/** First retry after about this long (doubled per attempt, with jitter); passes run every SCHEDULER_INTERVAL_SECONDS. */
export const RETRY_BASE_MS = 60_000;

/** `attempt` > 1 when an earlier attempt failed part-way. */
type Handle = (row: DueRow, place: ConversationKey, spaceId: string, attempt: number) => Promise<boolean>;

function transient(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status === 408 || status === 412 || status === 429 || status >= 500;
}

function dueJob(name: string, kind: DueKind, service: AgendaService, claims: RunClaims, log: Logger, handle: Handle): Job {
  return {
    name,
    async run(now) {
      for (const row of await service.dueCalls(kind, now)) {
        const run = { tenantId: row.tenantId, job: name, scope: row.conversationId, runKey: row.callId };
        const attempt = await claims.claimAttempt(run, now, LEASE_MS);
        if (attempt === undefined) continue;
        const place = { tenantId: row.tenantId, conversationId: row.conversationId };
        try {
          const call = await service.repo.getCall(place, row.callId);
          // Finalised or closed by an organizer already, or gone: nothing to post.
          const done = call ? await handle(row, place, call.spaceId, attempt) : false;
          await service.repo.deleteDue(row);
          if (done) log.info(`${name}.done`, { tenantId: row.tenantId, callId: row.callId, attempt });
          await claims.complete(run, now);
        } catch (err) {
          const retry = !isUserError(err) && transient(err) && attempt < MAX_ATTEMPTS;
          if (retry) {
            const delay = backoffMs(attempt, RETRY_BASE_MS);
            log.warn(`${name}.retry_later`, { tenantId: row.tenantId, callId: row.callId, attempt, delayMs: delay, ...errorFields(err) });
            await claims.retryLater(run, now, delay, `attempt ${attempt}: ${statusOf(err) ?? 'error'}`).catch(() => undefined);
            continue;
          }
          if (isUserError(err)) await service.repo.deleteDue(row);
          log.error(`${name}.failed`, { tenantId: row.tenantId, callId: row.callId, attempt, ...errorFields(err) });
          await claims.fail(run, now, isUserError(err) ? 'refused' : `error ${statusOf(err) ?? ''}`.trim()).catch(() => undefined);
        }
      }
    },
  };
}

export function autoFinaliseJob(service: AgendaService, claims: RunClaims, live: LiveCards, log: Logger): Job {
  return dueJob(AUTO_FINALISE_JOB, 'finalise', service, claims, log, async (row, place, spaceId, attempt) => {
    let after = await service.finalise({ ...place, spaceId }, undefined, row.callId, DEFAULT_TOP_N, undefined, { keepDue: true });
    if (!after && attempt > 1) {
      // An earlier attempt finalised the call and then failed to post it: post only.
      const call = await service.repo.getCall(place, row.callId);
      if (call?.status === 'finalised' && call.finalisedBy === 'auto') after = call;
    }
    if (!after) return false;
    await live.postProactive(place, after.callId, after.reference, { text: s.finalAutoIntro, tone: 'good' });
    await live.touchAll(place, after.callId).catch((err: unknown) => log.warn(`${AUTO_FINALISE_JOB}.refresh_failed`, errorFields(err)));
    return true;
  });
}

export function autoCloseJob(service: AgendaService, claims: RunClaims, live: LiveCards, log: Logger): Job {
  return dueJob(AUTO_CLOSE_JOB, 'close', service, claims, log, async (row, place, spaceId) => {
    const call = await service.repo.getCall(place, row.callId);
    if (!call || call.status === 'ended') return false;
    const recap = await service.endCall({ ...place, spaceId }, undefined, row.callId);
    await live.postCardProactive(call.reference, recapCard(recap, s.autoClosedIntro));
    await live.touchAll(place, row.callId).catch((err: unknown) => log.warn(`${AUTO_CLOSE_JOB}.refresh_failed`, errorFields(err)));
    return true;
  });
}
