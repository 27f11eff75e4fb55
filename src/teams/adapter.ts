// A deep import, as in bot.ts: the package index loads AI modules this bot never uses.
import { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import { CallerIdConstants, StatusCodes, type Activity, type ConfigurationBotFrameworkAuthenticationOptions, type TurnContext } from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  type AuthenticateRequestResult,
  type BotFrameworkAuthentication,
  type ServiceClientCredentialsFactory,
} from 'botframework-connector';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createOutboundHttp, shareOutbound, type OutboundHttp } from './http';
import { checkActivity, type DoorPolicy } from './inbound';
import { quietly } from './quiet';
import { collectAfterAnswer, startAll, type AfterAnswer } from './afterAnswer';

/**
 * CloudAdapter (through teams-ai's TeamsAdapter) with Bot Framework authentication. With an app
 * id set, every inbound request must carry a valid token (JWT checked against the channel's
 * OpenID keys); with no app id (local development only), authentication is off.
 */
export function createAdapter(config: Config, credentialsFactory?: ServiceClientCredentialsFactory, outbound: OutboundHttp = createOutboundHttp()): CoachAdapter {
  const auth: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.bot.appId ?? '',
    MicrosoftAppPassword: config.bot.appPassword ?? '',
    MicrosoftAppType: config.bot.appType,
    MicrosoftAppTenantId: config.bot.tenantId ?? '',
  };
  if (config.bot.openIdMetadataUrl || config.bot.tokenIssuer) {
    // botbuilder treats ANY of these settings as "the whole cloud is configured by hand" and
    // leaves the others undefined (no outbound login URL or scope, no issuer). So set them all:
    // the public cloud's values, with the inbound metadata URL and issuer overridden.
    Object.assign(auth, {
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: config.bot.tokenIssuer ?? AuthenticationConstants.ToBotFromChannelTokenIssuer,
      ToBotFromChannelOpenIdMetadataUrl: config.bot.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
      ValidateAuthority: true,
    });
  }
  const authOn = Boolean(config.bot.appId);
  return new CoachAdapter(auth, outbound, credentialsFactory, {
    authOn,
    channelIssuer: config.bot.tokenIssuer ?? AuthenticationConstants.ToBotFromChannelTokenIssuer,
    // Tests run with authentication on against a loopback connector stand-in over http.
    door: { allowLoopbackHttp: !authOn || config.env === 'test' },
  });
}

interface InboundPolicy {
  authOn: boolean;
  /** The only issuer a channel token may name (Teams' tokens come from the Bot Framework). */
  channelIssuer: string;
  door: DoorPolicy;
}

export interface InboundAnswer {
  status: number;
  body?: unknown;
  /** Work the turn left for after the answer (see afterAnswer.ts): the caller starts it once the answer is written. */
  after?: AfterAnswer[];
}

/**
 * The order at the door (see handleInbound): (1) restify has already refused what is not a JSON
 * body of bounded size (413, 415, 400: transport, not content); (2) authentication, against the
 * body as it came, so a forged request is 401 whatever it holds; (3) the activity is parsed
 * (inbound.ts): malformed is 400, an unhandled type is 200 and dropped; (4) only then the turn
 * pipeline (middleware, de-duplication, handlers) runs.
 */
export class CoachAdapter extends TeamsAdapter {
  constructor(
    auth: ConfigurationBotFrameworkAuthenticationOptions,
    outbound: OutboundHttp,
    credentialsFactory: ServiceClientCredentialsFactory | undefined,
    private readonly policy: InboundPolicy,
  ) {
    super(auth, credentialsFactory);
    unauthorizedOnBadTokens(this.botFrameworkAuthentication);
    shareOutbound(this.botFrameworkAuthentication, outbound);
  }

