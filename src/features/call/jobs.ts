import type { RunClaims } from '../../jobs/claims';
import type { Job } from '../../jobs/runner';
import { errorFields, type Logger } from '../../log';
import type { Poster } from '../../teams/door';
import { parseReference } from '../../teams/reference';
import { statusOf } from '../../store/tables';
import type { ActionsDue } from './actionsDue';
import { placeOf } from './actionsDue';
import { actionDueCard, reminderCard } from './cards';
import type { RunningNoteCards } from './live';
import type { CallAgenda } from './port';

/**
 * The call's scheduled work, safe on any number of instances: each run is claimed through
 * RunClaims (one insert wins), so it happens once.
 * - remind: 15 minutes before the start, a short card with Join and a box for a last-minute question.
 * - start: at the start time, the one running note (RunningNoteCards.start is itself claimed).
 * - action due: on an action's due date (09:00 in the call's zone), the owner is reminded,
 *   mentioned, with Done and Needs more time.
 * A 403 or 404 from the conversation (the bot was removed, the chat is gone) stops that one
 * post for good and leaves the others to go out; any other failure is logged and the run
 * marked failed.
 */
export const REMIND_JOB = 'call.remind';
export const START_JOB = 'call.start';
export const ACTION_DUE_JOB = 'call.action-due';
const LEASE_MS = 5 * 60_000;
/** How many days back the action job looks for reminders it has not sent (an instance was down). */
const ACTION_LOOKBACK_DAYS = 15;

export const conversationGone = (err: unknown): boolean => statusOf(err) === 403 || statusOf(err) === 404;

export function reminderJob(agenda: CallAgenda, claims: RunClaims, poster: Poster, log: Logger): Job {
  return {
    name: REMIND_JOB,
    async run(now) {
      for (const row of await agenda.due('remind', now)) {
        const run = { tenantId: row.tenantId, job: REMIND_JOB, scope: row.conversationId, runKey: row.callId };
        if (!(await claims.claim(run, now, LEASE_MS))) continue;
        const where = { tenantId: row.tenantId, conversationId: row.conversationId };
        try {
          const call = await agenda.call(where, row.callId);
          // Ended, or already started (an instance was down at the time): no "starting soon".
          if (call && call.status !== 'ended' && call.startsAt > now.getTime()) {
            const ref = parseReference(call.reference);
            if (!ref) throw new Error('stored conversation reference is not readable');
            await poster.post(ref, { card: reminderCard(call) });
            log.info(`${REMIND_JOB}.sent`, { tenantId: row.tenantId, callId: row.callId });
          }
          await agenda.doneWithDue(row);
          await claims.complete(run, now);
        } catch (err) {
          const gone = conversationGone(err);
          if (gone) await agenda.doneWithDue(row).catch(() => undefined);
          log.warn(`${REMIND_JOB}.failed`, { tenantId: row.tenantId, callId: row.callId, gone, ...errorFields(err) });
          await claims.fail(run, now, gone ? 'conversation gone' : 'error').catch(() => undefined);
        }
      }
    },
  };
}

export function startJob(agenda: CallAgenda, claims: RunClaims, cards: RunningNoteCards, log: Logger): Job {
  return {
    name: START_JOB,
    async run(now) {
      for (const row of await agenda.due('start', now)) {
        const run = { tenantId: row.tenantId, job: START_JOB, scope: row.conversationId, runKey: row.callId };
        if (!(await claims.claim(run, now, LEASE_MS))) continue;
        const where = { tenantId: row.tenantId, conversationId: row.conversationId };
        try {
          const call = await agenda.call(where, row.callId);
          if (call && call.status !== 'ended') {
            const result = await cards.start(where, row.callId);
            log.info(`${START_JOB}.done`, { tenantId: row.tenantId, callId: row.callId, posted: result.posted });
          }
          await agenda.doneWithDue(row);
          await claims.complete(run, now);
        } catch (err) {
          const gone = conversationGone(err);
          if (gone) await agenda.doneWithDue(row).catch(() => undefined);
          log.warn(`${START_JOB}.failed`, { tenantId: row.tenantId, callId: row.callId, gone, ...errorFields(err) });
          await claims.fail(run, now, gone ? 'conversation gone' : 'error').catch(() => undefined);
        }
      }
    },
  };
}

export function actionDueJob(agenda: CallAgenda, due: ActionsDue, claims: RunClaims, poster: Poster, log: Logger): Job {
  return {
    name: ACTION_DUE_JOB,
    async run(now) {
      for (const row of await due.dueBy(now, ACTION_LOOKBACK_DAYS)) {
        const run = { tenantId: row.tenantId, job: ACTION_DUE_JOB, scope: row.conversationId, runKey: `${row.callId}|${row.noteKey}|${row.due}` };
        if (!(await claims.claim(run, now, LEASE_MS))) continue;
        const where = placeOf(row);
        try {
          const [call, note] = await Promise.all([agenda.call(where, row.callId), agenda.note(where, row.callId, row.noteKey)]);
          // Deleted, done, or moved to another date since: nothing to remind.
          if (call && note && note.kind === 'action' && !note.done && note.due === row.due && note.ownerTeamsId) {
            const ref = parseReference(call.reference);
            if (!ref) throw new Error('stored conversation reference is not readable');
            await poster.post(ref, { card: actionDueCard(call, note) });
            log.info(`${ACTION_DUE_JOB}.sent`, { tenantId: row.tenantId, callId: row.callId });
          }
          await due.remove(row);
          await claims.complete(run, now);
        } catch (err) {
          const gone = conversationGone(err);
          if (gone) await due.remove(row).catch(() => undefined);
          log.warn(`${ACTION_DUE_JOB}.failed`, { tenantId: row.tenantId, callId: row.callId, gone, ...errorFields(err) });
          await claims.fail(run, now, gone ? 'conversation gone' : 'error').catch(() => undefined);
        }
      }
    },
  };
}
