import { backoffMs, parseRetryAfter, SendLimiter, teamsPolicy } from '../../src/jobs/limiter';

describe('send limiter and backoff', () => {
  test('when 12 sends to one conversation start at once, then at most 7 start within any second', async () => {
    const limiter = new SendLimiter(teamsPolicy(30));
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const p = await limiter.acquire('t', 'c');
        starts.push(Date.now() - t0);
        p.release();
      }),
    );
    starts.sort((a, b) => a - b);
    for (let i = 7; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 7] ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(starts[11]).toBeLessThan(3000);
  });

  test('when many conversations of one tenant send, then the tenant share bounds them (here 10 per second for 3 instances of 30)', async () => {
    const limiter = new SendLimiter(teamsPolicy(30, () => 3));
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const p = await limiter.acquire('t', `c${i}`);
        starts.push(Date.now() - t0);
        p.release();
      }),
    );
    starts.sort((a, b) => a - b);
    for (let i = 10; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 10] ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(starts[24]).toBeLessThan(4000);
  });

  test('when this instance may take no share yet, then nothing starts until it may, and then at the share of the instances alive', async () => {
    let sharers: number | undefined;
    const limiter = new SendLimiter(teamsPolicy(30, () => sharers));
    const starts: number[] = [];
    const t0 = Date.now();
    const all = Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const p = await limiter.acquire('t', `c${i}`);
        starts.push(Date.now() - t0);
        p.release();
      }),
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(starts).toHaveLength(0);
    sharers = 2;
    await all;
    starts.sort((a, b) => a - b);
    expect(starts[0]).toBeGreaterThanOrEqual(600);
    // 15 per second for 2 of 30: the 16th waits for the first to leave the window.
    for (let i = 15; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 15] ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  test('when a send is still in flight, then it counts against the window until it completes', async () => {
    const limiter = new SendLimiter({ perConversation: [{ limit: 1, perMs: 50 }], perTenant: [{ limit: 100, perMs: 1000 }] });
    const first = await limiter.acquire('t', 'c');
    let second = false;
    const p = limiter.acquire('t', 'c').then((permit) => {
      second = true;
      permit.release();
    });
    await new Promise((r) => setTimeout(r, 120));
    expect(second).toBe(false);
    first.release();
    await p;
    expect(second).toBe(true);
  });

  test('when Teams answered Retry-After, then the conversation pauses that long', async () => {
    const limiter = new SendLimiter(teamsPolicy(30));
    limiter.pause('t', 'c', 300);
    const t0 = Date.now();
    (await limiter.acquire('t', 'c')).release();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  test('backoff grows exponentially with jitter, and Retry-After wins', () => {
    const lo = () => 0;
    const hi = () => 0.999;
    expect(backoffMs(1, 1000, undefined, 60_000, lo)).toBe(500);
    expect(backoffMs(3, 1000, undefined, 60_000, hi)).toBeGreaterThan(3990);
    expect(backoffMs(3, 1000, undefined, 60_000, lo)).toBe(2000);
    expect(backoffMs(10, 1000, undefined, 60_000, hi)).toBeLessThanOrEqual(60_000);
    expect(backoffMs(1, 1000, 7000, 60_000, lo)).toBe(7000);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
