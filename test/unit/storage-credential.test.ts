import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { loadConfig } from '../../src/config';
import { storageCredential, storeOptionsFrom } from '../../src/store/tables';

/**
 * Keyless storage on App Service: the platform serves managed-identity tokens from a local
 * endpoint (IDENTITY_ENDPOINT, with IDENTITY_HEADER as a shared secret), and gives a
 * user-assigned identity's token only when the request names its client id. A loopback server
 * plays that endpoint here, so the test sees what the credential really asks for.
 */
interface Seen {
  url: URL;
  header: string | undefined;
}

async function identityEndpoint(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: new URL(req.url ?? '/', 'http://127.0.0.1'), header: req.headers['x-identity-header'] as string | undefined });
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        access_token: 'token-for-test',
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: 'https://storage.azure.com',
        token_type: 'Bearer',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/msi/token`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
afterEach(() => {
  for (const [name, value] of [['IDENTITY_ENDPOINT', saved.endpoint], ['IDENTITY_HEADER', saved.header]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('storage credential', () => {
  const base = { STORAGE_ACCOUNT_URL: 'https://stcoach.table.core.windows.net' };

  test('when STORAGE_IDENTITY_CLIENT_ID is set, then the store asks the App Service identity endpoint for a storage token of that identity', async () => {
    const endpoint = await identityEndpoint();
    try {
      process.env.IDENTITY_ENDPOINT = endpoint.url;
      process.env.IDENTITY_HEADER = 'header-for-test';
      const options = storeOptionsFrom(loadConfig({ ...base, STORAGE_IDENTITY_CLIENT_ID: '11111111-2222-3333-4444-555555555555' }));
      const credential = storageCredential(options);
      expect(credential).toBeInstanceOf(ManagedIdentityCredential);
      const token = await credential.getToken('https://storage.azure.com/.default');
      expect(token?.token).toBe('token-for-test');
      expect(endpoint.seen).toHaveLength(1);
      expect(endpoint.seen[0]!.url.searchParams.get('client_id')).toBe('11111111-2222-3333-4444-555555555555');
      expect(endpoint.seen[0]!.url.searchParams.get('resource')).toBe('https://storage.azure.com');
      expect(endpoint.seen[0]!.header).toBe('header-for-test');
    } finally {
      await endpoint.close();
    }
  });

  test('when no identity is named, then DefaultAzureCredential chooses; a credential given in code wins over both', () => {
    expect(storageCredential(storeOptionsFrom(loadConfig(base)))).toBeInstanceOf(DefaultAzureCredential);
    const given: TokenCredential = { getToken: async () => null };
    expect(storageCredential({ credential: given, identityClientId: 'x' })).toBe(given);
  });

  test('when the setting is blank, then it counts as not set', () => {
    expect(loadConfig({ ...base, STORAGE_IDENTITY_CLIENT_ID: '  ' }).storage.identityClientId).toBeUndefined();
  });
});
