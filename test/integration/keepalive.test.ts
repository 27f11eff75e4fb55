import { startTestBot, type TestBot } from '../support/harness';
import { CHANNEL } from '../support/activities';

/**
 * Replies reuse kept-alive connections to the service URL (in production: no TCP and TLS
 * handshake per reply). The connector stand-in counts the TCP connections it accepts.
 */
describe('outbound connections to Teams', () => {
  const replies = async (bot: TestBot, n: number): Promise<void> => {
    bot.connector.reset();
    for (let i = 0; i < n; i++) {
      const res = await bot.send(bot.teams.channelMessage(`zzz${i}`, { conversationId: CHANNEL }));
      expect(res.status).toBe(200);
    }
    expect(bot.connector.posts()).toHaveLength(n);
  };

  test('when 100 replies go to one service URL, then they share a handful of kept-alive connections', async () => {
    const bot = await startTestBot();
    try {
      await replies(bot, 100);
      expect(bot.connector.connections).toBeGreaterThanOrEqual(1);
      expect(bot.connector.connections).toBeLessThanOrEqual(3);
    } finally {
      await bot.close();
    }
  }, 90_000);

  test('when keep-alive is off (the comparison the benchmark makes), then the same counter sees a connection per reply', async () => {
    const bot = await startTestBot({ deps: { outbound: { keepAlive: false } } });
    try {
      await replies(bot, 20);
      expect(bot.connector.connections).toBe(20);
    } finally {
      await bot.close();
    }
  });
});

describe('timeouts on calls to Teams', () => {
  test('when Teams does not answer a reply, then the call gives up at the timeout instead of holding the turn', async () => {
    const bot = await startTestBot({ deps: { outbound: { timeoutMs: 300 } } });
    try {
      bot.connector.holdMs = 5000;
      const started = Date.now();
      const res = await bot.send(bot.teams.channelMessage('zzz', { conversationId: CHANNEL }));
      const ms = Date.now() - started;
      expect(res.status).toBeLessThan(600);
      // The reply and the apology each time out (the client's retry policy may try again, each with the timeout).
      expect(ms).toBeLessThan(4500);
      expect(bot.connector.arrivals).toBeGreaterThanOrEqual(1);
    } finally {
      await bot.close();
    }
  });
});
