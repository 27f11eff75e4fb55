import type { TurnContext } from 'botbuilder';
import type { Logger } from '../log';
import { errorFields } from '../log';

/**
 * Work a turn hands over to be started once Teams has its HTTP answer (bookkeeping that no one
 * is waiting for: counters, a reminder row, a card's id). Teams waits for the answer to every
 * activity it delivers; what the person sees (the reply) is already posted by then. The work is
 * started synchronously right after the answer is written, so it is under way (and whatever
 * reads on this instance wait for it is registered) before anything the answer causes can
 * arrive. A turn that did not come over HTTP (none here today) starts it at the end of the turn.
 */
const AFTER_KEY = Symbol('afterAnswer');

export type AfterAnswer = () => void;

/** Collects the turn's after-answer work: `handleInbound` sets this up for every HTTP turn. */
export function collectAfterAnswer(context: TurnContext, into: AfterAnswer[]): void {
  context.turnState.set(AFTER_KEY, into);
}

/** Queues `work` for after the answer, or starts it now when the turn has no HTTP answer to wait for. */
export function afterAnswer(context: TurnContext, work: AfterAnswer, log: Logger): void {
  const queue = context.turnState.get(AFTER_KEY) as AfterAnswer[] | undefined;
  if (queue) queue.push(() => startSafely(work, log));
  else startSafely(work, log);
}

/** Starts every queued piece of work; one that throws is logged and does not stop the others. */
export function startAll(queue: readonly AfterAnswer[]): void {
  for (const work of queue) work();
}

function startSafely(work: AfterAnswer, log: Logger): void {
  try {
    work();
  } catch (err) {
    log.error('turn.after_answer_failed', errorFields(err));
  }
}
