import http from 'node:http';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * The Bot Framework's token authority, played on loopback: OpenID metadata and a JWKS with
 * signing keys (endorsed for channels, as the real one is), plus a signer for RS256 tokens
 * shaped like those the Bot Connector sends (iss, aud = app id, serviceurl, kid). The bot
 * verifies them for real: it fetches the metadata and keys over HTTP and checks the signature.
 *
 * Each server has its own port and a random path, so botbuilder's process-wide metadata cache
 * (keyed by URL) never mixes two servers.
 */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  endorsements: string[];
}

export interface TokenOptions {
  /** Claims to set or override; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
  /** Which key signs: a published one (default: the first), or one the JWKS does not hold. */
  key?: SigningKey;
  /** The kid put in the header (default: the signing key's kid). */
  kid?: string;
  /** Seconds from now; negative for an expired token. Default 3600. */
  expiresIn?: number;
  algorithm?: 'RS256' | 'RS384' | 'RS512';
}

export function newSigningKey(endorsements: string[] = ['msteams'], kid = `kid-${randomBytes(6).toString('hex')}`): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey, endorsements };
}

export class OpenIdAuthority {
  /** Keys published in the JWKS. */
  readonly keys: SigningKey[];
  /** Requests served, to prove the bot really fetched metadata and keys. */
  readonly requests: string[] = [];
  private server: http.Server | undefined;
  private readonly path = `/${randomBytes(6).toString('hex')}`;
  url = '';

  constructor(
    readonly issuer = `https://api.botframework.test/${randomBytes(4).toString('hex')}`,
    keys?: SigningKey[],
  ) {
    this.keys = keys ?? [newSigningKey()];
  }

  /** Where the bot reads the OpenID metadata (BOT_OPENID_METADATA_URL). */
  get metadataUrl(): string {
    return `${this.url}${this.path}/.well-known/openidconfiguration`;
  }

  get jwksUrl(): string {
    return `${this.url}${this.path}/keys`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === `${this.path}/.well-known/openidconfiguration`) {
        return send(200, {
          issuer: this.issuer,
          authorization_endpoint: `${this.url}${this.path}/authorize`,
          jwks_uri: this.jwksUrl,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        });
      }
      if (req.url === `${this.path}/keys`) {
        return send(200, {
          keys: this.keys.map((k) => {
            const jwk = k.publicKey.export({ format: 'jwk' });
            return { kty: 'RSA', use: 'sig', kid: k.kid, n: jwk.n, e: jwk.e, endorsements: k.endorsements };
          }),
        });
      }
      send(404, { error: 'not found' });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /**
   * A token as the Bot Connector sends it to the bot: issued by this authority, for `appId`,
   * naming the service URL the bot will reply to.
   */
  token(appId: string, serviceUrl: string, options: TokenOptions = {}): string {
    const key = options.key ?? this.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      aud: appId,
      serviceurl: serviceUrl,
      nbf: now - 60,
      iat: now - 60,
      exp: now + (options.expiresIn ?? 3600),
    };
    for (const [name, value] of Object.entries(options.claims ?? {})) {
      if (value === undefined) delete payload[name];
      else payload[name] = value;
    }
    return jwt.sign(payload, key.privateKey, {
      algorithm: options.algorithm ?? 'RS256',
      header: { alg: options.algorithm ?? 'RS256', typ: 'JWT', kid: options.kid ?? key.kid },
    });
  }

  bearer(appId: string, serviceUrl: string, options: TokenOptions = {}): string {
    return `Bearer ${this.token(appId, serviceUrl, options)}`;
  }
}

/** The settings that turn inbound authentication on against this authority. */
export function authSettings(authority: OpenIdAuthority, appId: string, password: string): Record<string, string> {
  return {
    MICROSOFT_APP_ID: appId,
    MICROSOFT_APP_PASSWORD: password,
    BOT_OPENID_METADATA_URL: authority.metadataUrl,
    BOT_TOKEN_ISSUER: authority.issuer,
  };
}
