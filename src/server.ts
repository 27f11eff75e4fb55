import { randomUUID } from 'node:crypto';
import restify from 'restify';
import type { Request as BotRequest, Response as BotResponse } from 'botbuilder';
import { z } from 'zod';
import { errorFields, type Logger } from './log';
import type { Bot } from './teams/bot';
import type { Store } from './store/tables';
import type { WebRoute } from './features/feature';

/**
 * HTTP wiring only: /api/messages into the adapter, /healthz and /readyz. Bodies are parsed and
 * shape-checked here, so a malformed request gets a 4xx before it reaches the bot, and no 5xx
 * ever carries an internal message.
 */
export const MAX_BODY_BYTES = 256 * 1024;
export const READY_TIMEOUT_MS = 2000;

const activityShape = z
  .object({
    type: z.string().min(1).max(64),
    id: z.string().max(1024).optional(),
    serviceUrl: z.string().url().max(2048),
    channelId: z.string().min(1).max(64),
    conversation: z.object({ id: z.string().min(1).max(1024) }).passthrough(),
    from: z.object({ id: z.string().min(1).max(1024) }).passthrough().optional(),
    recipient: z.object({ id: z.string().min(1).max(1024) }).passthrough().optional(),
    text: z.string().max(100_000).optional(),
  })
  .passthrough();

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
    const parsed = activityShape.safeParse(req.body);
    if (!parsed.success) {
      log.warn('http.bad_activity', { issues: parsed.error.issues.length, path: parsed.error.issues[0]?.path.join('.') });
      res.send(400, { error: 'The request body is not a Bot Framework activity.' });
      return;
    }
    // Failures outside a turn (authentication, the adapter itself) have no turn id: this one
    // lets an operator tie the log line to the request.
    const correlationId = randomUUID();
    try {
      await bot.adapter.process(req as unknown as BotRequest, guardServerErrors(res, log, correlationId), (context) => bot.run(context));
    } catch (err) {
      log.error('http.process_failed', { ...errorFields(err), correlationId });
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

/**
 * CloudAdapter answers some failures with 500 and the error's message as the body. Wrap the
 * response so any 5xx leaves with a generic body instead.
 */
function guardServerErrors(res: restify.Response, log: Logger, correlationId: string): BotResponse {
  let status = 200;
  const wrapped: BotResponse = {
    socket: res.socket,
    header(name: string, value: unknown) {
      res.header(name, value);
      return wrapped;
    },
    status(code: number) {
      status = code;
      res.status(code);
      return wrapped;
    },
    send(body?: unknown) {
      if (status >= 500) {
        log.error('http.server_error', { status, correlationId });
        res.send(status, { error: 'Internal error.' });
      } else if (status === 401 || status === 403) {
        // botbuilder's reason can quote the token's claims: keep it out of the answer and the log.
        log.warn('http.unauthorized', { status, correlationId });
        res.send(status, { error: status === 401 ? 'Unauthorized.' : 'Forbidden.' });
      } else {
        res.send(status, body);
      }
      return wrapped;
    },
    end() {
      if (!res.headersSent) res.send(status);
      return wrapped;
    },
  };
  return wrapped;
}
