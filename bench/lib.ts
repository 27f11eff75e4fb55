import type { AppDeps } from '../src/app';
import type { TestBot } from '../test/support/harness';
import type { ConnectorStandIn } from '../test/support/connector';

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
  /**
   * The real app on a free port, with its own table prefix and a connector stand-in (as in tests).
   * Several instances of one bot: the same STORAGE_TABLE_PREFIX in `env` and one shared `connector`.
   */
  startBot(options?: { env?: Record<string, string>; deps?: AppDeps; connector?: ConnectorStandIn }): Promise<TestBot>;
  /** Runs `fn(i)` for i in [0, count) with at most `concurrency` in flight; latencies in ms. */
  measure(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<LatencyStats>;
  /** Prints a line of the report. */
  print(line: string): void;
  /**
   * Aborted when the scenario has run out of time (`--timeout`): long loops (seeding, bursts)
   * should stop when it is, since nothing else can stop them. The runner also restarts Azurite
   * after a failed scenario, so that work left running cannot slow the next ones.
   */
  signal?: AbortSignal;
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

// ---------------------------------------------------------------------------------------------
// Runner helpers (pure: used by bench/run.ts, tested in test/unit/bench.test.ts). Additive to the
// contract above; scenarios do not need them.
// ---------------------------------------------------------------------------------------------

/** The baseline is measured before every selection; its file is not a scenario. */
export const BASELINE_NAME = 'baseline';
export const DEFAULT_SCENARIO_TIMEOUT_SECONDS = 300;

export interface BenchArgs {
  /** Substrings of scenario names or file names; empty means all. */
  only: string[];
  list: boolean;
  help: boolean;
  /** Goal misses fail the run (exit 1); without it they are reported and the run exits 0. */
  strict: boolean;
  json?: string;
  timeoutSeconds: number;
}

export class BenchArgsError extends Error {}

export const BENCH_USAGE = [
  'usage: npm run bench -- [--only <name>]... [--list] [--json <file>] [--strict] [--timeout <seconds>]',
  '  --only <name>     run only scenarios whose name or file name contains <name> (repeatable);',
  '                    the baseline always runs; --only baseline runs nothing else',
  '  --list            list the scenarios and exit',
  '  --json <file>     also write every figure of this run as JSON',
  '  --strict          exit 1 when a stated goal is missed (by default only failures exit 1)',
  `  --timeout <s>     a scenario running longer fails (default ${DEFAULT_SCENARIO_TIMEOUT_SECONDS})`,
].join('\n');

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { only: [], list: false, help: false, strict: false, timeoutSeconds: DEFAULT_SCENARIO_TIMEOUT_SECONDS };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] ?? '';
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--'))) throw new BenchArgsError(`${flag} needs a value`);
      return v;
    };
    const noValue = (): void => {
      if (inline !== undefined) throw new BenchArgsError(`${flag} takes no value`);
    };
    switch (flag) {
      case '--only':
        args.only.push(value().toLowerCase());
        break;
      case '--json':
        args.json = value();
        break;
      case '--timeout': {
        const v = value();
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) throw new BenchArgsError(`--timeout needs a positive number of seconds, not "${v}"`);
        args.timeoutSeconds = n;
        break;
      }
      case '--list':
        noValue();
        args.list = true;
        break;
      case '--strict':
        noValue();
        args.strict = true;
        break;
      case '--help':
      case '-h':
        noValue();
        args.help = true;
        break;
      default:
        throw new BenchArgsError(`unknown argument "${raw}"`);
    }
  }
  return args;
}

/** Which files in bench/scenarios are scenarios: TypeScript modules, not the baseline, not helpers (`_x.ts`). */
export function isScenarioFile(fileName: string): boolean {
  return (
    fileName.endsWith('.ts') &&
    !fileName.endsWith('.d.ts') &&
    !fileName.endsWith('.test.ts') &&
    !fileName.startsWith('_') &&
    !fileName.startsWith('.') &&
    fileName !== `${BASELINE_NAME}.ts`
  );
}

export function scenarioFiles(fileNames: readonly string[]): string[] {
  return fileNames.filter(isScenarioFile).sort();
}

export const scenarioStem = (fileName: string): string => fileName.replace(/\.ts$/, '');

/** A scenario matches `--only` terms when its name or file name contains one of them (case-insensitive). */
export function matchesOnly(only: readonly string[], candidate: { file: string; name?: string }): boolean {
  if (only.length === 0) return true;
  const haystacks = [scenarioStem(candidate.file), candidate.name ?? ''].map((s) => s.toLowerCase()).filter((s) => s.length > 0);
  return only.some((term) => haystacks.some((h) => h.includes(term.toLowerCase())));
}

/** The scenarios to run, and the `--only` terms that matched nothing (not even the baseline). */
export function selectScenarios<T extends { file: string; name?: string }>(entries: readonly T[], only: readonly string[]): { selected: T[]; unmatched: string[] } {
  const selected = entries.filter((e) => matchesOnly(only, e));
  const unmatched = only.filter((term) => !BASELINE_NAME.includes(term.toLowerCase()) && !entries.some((e) => matchesOnly([term], e)));
  return { selected, unmatched };
}

export interface RunOutcome {
  baselineFailed: boolean;
  failedScenarios: number;
  goalsMissed: number;
}

/** 0: everything ran (goal misses only reported); 1: a failure, or a goal miss under --strict. */
export function exitCodeOf(outcome: RunOutcome, strict: boolean): number {
  if (outcome.baselineFailed || outcome.failedScenarios > 0) return 1;
  if (strict && outcome.goalsMissed > 0) return 1;
  return 0;
}

/** Plain-text table: columns padded to their widest cell, a rule under the header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, c) => (cells[c] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** One line for a LatencyStats: `300 ops  p50 2.10 ms  p99 6.00 ms  mean 2.30 ms  420.0/s`. */
export function describeStats(s: LatencyStats, unit = 'ops'): string {
  return `${s.count} ${unit}  p50 ${fmt(s.p50)} ms  p99 ${fmt(s.p99)} ms  mean ${fmt(s.mean)} ms  ${fmt(s.perSecond, 1)} ${unit}/s  (wall ${fmt(s.wallMs / 1000)} s)`;
}

/**
 * How many turns fit a time budget at an estimated rate, kept between `min` (enough samples for a
 * p99) and `max` (enough is enough). Used so that a busy machine does not stretch the baseline.
 */
export function plannedCount(estimatedPerSecond: number, budgetSeconds: number, min: number, max: number): number {
  if (!Number.isFinite(estimatedPerSecond) || estimatedPerSecond <= 0) return min;
  return Math.max(min, Math.min(max, Math.round(estimatedPerSecond * budgetSeconds)));
}