  async handleInbound(body: unknown, authHeader: string, log: Logger, logic: (context: TurnContext) => Promise<void>): Promise<InboundAnswer> {
    return quietly(log, async () => {
      const activity = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Partial<Activity>;
      let authenticated: AuthenticateRequestResult;
      try {
        authenticated = await this.authenticateInbound(activity, authHeader);
      } catch (err) {
        if (err instanceof AuthenticationError) {
          log.warn('http.unauthorized', { status: 401 });
          return { status: 401, body: { error: 'Unauthorized.' } };
        }
        throw err;
      }
      const verdict = checkActivity(body, this.policy.door);
      if (verdict.kind === 'reject') {
        log.warn('http.bad_activity', { reason: verdict.reason, path: verdict.path });
        return { status: 400, body: { error: 'The request body is not an activity this bot accepts.' } };
      }
      if (verdict.kind === 'ignore') {
        log.debug('http.activity_ignored', { activityType: verdict.type });
        return { status: 200 };
      }
      const after: AfterAnswer[] = [];
      let invokeResponse: Awaited<ReturnType<CoachAdapter['processActivity']>>;
      try {
        invokeResponse = await this.processActivity(authenticated, withDates(activity as Activity), async (context) => {
          collectAfterAnswer(context, after);
          await logic(context);
        });
      } catch (err) {
        // The turn failed past its own error handler: what it stored still gets its bookkeeping.
        startAll(after);
        throw err;
      }
      return { status: invokeResponse?.status ?? StatusCodes.OK, body: invokeResponse?.body, ...(after.length ? { after } : {}) };
    });
  }

  private async authenticateInbound(activity: Partial<Activity>, authHeader: string): Promise<AuthenticateRequestResult> {
    if (!this.policy.authOn) {
      // Authentication is off (local development): a token, if any, is not looked at. botbuilder
      // would otherwise try to verify it against the public cloud.
      return this.botFrameworkAuthentication.authenticateRequest(activity as Activity, '');
    }
    const issuer = unverifiedIssuer(authHeader);
    if (authHeader.trim() !== '' && issuer !== this.policy.channelIssuer) {
      // Emulator, skill and other tenants' tokens: botbuilder would send them to checks that
      // fetch the public cloud's metadata (ignoring BOT_OPENID_METADATA_URL) and answer 500 when
      // that fails. Teams only sends channel tokens: anything else is refused before any fetch.
      throw new AuthenticationError('Unauthorized. The token was not issued by the channel.', StatusCodes.UNAUTHORIZED);
    }
    return this.botFrameworkAuthentication.authenticateRequest(activity as Activity, authHeader);
  }
}

/** The `iss` claim of a bearer token, read without verifying it (only to choose the check). */
function unverifiedIssuer(authHeader: string): string | undefined {
  const [scheme, token, extra] = authHeader.trim().split(/\s+/);
  if (scheme !== 'Bearer' || !token || extra !== undefined || token.length > 16_384) return undefined;
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const iss = typeof claims === 'object' && claims !== null ? (claims as { iss?: unknown }).iss : undefined;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** What botbuilder's validateAndFixActivity does: timestamps arrive as strings, handlers get Dates. */
function withDates(activity: Activity): Activity {
  const a = activity as Activity & Record<string, unknown>;
  for (const [field, raw] of [['timestamp', 'rawTimestamp'], ['localTimestamp', 'rawLocalTimestamp'], ['expiration', 'rawExpiration']] as const) {
    const value = a[field];
    if (typeof value === 'string') {
      a[raw] = value;
      a[field] = new Date(value);
    }
  }
  return activity;
}

/**
 * botbuilder lets jsonwebtoken's own errors (bad signature, wrong algorithm, not valid yet) escape
 * as plain errors, which CloudAdapter answers with 500. A token that fails verification is an
 * unauthorized request: turn those into AuthenticationError so the answer is 401.
 */
function unauthorizedOnBadTokens(auth: BotFrameworkAuthentication): void {
  const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (err) {
        if (err instanceof Error && ['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'].includes(err.name)) {
          throw new AuthenticationError('Unauthorized. The token could not be verified.', StatusCodes.UNAUTHORIZED);
        }
        throw err;
      }
    };
  auth.authenticateRequest = guard(auth.authenticateRequest.bind(auth));
  auth.authenticateStreamingRequest = guard(auth.authenticateStreamingRequest.bind(auth));
  auth.authenticateChannelRequest = guard(auth.authenticateChannelRequest.bind(auth));
}
