import { TeamsAdapter } from '@microsoft/teams-ai';
import { CallerIdConstants, StatusCodes, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  type BotFrameworkAuthentication,
  type ServiceClientCredentialsFactory,
} from 'botframework-connector';
import type { Config } from '../config';

/**
 * CloudAdapter (through teams-ai's TeamsAdapter) with Bot Framework authentication. With an app
 * id set, every inbound request must carry a valid token (JWT checked against the channel's
 * OpenID keys); with no app id (local development only), authentication is off.
 */
export function createAdapter(config: Config, credentialsFactory?: ServiceClientCredentialsFactory): TeamsAdapter {
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
  return new CoachAdapter(auth, credentialsFactory);
}

class CoachAdapter extends TeamsAdapter {
  constructor(auth: ConfigurationBotFrameworkAuthenticationOptions, credentialsFactory?: ServiceClientCredentialsFactory) {
    super(auth, credentialsFactory);
    unauthorizedOnBadTokens(this.botFrameworkAuthentication);
  }
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
