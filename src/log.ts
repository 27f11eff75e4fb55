/**
 * Structured logging: one JSON line per event on stdout.
 * Callers pass ids, counts and codes, never message text, story text or secrets.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

/**
 * Field values can come from a caller (an invoke name, an activity type, a path): each string is
 * cut to a bound, so no request can make a log line longer than a few KB (an invoke name of
 * 100,000 characters once made a 200,000-character line). Stacks get a larger bound.
 */
export const MAX_FIELD_CHARS = 256;
export const MAX_STACK_CHARS = 2000;

function bounded(name: string, value: LogFields[string]): LogFields[string] {
  if (typeof value !== 'string') return value;
  const max = name === 'stack' ? MAX_STACK_CHARS : MAX_FIELD_CHARS;
  return value.length > max ? `${value.slice(0, max)}...(${value.length - max} more)` : value;
}

function boundedFields(fields: LogFields | undefined): LogFields {
  const out: LogFields = {};
  if (fields) for (const [name, value] of Object.entries(fields)) out[name] = bounded(name, value);
  return out;
}

export function createLogger(level: LogLevel, base: LogFields = {}, sink: LogSink = (l) => process.stdout.write(l + '\n')): Logger {
  const write = (at: Exclude<LogLevel, 'silent'>, event: string, fields?: LogFields): void => {
    if (rank[at] < rank[level]) return;
    sink(JSON.stringify({ time: new Date().toISOString(), level: at, event: bounded('event', event), ...base, ...boundedFields(fields) }));
  };
  return {
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
    child: (fields) => createLogger(level, { ...base, ...boundedFields(fields) }, sink),
  };
}

/** What may be logged about an error: its class, code and status, not its message (it can carry user text). */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; statusCode?: unknown };
    return {
      errorName: e.name,
      errorCode: typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined,
      statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
      stack: e.stack?.split('\n').slice(1, 6).join(' | '),
    };
  }
  if (typeof err === 'object' && err !== null) {
    // Some libraries throw plain objects (botbuilder's connector errors, rejected HTTP answers).
    const e = err as { constructor?: { name?: unknown }; code?: unknown; statusCode?: unknown; status?: unknown };
    const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : undefined;
    return {
      errorName: typeof e.constructor?.name === 'string' && e.constructor.name !== 'Object' ? e.constructor.name : 'object',
      errorCode: typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined,
      statusCode: status,
      errorKeys: Object.keys(err).slice(0, 8).join(','),
    };
  }
  return { errorName: typeof err };
}
