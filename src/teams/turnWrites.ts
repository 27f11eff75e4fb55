import type { Middleware, TurnContext } from 'botbuilder';
import { trackWrites, WriteTracker } from '../store/writes';

/**
 * Every turn gets a write tracker (the store reports each table write to it), so the apology
 * after a failure can be true. Registered after de-duplication, whose own claim row is
 * bookkeeping, not something the person did.
 */
const WRITES_KEY = Symbol('turnWrites');

export function turnWrites(): Middleware {
  return {
    async onTurn(context, next) {
      const tracker = new WriteTracker();
      context.turnState.set(WRITES_KEY, tracker);
      await trackWrites(tracker, () => next());
    },
  };
}

/** Writes this turn made or may have made (0 when none reached storage). */
export function writesOf(context: TurnContext): number {
  return (context.turnState.get(WRITES_KEY) as WriteTracker | undefined)?.writes ?? 0;
}
