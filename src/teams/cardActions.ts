import type { AdaptiveCard as TeamsAdaptiveCard } from '@microsoft/teams-ai/lib/AdaptiveCards';
import type { Application } from '@microsoft/teams-ai/lib/Application';
import type { TurnState } from '@microsoft/teams-ai/lib/TurnState';
import type { TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/types';
import { z } from 'zod';
import { isUserError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { CardAction, CardAnswer, CardContext, Notice, Reply, Turn } from './door';
import type { NoticeMemory } from './notices';
import { toActivity } from './messages';
import { correlationIdOf } from './middleware';
import { sendInvokeResponse } from './replies';
import { coreStrings } from './strings';
import { turnOf } from './turn';
import { writesOf } from './turnWrites';

/**
 * The one card-action pipeline (see CardAction in door.ts for the contract): parse, check the
 * card belongs here, run, answer with the true card, share the change. Every verb goes through
 * it, so bad, stale, forged and foreign presses are answered the same way everywhere.
 */
type Answer = TeamsAdaptiveCard | string;

const asTeamsCard = (c: AdaptiveCard): TeamsAdaptiveCard => c as unknown as TeamsAdaptiveCard;

/** Data the bot never sent: 400 with a plain message; nothing ran. */
export async function refuseBadRequest(context: TurnContext, message: string): Promise<void> {
  await sendInvokeResponse(context, 400, { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message } });
}

export function registerCardAction<T>(
  app: Application<TurnState>,
  action: CardAction<T>,
  replyFor: (context: TurnContext) => Reply,
  log: Logger,
  notices?: NoticeMemory,
): void {
  app.adaptiveCards.actionExecute(action.verb, async (context, _state, raw): Promise<Answer> => {
    const answer = await pipeline(context, raw);
    // Answered here, not by teams-ai: for a card with `refresh` it would also replace the
    // message for everyone with the presser's own view (REPLACE_FOR_ALL).
    if (typeof answer !== 'string') await sendInvokeResponse(context, 200, { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: answer });
    return answer;
  });

  async function pipeline(context: TurnContext, raw: unknown): Promise<Answer> {
    const reply = replyFor(context);
    const parsed = action.schema.safeParse(raw);
    if (!parsed.success) {
      const message = action.strings?.badData ?? coreStrings.badCardData;
      reply.log.info('card.bad_data', { verb: action.verb, issues: parsed.error.issues.length });
      await refuseBadRequest(context, message);
      return message;
    }
    const data = parsed.data;
    const turn = turnOf(context);
    const home = action.belongsTo?.(data);
    if (home && (home.tenantId !== turn.tenantId || home.conversationId !== turn.conversationId)) {
      reply.log.warn('card.elsewhere', { verb: action.verb });
      return action.strings?.elsewhere ?? coreStrings.cardFromElsewhere;
    }
    const subject = action.subject?.(data);
    const memory = subject && notices ? { notices, subject } : undefined;
    const trigger = triggerOf(context.activity.value);
    const keep = async (notice: Notice | undefined): Promise<void> => {
      if (!memory || action.view) return;
      await memory.notices.remember(turn, memory.subject, notice).catch((e: unknown) => reply.log.warn('card.notice_not_kept', errorFields(e)));
    };
    try {
      const cardContext: CardContext = { trigger };
      if (memory && action.view) cardContext.notice = await memory.notices.recall(turn, memory.subject).catch(() => undefined);
      const answer = await action.handle(turn, data, reply, cardContext);
      await keep('card' in answer ? answer.notice : undefined);
      if (!action.view && !('card' in answer && answer.unchanged)) await share(context, turn, data, answer, reply);
      return render(answer);
    } catch (err) {
      if (isUserError(err)) {
        // A refusal: nothing changed. Show the true card with the reason, and bring the
        // pressed card up to date for everyone (it was likely stale).
        const refusal: Notice = { text: err.message, tone: 'attention' };
        await keep(refusal);
        const card = await readCurrent(turn, data, refusal);
        if (card === undefined) return err.message;
        if (typeof action.shared === 'function') await action.shared(turn, data).catch((e: unknown) => reply.log.warn('card.share_failed', errorFields(e)));
        return card;
      }
      // Unknown failure: what was saved is not known here, so show what storage holds now.
      const ref = correlationIdOf(context).slice(0, 8);
      const card = await readCurrent(turn, data, { text: coreStrings.cardFailedShowingTruth(ref), tone: 'attention' }).catch(() => undefined);
      if (card === undefined || typeof card === 'string') throw err;
      reply.log.error('card.failed', { verb: action.verb, writes: writesOf(context), ...errorFields(err) });
      if (typeof action.shared === 'function') await action.shared(turn, data).catch(() => undefined);
      return card;
    }
  }

  async function readCurrent(turn: Turn, data: T, notice: Notice): Promise<Answer | undefined> {
    if (!action.current) return undefined;
    try {
      const card = await action.current(turn, data, notice);
      return card ? asTeamsCard(card) : undefined;
    } catch (inner) {
      // The card itself is gone (a UserError: "call not found"): say so.
      if (isUserError(inner)) return inner.message;
      throw inner;
    }
  }

  async function share(context: TurnContext, turn: Turn, data: T, answer: CardAnswer, reply: Reply): Promise<void> {
    if (!action.shared) return;
    if (action.shared === 'pressed') {
      if (!('card' in answer) || !turn.replyToId) return;
      try {
        await context.updateActivity({ ...toActivity({ card: answer.everyone ?? answer.card }), id: turn.replyToId });
      } catch (err) {
        // The person who pressed still gets the new card in the invoke response.
        reply.log.warn('card.update_failed', errorFields(err));
      }
      return;
    }
    await action.shared(turn, data);
  }
}

const triggerSchema = z.object({ trigger: z.enum(['automatic', 'manual']) }).passthrough();

/** Teams says whether an adaptiveCard/action is a press or its own refresh of a user-specific view. */
function triggerOf(value: unknown): 'automatic' | 'manual' {
  const parsed = triggerSchema.safeParse(value);
  return parsed.success ? parsed.data.trigger : 'manual';
}

function render(answer: CardAnswer): Answer {
  return 'card' in answer ? asTeamsCard(answer.card) : answer.text;
}
