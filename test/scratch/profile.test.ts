import http from 'node:http';
import { startTestBot } from '../support/harness';
import { person } from '../support/activities';

test('profile ask', async () => {
  const bot = await startTestBot();
  const port = /TableEndpoint=http:\/\/[^:]+:(\d+)/.exec(process.env.TEST_STORAGE_CONNECTION_STRING ?? '')?.[1] ?? '';
  for (const t of ['Champions ran office hours #champions', 'Governance board for naming #governance']) await bot.send(bot.teams.channelMessage(`story ${t}`, { from: person('carol') }));
  await bot.send(bot.teams.channelMessage('ask warm question about champions?', { from: person('bob') }));
  const original = http.request;
  const seen: string[] = [];
  http.request = ((...args: Parameters<typeof http.request>) => {
    const o = args[0] as { port?: unknown; path?: string; method?: string };
    if (String(o.port) === port) seen.push(`${(performance.now() | 0)} ${o.method} ${decodeURIComponent(o.path ?? '').slice(0, 140)}`);
    return original(...args);
  }) as typeof http.request;
  await bot.send(bot.teams.channelMessage('ask How do you keep champions engaged after the launch?', { from: person('bob') }));
  http.request = original;
  console.log(seen.join('\n'));
  await bot.close();
});
