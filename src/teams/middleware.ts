import { randomUUID } from 'node:crypto';
import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';
import type { TableClient } from '@azure/data-tables';
import type { Logger } from '../log';
import { key } from '../store/keys';
import { insertIfAbsent } from '../store/tables';
import { baseConversationId, tenantOf } from './turn';
import { sendInvokeResponse, CARD_ACTION_INVOKE } from './replies';

export const CORRELATION_KEY = Symbol('correlationId');
export const LOGGER_KEY = Symbol('turnLogger');

export function correlationIdOf(context: TurnContext): string {
  return (context.turnState.get(CORRELATION_KEY) as string | undefined) ?? 'none';
}

export function turnLogger(context: TurnContext, fallback: Logger): Logger {
  return (context.turnState.get(LOGGER_KEY) as Logger | undefined) ?? fallback;
}

/** Gives every turn a correlation id and a logger carrying it (ids only, never text). */
export function correlation(log: Logger): Middleware {
  return {
    async onTurn(context, next) {
      const id = randomUUID();
      const a = context.activity;
      context.turnState.set(CORRELATION_KEY, id);
      context.turnState.set(
        LOGGER_KEY,
        log.child({ correlationId: id, activityType: a.type, activityName: a.name, tenantId: tenantOf(a) }),
      );
      await next();
    },
  };
}

export const PROCESSED_TABLE = 'processed';

/**
 * Teams re-delivers an activity when the bot is slow (~15 s). The first delivery claims the
 * activity id with an insert (stored, so it holds across instances and restarts); a later
 * delivery of the same id finds the row and is dropped. If processing fails, the claim is
 * released so that a re-delivery can try again.
 *
 * `deduplicatesItself(context)` names the turns whose handler is idempotent by construction
 * (its own atomic write is keyed by the activity id; see `Command.deduplicatesItself`): they
 * skip the claim, one storage round trip less. Every other turn is claimed as before.
 */
export function deduplicate(table: TableClient, log: Logger, deduplicatesItself: (context: TurnContext) => boolean = () => false): Middleware {
  return {
    async onTurn(context, next) {
      const a = context.activity;
      // Our own proactive continuations are not deliveries from Teams: nothing to de-duplicate.
      if (!a.id || a.type === ActivityTypes.Typing || (a.type === ActivityTypes.Event && (a.name === 'ContinueConversation' || a.name === 'CreateConversation'))) return next();
      if (deduplicatesItself(context)) {
        turnLogger(context, log).debug('activity.self_deduplicating', { activityId: a.id });
        return next();
      }
      const partitionKey = key(tenantOf(a) ?? 'none', baseConversationId(a.conversation?.id ?? 'none'));
      const rowKey = key(a.type, a.id);
      const claimed = await insertIfAbsent(table, { partitionKey, rowKey, at: Date.now() });
      if (!claimed) {
        turnLogger(context, log).info('activity.duplicate', { activityId: a.id });
        if (a.type === ActivityTypes.Invoke) {
          const body =
            a.name === CARD_ACTION_INVOKE
              ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Already done.' }
              : undefined;
          await sendInvokeResponse(context, 200, body);
        }
        return;
      }
      try {
        await next();
      } catch (err) {
        await table.deleteEntity(partitionKey, rowKey).catch(() => undefined);
        throw err;
      }
    },
  };
}
