import { startAzurite, type AzuriteProcesses } from '../support/azurite';
import { startTestBot, type TestBot } from '../support/harness';
import { READY_TIMEOUT_MS } from '../../src/server';

/**
 * /healthz says the process is up; /readyz says storage answers. This file runs its own Azurite
 * (not the shared one), so it can take storage away.
 */
describe('health and readiness', () => {
  let azurite: AzuriteProcesses;
  let bot: TestBot;
  let azuriteRunning = false;

  beforeAll(async () => {
    azurite = await startAzurite();
    azuriteRunning = true;
    bot = await startTestBot({ env: { STORAGE_CONNECTION_STRING: azurite.connectionString } });
  });
  afterAll(async () => {
    await bot.close();
    if (azuriteRunning) await azurite.stop();
  });

  const get = async (path: string): Promise<{ status: number; body: unknown; ms: number }> => {
    const started = Date.now();
    const res = await fetch(`${bot.app.url}${path}`);
    return { status: res.status, body: await res.json(), ms: Date.now() - started };
  };

  test('when storage answers, then /readyz is 200 and /healthz is 200', async () => {
    expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  test('when storage goes away, then /readyz turns 503 promptly, /healthz stays 200, and no internals leak', async () => {
    await azurite.stop();
    azuriteRunning = false;
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'storage unreachable' });
    // A readiness probe gives up after a few seconds: the answer must come before that.
    expect(ready.ms).toBeLessThan(READY_TIMEOUT_MS + 2000);
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  test('when storage is gone and a message arrives, then the person hears nothing was saved, no internals leak, and the process stays up', async () => {
    const res = await bot.send(bot.teams.channelMessage('help'));
    expect(res.status).toBe(200);
    const texts = bot.connector.texts();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/nothing was saved.*\(ref [0-9a-f]{8}\)/);
    expect(JSON.stringify(res.body ?? '')).not.toMatch(/ECONNREFUSED|stack|Error:|127\.0\.0\.1/);
    expect((await get('/healthz')).status).toBe(200);
  });
});
