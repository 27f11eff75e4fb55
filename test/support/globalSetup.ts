import { startAzurite, type AzuriteProcesses } from './azurite';

declare global {
  // eslint-disable-next-line no-var
  var __AZURITE__: AzuriteProcesses | undefined;
}

/** One real Azurite for the whole run; each test file uses its own table prefix. */
export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite();
  globalThis.__AZURITE__ = azurite;
  process.env.TEST_STORAGE_CONNECTION_STRING = azurite.connectionString;
}
