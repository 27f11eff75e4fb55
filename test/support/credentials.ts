import { PasswordServiceClientCredentialFactory, type ServiceClientCredentials } from 'botframework-connector';

/**
 * Outbound credentials for tests: with an app id set, the bot must put a token on every call to
 * the Bot Connector. These credentials add a fixed Authorization header and never call an
 * identity provider. Everything else (which app ids are valid, whether authentication is on) is
 * the real password factory's logic, so inbound audience checks stay real.
 */
export const OUTBOUND_TOKEN = 'test-outbound-token';

export interface CredentialsRequest {
  appId: string;
  audience: string;
  loginEndpoint: string;
  validateAuthority: boolean;
}

export class FixedTokenCredentialsFactory extends PasswordServiceClientCredentialFactory {
  /** What the adapter asked for, to check it asks for the right scope and login endpoint. */
  readonly requests: CredentialsRequest[] = [];
  /** When set, creating credentials fails with it (an identity provider that is down). */
  failure: Error | undefined;

  constructor(appId: string, password: string, tenantId = '', readonly token = OUTBOUND_TOKEN) {
    super(appId, password, tenantId);
  }

  override async createCredentials(appId: string, audience: string, loginEndpoint: string, validateAuthority: boolean): Promise<ServiceClientCredentials> {
    this.requests.push({ appId, audience, loginEndpoint, validateAuthority });
    if (this.failure) throw this.failure;
    if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
    const header = `Bearer ${this.token}`;
    return {
      async signRequest(webResource) {
        webResource.headers.set('authorization', header);
        return webResource;
      },
    };
  }
}
