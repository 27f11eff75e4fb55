import type { RunClaims } from '../../jobs/claims';
import type { Job } from '../../jobs/runner';
import { errorFields, type Logger } from '../../log';
import type { Question } from './model';
import type { ConnectService } from './service';
import { connectStrings as s, durationText } from './strings';

/**
 * The one reminder of an unanswered question, posted in its thread CONNECT_REMINDER_HOURS after
 * it was asked. Each due question is claimed through RunClaims (one insert wins), so any number
 * of instances post it once; the question row also remembers that it was reminded.
 */
export const REMINDER_JOB = 'connect.reminder';
const LEASE_MS = 5 * 60_000;

/** Posts the reminder (its words, and the question with "Propose for the next call") in the question's thread. */
export type ThreadPoster = (q: Question, text: string) => Promise<void>;

export function reminderJob(service: ConnectService, claims: RunClaims, post: ThreadPoster, log: Logger): Job {
  return {
    name: REMINDER_JOB,
    async run(now) {
      for (const row of await service.dueReminders(now)) {
        const run = { tenantId: row.tenantId, job: REMINDER_JOB, scope: row.spaceId, runKey: row.questionId };
        if (!(await claims.claim(run, now, LEASE_MS))) {
          continue;
        }
        try {
          const q = await service.needsReminder(row);
          if (q) {
            await post(q, s.reminder(q.asker.userName, durationText(now.getTime() - q.createdAt.getTime())));
            await service.markReminded(q);
            log.info('connect.reminded', { tenantId: row.tenantId, questionId: row.questionId });
          }
          await service.reminderDone(row);
          await claims.complete(run, now);
        } catch (err) {
          // One attempt (the connector client retries 429 and transient failures itself): a
          // thread that refuses the post (403/404) would refuse it again at every tick.
          log.error('connect.reminder_failed', { tenantId: row.tenantId, questionId: row.questionId, ...errorFields(err) });
          await service.reminderDone(row).catch(() => undefined);
          await claims.fail(run, now, 'error').catch(() => undefined);
        }
      }
    },
  };
}
