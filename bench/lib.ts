import type { AppDeps } from '../src/app';
import type { TestBot } from '../test/support/harness';

/**
 * The benchmark contract. `npm run bench` (bench/run.ts) starts one real Azurite, measures the
 * baseline turn first, then runs every scenario in bench/scenarios/*.ts, each of which exports
 * `scenario: BenchScenario`. Figures are printed as ratios against the baseline of the same run,
 * never as absolute promises.
 */
export interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  /** Completed operations per second of wall time. */
  perSecond: number;
  wallMs: number;
}

export interface Baseline {
  c1: LatencyStats;
  c16: LatencyStats;
}

export interface BenchContext {
  /** Azurite (tables and queues) for this run. */
  connectionString: string;
  /** The echo-like baseline turn over HTTP, measured first in this run. */
  baseline: Baseline;
  /** The real app on a free port, with its own table prefix and a connector stand-in (as in tests). */
  startBot(options?: { env?: Record<string, string>; deps?: AppDeps }): Promise<TestBot>;
  /** Runs `fn(i)` for i in [0, count) with at most `concurrency` in flight; latencies in ms. */
  measure(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<LatencyStats>;
  /** Prints a line of the report. */
  print(line: string): void;
}

export interface BenchResult {
  /** Named figures (ratios, counts, ms) for the summary table. */
  figures: Record<string, number>;
  /** Goals the issue sets, checked: name -> met. */
  goals?: Record<string, boolean>;
}

export interface BenchScenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? 0;
}

export async function measure(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<LatencyStats> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const t0 = performance.now();
      await fn(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const wallMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    count,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    perSecond: (count / wallMs) * 1000,
    wallMs,
  };
}

export const ratio = (value: number, base: number): number => (base > 0 ? value / base : Number.NaN);
export const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
