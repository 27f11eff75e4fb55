import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, ratio, type BenchScenario, type LatencyStats } from '../lib';
import { ConnectorStandIn } from '../../test/support/connector';
import type { TestBot } from '../../test/support/harness';
import { baselineActivity, baselineTurn } from './baseline';

/**
 * "reply keep-alive": the baseline turn (a message, a one-line reply posted to Teams) against a
 * connector stand-in served over HTTPS, as Teams is, by two bots: one with the kept-alive
 * connections (the product), one opening a connection per call (what a fresh client per turn
 * costs: a TCP and TLS handshake per reply). Figures: latency of each, off / on, and the TCP
 * connections the stand-in accepted per 100 replies.
 */
const WARMUP = 40;
const C1 = 150;
const C16 = 400;

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: BenchScenario = {
  name: 'reply keep-alive',
  description: 'baseline turns replying to an HTTPS connector stand-in, with kept-alive connections against a new connection per call',
  async run(ctx) {
    const tls = selfSignedCertificate();
    const connectors = { on: await new ConnectorStandIn().start({ tls }), off: await new ConnectorStandIn().start({ tls }) };
    const bots: Record<'on' | 'off', TestBot> = {
      on: await ctx.startBot({ connector: connectors.on, deps: { outbound: { keepAlive: true, ca: tls.cert } } }),
      off: await ctx.startBot({ connector: connectors.off, deps: { outbound: { keepAlive: false, ca: tls.cert } } }),
    };
    try {
      const phase = async (mode: 'on' | 'off', label: string, count: number, concurrency: number): Promise<{ stats: LatencyStats; connections: number }> => {
        const bot = bots[mode];
        bot.connector.reset();
        const activities = Array.from({ length: count }, (_, i) => baselineActivity(bot, `ka-${mode}-${label}`, i));
        const stats = await ctx.measure(count, concurrency, (i) => baselineTurn(bot, activities[i]!));
        if (bot.connector.posts().length !== count) throw new Error(`${mode}: expected ${count} replies, saw ${bot.connector.posts().length}`);
        return { stats, connections: bot.connector.connections };
      };
      for (const mode of ['on', 'off'] as const) await phase(mode, 'warmup', WARMUP, 4);
      // Interleaved, so a change in the machine's load hits both alike.
      const on1 = await phase('on', 'c1', C1, 1);
      const off1 = await phase('off', 'c1', C1, 1);
      const on16 = await phase('on', 'c16', C16, 16);
      const off16 = await phase('off', 'c16', C16, 16);
      const per100 = (p: { connections: number }, n: number): number => (p.connections / n) * 100;
      ctx.print(`  keep-alive on : c1 p50 ${fmt(on1.stats.p50)} ms p99 ${fmt(on1.stats.p99)} ms; c16 p50 ${fmt(on16.stats.p50)} ms p99 ${fmt(on16.stats.p99)} ms; connections per 100 replies ${fmt(per100(on1, C1))} (c1) ${fmt(per100(on16, C16))} (c16)`);
      ctx.print(`  keep-alive off: c1 p50 ${fmt(off1.stats.p50)} ms p99 ${fmt(off1.stats.p99)} ms; c16 p50 ${fmt(off16.stats.p50)} ms p99 ${fmt(off16.stats.p99)} ms; connections per 100 replies ${fmt(per100(off1, C1))} (c1) ${fmt(per100(off16, C16))} (c16)`);
      return {
        figures: {
          'c1 p50 off / on': ratio(off1.stats.p50, on1.stats.p50),
          'c1 p99 off / on': ratio(off1.stats.p99, on1.stats.p99),
          'c16 p50 off / on': ratio(off16.stats.p50, on16.stats.p50),
          'c16 turns/s on / off': ratio(on16.stats.perSecond, off16.stats.perSecond),
          'c1 p50 on / baseline c1 p50': ratio(on1.stats.p50, ctx.baseline.c1.p50),
          'connections per 100 replies on (c1)': per100(on1, C1),
          'connections per 100 replies off (c1)': per100(off1, C1),
        },
        goals: {
          'kept alive: a handful of connections, not one per reply': on1.connections <= 3 && on16.connections <= 20,
          'keep-alive is not slower (c1 p50)': on1.stats.p50 <= off1.stats.p50,
        },
      };
    } finally {
      await bots.on.close();
      await bots.off.close();
      await connectors.on.stop();
      await connectors.off.stop();
    }
  },
};
