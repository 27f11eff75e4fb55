import { TeamsAdapter } from '@microsoft/teams-ai';
import type { ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
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
  if (config.bot.openIdMetadataUrl) auth.ToBotFromChannelOpenIdMetadataUrl = config.bot.openIdMetadataUrl;
  if (config.bot.tokenIssuer) auth.ToBotFromChannelTokenIssuer = config.bot.tokenIssuer;
  return new TeamsAdapter(auth, credentialsFactory);
}
