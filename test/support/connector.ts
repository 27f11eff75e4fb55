import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';

/**
 * A Bot Connector stand-in on loopback. The bot sends replies and proactive posts to the
 * activity's serviceUrl; this server records them and answers as the real connector does.
 * It can be told to answer chosen conversations with an error status.
 */
export interface RecordedActivity {
  method: 'POST' | 'PUT' | 'DELETE';
  path: string;
  conversationId: string;
  /** For PUT: the activity being updated; for POST: the id this server assigned. */
  activityId: string;
  replyToId?: string;
  authorization?: string;
  body: {
    type?: string;
    text?: string;
    attachments?: { contentType: string; content: unknown }[];
    [key: string]: unknown;
  };
  at: number;
}

export interface Member {
  id: string;
  name: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  /** The member's home tenant (TeamsChannelAccount.tenantId): another tenant for a shared channel's external members. */
  tenantId?: string;
  /** 'user', 'guest' (B2B guest account in the host tenant) or 'anonymous'. */
  userRole?: string;
}

/** Teams' documented send limits: per bot per conversation, and per app per tenant. */
export interface SendLimits {
  perConversation: { limit: number; perMs: number }[];
  perTenant: { limit: number; perMs: number }[];
}

export const TEAMS_SEND_LIMITS: SendLimits = {
  perConversation: [
    { limit: 7, perMs: 1000 },
    { limit: 60, perMs: 30_000 },
  ],
  perTenant: [{ limit: 30, perMs: 1000 }],
};

export interface Throttled {
  conversationId: string;
  tenantId: string;
  at: number;
  retryAfterSeconds: number;
}

type Responder = (req: { method: string; conversationId: string; replyToId?: string }) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined;

export class ConnectorStandIn {
  readonly activities: RecordedActivity[] = [];
  members: Member[] = [];
  private readonly failures = new Map<string, number>();
  /** Members the bot cannot open a personal chat with (POST /v3/conversations answers 403). */
  readonly unreachable = new Set<string>();
  /** Tenants where the bot is not installed: opening a personal chat there answers 403 (cross-tenant people). */
  readonly unreachableTenants = new Set<string>();
  /** Personal chats opened: POST /v3/conversations bodies. */
  readonly created: Record<string, unknown>[] = [];
  private readonly responders: Responder[] = [];
  private server: http.Server | undefined;
  url = '';
  private limits: SendLimits | undefined;
  private readonly accepted = new Map<string, number[]>();
  /** Posts answered 429 because a limit was exceeded (limit-enforcing mode). */
  readonly throttled: Throttled[] = [];
  /** TCP connections accepted since start (or the last reset): keep-alive shows as few. */
  connections = 0;
  /** Requests to /activities received so far (counted on arrival, before any hold). */
  arrivals = 0;
  /** Milliseconds every answer to /activities is held back (a slow Teams; a turn kept in flight). */
  holdMs = 0;
  /**
   * Posts to these conversations are applied (recorded) at once and their answer is held this
   * many milliseconds: a Teams too busy to answer in time that took the post all the same.
   */
  readonly stallAfterApplying = new Map<string, number>();

  /**
   * Limit-enforcing mode: POSTs of activities beyond Teams' limits (sliding windows over the
   * posts this stand-in accepted, by arrival time) are answered 429 with Retry-After.
   */
  enforceLimits(limits: SendLimits = TEAMS_SEND_LIMITS): this {
    this.limits = limits;
    return this;
  }

  /** Seconds until a post to this conversation/tenant fits every window (0: it fits now). */
  private limitWait(tenantId: string, conversationId: string, now: number): number {
    if (!this.limits) return 0;
    let waitMs = 0;
    const check = (name: string, windows: SendLimits['perTenant']): void => {
      const stamps = this.accepted.get(name) ?? [];
      for (const w of windows) {
        const inWindow = stamps.filter((t) => t > now - w.perMs);
        if (inWindow.length >= w.limit) waitMs = Math.max(waitMs, (inWindow[inWindow.length - w.limit] ?? now) + w.perMs - now);
      }
    };
    check(`t|${tenantId}`, this.limits.perTenant);
    check(`c|${conversationId}`, this.limits.perConversation);
    return waitMs;
  }

  private acceptStamp(tenantId: string, conversationId: string, now: number): void {
    const longest = Math.max(0, ...(this.limits?.perConversation ?? []).map((w) => w.perMs), ...(this.limits?.perTenant ?? []).map((w) => w.perMs));
    for (const name of [`t|${tenantId}`, `c|${conversationId}`]) {
      const stamps = (this.accepted.get(name) ?? []).filter((t) => t > now - longest);
      stamps.push(now);
      this.accepted.set(name, stamps);
    }
  }

  /** Over HTTPS when given a key and certificate (a TLS handshake per new connection, as with Teams). */
  async start(options: { tls?: { key: string; cert: string } } = {}): Promise<this> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.handle(req, res);
    this.server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
    this.server.on('connection', () => {
      this.connections++;
    });
    // Node's default (5 s). Node's client agent never reuses a socket whose server announces
    // `Keep-Alive: timeout=1` (it keeps a 1 s margin), so a shorter value would hide keep-alive.
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    this.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Every send to this conversation gets `status` (403, 404, 500...). */
  failConversation(conversationId: string, status: number): void {
    this.failures.set(conversationId, status);
  }

  /** A custom answer for requests (return undefined to fall through to the default). */
  respondWith(responder: Responder): void {
    this.responders.push(responder);
  }

