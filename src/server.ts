import { randomUUID } from 'node:crypto';
import restify from 'restify';
import { errorFields, type Logger } from './log';
import type { Bot } from './teams/bot';
import type { Store } from './store/tables';
import type { WebRoute } from './features/feature';
import { startAll } from './teams/afterAnswer';

/**
 * HTTP wiring only: /api/messages into the adapter, /healthz and /readyz. Bodies must be JSON
 * (415 otherwise) of at most MAX_BODY_BYTES (413); the adapter then authenticates (401) and
 * parses the activity at the door (400) before any handler runs (see teams/adapter.ts,
 * teams/inbound.ts). No 5xx ever carries an internal message.
 */
export const MAX_BODY_BYTES = 256 * 1024;
export const READY_TIMEOUT_MS = 2000;

/** Sent on every answer, including errors and unknown routes: nothing here is meant for a browser. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
};

export interface ServerDeps {
  bot: Bot;
  store: Store;
  log: Logger;
  /** Features' plain GET routes (a calendar file). */
  routes?: readonly WebRoute[];
}

export function createServer({ bot, store, log, routes = [] }: ServerDeps): restify.Server {
  // maxParamLength: a signed calendar link is one path segment of a few hundred characters (find-my-way's default is 100).
  const server = restify.createServer({ name: 'network-coach', handleUncaughtExceptions: false, maxParamLength: 2048 } as restify.ServerOptions);
  server.pre((_req, res, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.header(name, value);
    next();
  });
  server.pre((req, res, next) => {
    // Only JSON is an activity; checked before the body is read, so nothing else is parsed.
    if (req.method === 'POST' && req.path() === '/api/messages' && !isJson(req.header('content-type'))) {
      log.warn('http.rejected', { status: 415, path: '/api/messages' });
      res.send(415, { error: 'The request body must be JSON (application/json).' });
      return next(false);
    }
    next();
  });
  server.use(restify.plugins.queryParser());
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false, rejectUnknown: true }));

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });

  server.get('/readyz', async (_req, res) => {
    // The storage SDK retries a refused connection for several seconds; a readiness probe
    // gives up sooner, so an answer that takes longer than READY_TIMEOUT_MS counts as "not ready".
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    });
    const ok = await Promise.race([store.ping(), timedOut]);
    clearTimeout(timer);
    if (!ok) log.warn('http.not_ready', { reason: 'storage' });
    res.send(ok ? 200 : 503, { status: ok ? 'ready' : 'storage unreachable' });
  });

  for (const route of routes) {
    server.get(route.path, async (req, res) => {
      try {
        const out = await route.handle(req.params as Record<string, string>);
        res.writeHead(out.status, { 'content-type': out.contentType, 'cache-control': 'no-store', ...out.headers });
        res.end(out.body);
      } catch (err) {
        log.error('http.route_failed', { path: route.path, ...errorFields(err) });
        if (!res.headersSent) res.send(500, { error: 'Internal error.' });
      }
    });
  }

  server.post('/api/messages', async (req, res) => {
    // Failures outside a turn (authentication, the door, the adapter itself) have no turn id:
    // this one lets an operator tie the log line to the request.
    const correlationId = randomUUID();
    const requestLog = log.child({ correlationId });
    const authorization = req.header('authorization');
    try {
      const answer = await bot.adapter.handleInbound(req.body, typeof authorization === 'string' ? authorization : '', requestLog, (context) => bot.run(context));
      if (answer.status >= 500) {
        requestLog.error('http.server_error', { status: answer.status });
        res.send(answer.status, { error: 'Internal error.' });
      } else if (answer.body === undefined) {
        res.send(answer.status);
      } else {
        res.send(answer.status, answer.body);
      }
      // Written: the turn's bookkeeping starts now (see src/teams/afterAnswer.ts).
      if (answer.after) startAll(answer.after);
    } catch (err) {
      requestLog.error('http.server_error', { status: 500, ...errorFields(err) });
      if (!res.headersSent) res.send(500, { error: 'Internal error.' });
    }
  });

  // Errors restify itself raises (bad JSON, body too large) keep their 4xx status with a short message.
  server.on('restifyError', (req, res, err: Error & { statusCode?: number; toJSON?: () => unknown }, cb: () => void) => {
    const status = err.statusCode ?? 500;
    log.warn('http.rejected', { status, path: req.path(), errorName: err.name });
    err.toJSON = () => ({ error: status >= 500 ? 'Internal error.' : 'The request could not be read.' });
    return cb();
  });

  return server;
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}
