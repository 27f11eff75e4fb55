import http from 'node:http';
import https from 'node:https';
import type { BotFrameworkAuthentication, ConnectorFactory } from 'botframework-connector';

/**
 * Outbound HTTP to Teams (replies, card updates, proactive posts): one pair of keep-alive agents
 * per process, so every call to a service URL reuses a warm connection (in production: no TCP
 * and TLS handshake per reply), and a timeout on every call.
 *
 * Measured on this stack (botbuilder 4.23.3, core-rest-pipeline 1.24): CloudAdapter builds a
 * ConnectorClient per turn; its requests go through a module-level default client whose agent
 * is created lazily and never configured (no request timeout, unbounded sockets). Reuse also
 * depends on the server's Keep-Alive hint: Node will not reuse a socket whose server announces
 * `timeout=1` (it keeps a 1 s safety margin). Here the agents are ours, set on each request by a
 * pipeline policy added to every ConnectorClient the adapter creates, with bounded sockets, an
 * idle timeout, and a per-request timeout.
 */
export const OUTBOUND_TIMEOUT_MS = 15_000;
/** Sockets per service URL at once: the digest sends up to 64 at a time, the limiter paces them. */
const MAX_SOCKETS = 64;
/** Idle sockets kept per service URL, and how long (most-recently-used first, so the extra ones time out). */
const MAX_FREE_SOCKETS = 16;
const FREE_SOCKET_TIMEOUT_MS = 30_000;

export interface OutboundHttp {
  readonly keepAlive: boolean;
  readonly timeoutMs: number;
  agentFor(url: string): http.Agent;
  /** Closes idle sockets (at shutdown). */
  destroy(): void;
}

export interface OutboundOptions {
  /** Default true; false only to measure what keep-alive saves (the benchmark). */
  keepAlive?: boolean;
  timeoutMs?: number;
  /** Extra trusted certificate authority (a local TLS stand-in in the benchmark); default: Node's. */
  ca?: string;
}

export function createOutboundHttp(options: OutboundOptions = {}): OutboundHttp {
  const keepAlive = options.keepAlive ?? true;
  const agentOptions: http.AgentOptions = keepAlive
    ? { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS, timeout: FREE_SOCKET_TIMEOUT_MS, scheduling: 'lifo' }
    : { keepAlive: false, maxSockets: MAX_SOCKETS };
  const plain = new http.Agent(agentOptions);
  const secure = new https.Agent(options.ca ? { ...agentOptions, ca: options.ca } : agentOptions);
  return {
    keepAlive,
    timeoutMs: options.timeoutMs ?? OUTBOUND_TIMEOUT_MS,
    agentFor(url) {
      return url.toLowerCase().startsWith('https:') ? secure : plain;
    },
    destroy() {
      plain.destroy();
      secure.destroy();
    },
  };
}

/** The core-rest-pipeline request fields this policy sets (typed here so we do not depend on the package directly). */
interface OutboundRequest {
  url: string;
  timeout: number;
  agent?: http.Agent;
  disableKeepAlive?: boolean;
}

interface PipelineLike {
  addPolicy(policy: { name: string; sendRequest(request: OutboundRequest, next: (request: OutboundRequest) => Promise<unknown>): Promise<unknown> }): void;
  getOrderedPolicies?(): { name: string }[];
}

export const OUTBOUND_POLICY = 'networkCoachOutbound';

/** Adds the agents and the timeout to one ConnectorClient (a no-op when it has them already). */
export function useOutbound(connectorClient: unknown, outbound: OutboundHttp): boolean {
  const pipeline = (connectorClient as { client?: { pipeline?: PipelineLike } } | undefined)?.client?.pipeline;
  if (!pipeline || typeof pipeline.addPolicy !== 'function') return false;
  if (pipeline.getOrderedPolicies?.().some((p) => p.name === OUTBOUND_POLICY)) return true;
  pipeline.addPolicy({
    name: OUTBOUND_POLICY,
    sendRequest(request, next) {
      request.agent ??= outbound.agentFor(request.url);
      if (!outbound.keepAlive) request.disableKeepAlive = true;
      if (!request.timeout || request.timeout > outbound.timeoutMs) request.timeout = outbound.timeoutMs;
      return next(request);
    },
  });
  return true;
}

/**
 * Every ConnectorClient the adapter builds comes from a connector factory: the one an inbound
 * request's authentication returns (replies in a turn), or the one `createConnectorFactory`
 * makes (proactive continuations). Wrap both so each client gets the shared agents.
 */
export function shareOutbound(auth: BotFrameworkAuthentication, outbound: OutboundHttp): void {
  const wrap = (factory: ConnectorFactory): ConnectorFactory => {
    const create = factory.create.bind(factory);
    factory.create = async (serviceUrl, audience) => {
      const client = await create(serviceUrl, audience);
      useOutbound(client, outbound);
      return client;
    };
    return factory;
  };
  const createFactory = auth.createConnectorFactory.bind(auth);
  auth.createConnectorFactory = (identity) => wrap(createFactory(identity));
  const authenticate = auth.authenticateRequest.bind(auth);
  auth.authenticateRequest = async (...args) => {
    const result = await authenticate(...args);
    if (result.connectorFactory) wrap(result.connectorFactory);
    return result;
  };
}
