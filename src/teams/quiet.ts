import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../log';

/**
 * botbuilder writes to the console on its own: botframework-connector's JwtTokenExtractor prints
 * every failed verification with console.error (the error, or "Available keys: <the JWKS>"), so
 * each forged request left a stack trace on stderr. Console calls made while an inbound request
 * is handled (inside `quietly`) go to the JSON logger at debug level instead, as the kind of
 * call and the error's name only (the text can echo keys, audiences or claims). Console calls
 * outside an inbound request are left alone.
 */
const scope = new AsyncLocalStorage<Logger>();
let installed = false;

type ConsoleMethod = 'error' | 'warn' | 'log' | 'info' | 'debug' | 'trace';
const METHODS: readonly ConsoleMethod[] = ['error', 'warn', 'log', 'info', 'debug', 'trace'];

function install(): void {
  if (installed) return;
  installed = true;
  for (const method of METHODS) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]): void => {
      const log = scope.getStore();
      if (!log) {
        original(...args);
        return;
      }
      const first = args[0];
      log.debug('botbuilder.console', {
        method,
        errorName: first instanceof Error ? first.name : typeof first,
      });
    };
  }
}

/** Runs `work` with library console output routed to `log` at debug level. */
export function quietly<T>(log: Logger, work: () => Promise<T>): Promise<T> {
  install();
  return scope.run(log, work);
}