  reset(): void {
    this.activities.length = 0;
    this.failures.clear();
    this.responders.length = 0;
    this.limits = undefined;
    this.accepted.clear();
    this.throttled.length = 0;
    this.connections = 0;
    this.arrivals = 0;
    this.holdMs = 0;
    this.stallAfterApplying.clear();
    this.unreachable.clear();
    this.unreachableTenants.clear();
    this.created.length = 0;
  }

  posts(conversationId?: string): RecordedActivity[] {
    return this.activities.filter((a) => a.method === 'POST' && (!conversationId || a.conversationId === conversationId));
  }

  updates(conversationId?: string): RecordedActivity[] {
    return this.activities.filter((a) => a.method === 'PUT' && (!conversationId || a.conversationId === conversationId));
  }

  /** Adaptive cards the bot posted (or updated), newest last. */
  cards(filter?: { conversationId?: string; method?: 'POST' | 'PUT' }): { record: RecordedActivity; card: Record<string, unknown> }[] {
    const out: { record: RecordedActivity; card: Record<string, unknown> }[] = [];
    for (const a of this.activities) {
      if (filter?.conversationId && a.conversationId !== filter.conversationId) continue;
      if (filter?.method && a.method !== filter.method) continue;
      for (const att of a.body.attachments ?? []) {
        if (att.contentType === 'application/vnd.microsoft.card.adaptive') out.push({ record: a, card: att.content as Record<string, unknown> });
      }
    }
    return out;
  }

  texts(conversationId?: string): string[] {
    return this.posts(conversationId)
      .map((a) => a.body.text)
      .filter((t): t is string => typeof t === 'string');
  }

  async waitFor(predicate: () => boolean, timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the connector stand-in');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    let body: RecordedActivity['body'] = {};
    try {
      body = raw ? (JSON.parse(raw) as RecordedActivity['body']) : {};
    } catch {
      return send(400, { error: { code: 'BadSyntax', message: 'bad json' } });
    }

    // /v3/conversations/:id/activities[/:activityId]
    if (parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'activities') {
      const conversationId = parts[2] ?? '';
      this.arrivals++;
      if (this.holdMs > 0) await new Promise((r) => setTimeout(r, this.holdMs));
      for (const r of this.responders) {
        const custom = r({ method: req.method ?? '', conversationId, replyToId: req.method === 'POST' ? parts[4] : undefined });
        if (custom) return send(custom.status, custom.body, custom.headers);
      }
      const failure = this.failures.get(conversationId);
      if (failure) return send(failure, { error: { code: failure === 403 ? 'BotNotInConversationRoster' : 'ConversationNotFound', message: 'stand-in failure' } });
      const method = req.method as RecordedActivity['method'];
      if (this.limits && method === 'POST') {
        const now = Date.now();
        const conv = body.conversation as { tenantId?: unknown } | undefined;
        const channelData = body.channelData as { tenant?: { id?: unknown } } | undefined;
        const tenantId = String(conv?.tenantId ?? channelData?.tenant?.id ?? 'unknown');
        const waitMs = this.limitWait(tenantId, conversationId, now);
        if (waitMs > 0) {
          const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
          this.throttled.push({ conversationId, tenantId, at: now, retryAfterSeconds });
          return send(429, { error: { code: 'TooManyRequests', message: 'stand-in limit exceeded' } }, { 'Retry-After': String(retryAfterSeconds) });
        }
        this.acceptStamp(tenantId, conversationId, now);
      }
      const activityId = method === 'POST' ? `act-${randomUUID()}` : (parts[4] ?? '');
      this.activities.push({
        method,
        path: url.pathname,
        conversationId,
        activityId,
        replyToId: method === 'POST' ? parts[4] : undefined,
        authorization: req.headers.authorization,
        body,
        at: Date.now(),
      });
      const stallMs = method === 'POST' ? this.stallAfterApplying.get(conversationId) : undefined;
      if (stallMs) {
        await new Promise((r) => setTimeout(r, stallMs));
        if (res.destroyed || req.destroyed) return;
      }
      return send(200, { id: activityId });
    }
    if (parts[0] === 'v3' && parts[1] === 'conversations' && parts.length === 2 && req.method === 'POST') {
      const members = (body.members as { id?: string }[] | undefined) ?? [];
      const tenantId = typeof body.tenantId === 'string' ? body.tenantId : '';
      if (this.unreachableTenants.has(tenantId)) return send(403, { error: { code: 'BotNotInConversationRoster', message: 'stand-in: the bot is not installed in this tenant' } });
      if (members.some((m) => m.id && this.unreachable.has(m.id))) return send(403, { error: { code: 'ConversationBlockedByUser', message: 'stand-in: the bot cannot reach this user' } });
      this.created.push(body);
      return send(200, { id: `a:personal-${members[0]?.id ?? randomUUID()}`, activityId: `act-${randomUUID()}` });
    }
    if (parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'members') {
      if (parts[4]) {
        const m = this.members.find((x) => x.id === parts[4] || x.aadObjectId === parts[4]);
        return m ? send(200, m) : send(404, { error: { code: 'MemberNotFound', message: 'no such member' } });
      }
      return send(200, this.members);
    }
    if (parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'pagedmembers') {
      return send(200, { members: this.members });
    }
    if (parts[0] === 'v3' && parts[1] === 'teams' && parts[2]) {
      if (parts[3] === 'conversations') return send(200, { conversations: [{ id: parts[2], name: 'General' }] });
      return send(200, { id: parts[2], name: 'Test team', aadGroupId: 'group-1' });
    }
    send(404, { error: { code: 'NotFound', message: `stand-in has no route for ${req.method} ${url.pathname}` } });
  }
}
