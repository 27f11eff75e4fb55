import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppDeps } from '../src/app';
import type { AzuriteProcesses } from '../test/support/azurite';
import type { TestBot } from '../test/support/harness';
import type { ConnectorStandIn } from '../test/support/connector';
import {
  BASELINE_NAME,
  BENCH_USAGE,
  BenchArgsError,
  describeStats,
  exitCodeOf,
  fmt,
  formatTable,
  measure,
  parseBenchArgs,
  scenarioFiles,
  scenarioStem,
  selectScenarios,
  type Baseline,
  type BenchArgs,
  type BenchContext,
  type BenchScenario,
} from './lib';
import { BASELINE_DESCRIPTION, DEFAULT_BASELINE, measureBaseline } from './scenarios/baseline';

/**
 * `npm run bench`: one real Azurite, the baseline turn measured first, then every scenario in
 * bench/scenarios/*.ts, each with its own bots. Every figure comes from this run. Exit code: 0 when
 * everything ran (goal misses are printed), 1 when the baseline or a scenario failed (or, with
 * --strict, a goal was missed), 2 for bad arguments. See bench/README.md.
 */

/** Loaded after the arguments are read and the warning filter is in place (they pull in the app). */
const startAzurite = async (): Promise<AzuriteProcesses> => (await import('../test/support/azurite')).startAzurite();
const startTestBot = async (...args: Parameters<typeof import('../test/support/harness').startTestBot>): Promise<TestBot> =>
  (await import('../test/support/harness')).startTestBot(...args);

const SCENARIOS_DIR = process.env.BENCH_SCENARIOS_DIR ? path.resolve(process.env.BENCH_SCENARIOS_DIR) : path.join(__dirname, 'scenarios');
/** Bots in the bench never log (a log line per turn would be part of what is measured). */
const BOT_LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'silent';

interface ScenarioEntry {
  file: string;
  name?: string;
  description?: string;
  scenario?: BenchScenario;
  loadError?: string;
}

interface ScenarioReport {
  file: string;
  name: string;
  status: 'ok' | 'failed';
  durationMs: number;
  figures: Record<string, number>;
  goals: Record<string, boolean>;
  error?: string;
}

/** restify 11 calls process.binding('http_parser') (DEP0111) on load: known, and noise in the report. */
function quietKnownWarnings(): void {
  const defaults = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if ((warning as Error & { code?: string }).code === 'DEP0111') return;
    for (const listener of defaults) listener(warning);
  });
}

const print = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const indented = (text: string): string => text.split('\n').join('\n      ');

/** The error and the first frames of its stack (where in the scenario it broke). */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 3);
  return [`${err.name}: ${err.message}`, ...frames].join('\n');
}

function isScenario(value: unknown): value is BenchScenario {
  const s = value as Partial<BenchScenario> | undefined;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.run === 'function';
}

function loadScenarios(): ScenarioEntry[] {
  return scenarioFiles(readdirSync(SCENARIOS_DIR)).map((file) => {
    try {
      const mod = require(path.join(SCENARIOS_DIR, file)) as { scenario?: unknown };
      if (!isScenario(mod.scenario)) return { file, loadError: 'does not export `scenario: BenchScenario`' };
      return { file, name: mod.scenario.name, description: mod.scenario.description, scenario: mod.scenario };
    } catch (err) {
      return { file, loadError: `could not be loaded: ${errorText(err)}` };
    }
  });
}

function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

/** Rejects after `seconds`, aborting `controller` so that a scenario that listens can stop its work. */
function withTimeout<T>(promise: Promise<T>, seconds: number, what: string, controller: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${what} did not finish within ${seconds} s`);
      controller.abort(err);
      reject(err);
    }, seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Bots started for one scenario; whatever the scenario leaves open is closed after it. */
class BotPool {
  private readonly open = new Set<TestBot>();

  async start(options: { env?: Record<string, string>; deps?: AppDeps; connector?: ConnectorStandIn } = {}): Promise<TestBot> {
    const bot = await startTestBot({ env: { ...options.env, LOG_LEVEL: BOT_LOG_LEVEL }, deps: options.deps, connector: options.connector });
    let closing: Promise<void> | undefined;
    const tracked: TestBot = {
      ...bot,
      close: () => {
        closing ??= bot.close().finally(() => this.open.delete(tracked));
        return closing;
      },
    };
    this.open.add(tracked);
    return tracked;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.open].map((b) => b.close()));
  }
}

function printList(entries: readonly ScenarioEntry[]): void {
  print(`${BASELINE_NAME.padEnd(16)} (always first) ${BASELINE_DESCRIPTION}`);
  for (const e of entries) {
    if (e.loadError) print(`${scenarioStem(e.file).padEnd(16)} [${e.file}] NOT LOADABLE: ${e.loadError.split('\n')[0]}`);
    else print(`${(e.name ?? '').padEnd(16)} [${e.file}] ${e.description ?? ''}`);
  }
}

interface RunState {
  connectionString: string;
  timeoutSeconds: number;
  /** Unhandled rejections seen so far. */
  unhandled: unknown[];
  /** An earlier scenario failed mid-run: its leftover work may still reject, so rejections are not blamed on the next. */
  leftovers: boolean;
}

async function runScenario(entry: ScenarioEntry, baseline: Baseline, state: RunState): Promise<ScenarioReport> {
  const name = entry.name ?? scenarioStem(entry.file);
  const report: ScenarioReport = { file: entry.file, name, status: 'failed', durationMs: 0, figures: {}, goals: {} };
  print();
  print(`== ${name} [${entry.file}]${entry.description ? ` — ${entry.description}` : ''}`);
  if (!entry.scenario) {
    report.error = entry.loadError ?? 'not loadable';
    print(`   FAILED: ${indented(report.error)}`);
    return report;
  }
  const bots = new BotPool();
  const controller = new AbortController();
  const ctx: BenchContext = {
    connectionString: state.connectionString,
    baseline,
    startBot: (options) => bots.start(options),
    measure,
    print: (line) => print(`   ${line}`),
    signal: controller.signal,
  };
  const unhandledBefore = state.unhandled.length;
  const started = performance.now();
  try {
    const result = await withTimeout(entry.scenario.run(ctx), state.timeoutSeconds, `scenario ${name}`, controller);
    report.figures = result.figures;
    report.goals = result.goals ?? {};
    report.status = 'ok';
  } catch (err) {
    report.error = errorText(err);
  } finally {
    await bots.closeAll();
    report.durationMs = performance.now() - started;
  }
  if (report.status === 'ok' && state.unhandled.length > unhandledBefore && !state.leftovers) {
    report.status = 'failed';
    report.error = `unhandled promise rejection during the scenario: ${errorText(state.unhandled[unhandledBefore])}`;
  }
  for (const [k, v] of Object.entries(report.figures)) print(`   ${k.padEnd(40)} ${Number.isInteger(v) ? String(v) : fmt(v)}`);
  for (const [k, met] of Object.entries(report.goals)) print(`   goal ${met ? 'met   ' : 'MISSED'} ${k}`);
  print(report.status === 'ok' ? `   done in ${fmt(report.durationMs / 1000, 1)} s` : `   FAILED after ${fmt(report.durationMs / 1000, 1)} s: ${indented(report.error ?? '')}`);
  return report;
}

function printSummary(baselineOk: boolean, reports: readonly ScenarioReport[]): void {
  print();
  print('== summary');
  const rows = [
    [BASELINE_NAME, baselineOk ? 'ok' : 'FAILED', '', '', ''],
    ...reports.map((r) => {
      const goals = Object.entries(r.goals);
      const missed = goals.filter(([, met]) => !met).map(([k]) => k);
      return [
        r.name,
        r.status === 'ok' ? 'ok' : 'FAILED',
        `${fmt(r.durationMs / 1000, 1)} s`,
        goals.length ? `${goals.length - missed.length}/${goals.length}` : '-',
        missed.join(', '),
      ];
    }),
  ];
  print(formatTable(['scenario', 'status', 'time', 'goals met', 'goals missed'], rows));
}

async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (err) {
    if (!(err instanceof BenchArgsError)) throw err;
    process.stderr.write(`bench: ${err.message}\n${BENCH_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    print(BENCH_USAGE);
    return 0;
  }
  quietKnownWarnings();
  const entries = loadScenarios();
  if (args.list) {
    printList(entries);
    return 0;
  }
  const { selected, unmatched } = selectScenarios(entries, args.only);
  if (unmatched.length > 0) {
    process.stderr.write(`bench: --only ${unmatched.join(', ')} matches no scenario. Scenarios:\n`);
    printList(entries);
    return 2;
  }

  const runStarted = performance.now();
  const machine = machineInfo();
  const unhandled: unknown[] = [];
  process.on('unhandledRejection', (reason) => {
    unhandled.push(reason);
    print(`   (unhandled promise rejection: ${errorText(reason).split('\n')[0]})`);
  });

  let azurite: AzuriteProcesses | undefined;
  const stopAzuriteNow = (): void => {
    for (const c of azurite?.children ?? []) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.once('exit', stopAzuriteNow);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      stopAzuriteNow();
      process.exit(code);
    });
  }

  print(`Network Coach benchmark, ${new Date().toISOString()}`);
  print(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}, ${machine.platform}, ${machine.memoryGiB} GiB, load ${machine.loadAverage1m} (1 min)`);

  let baseline: Baseline | undefined;
  let baselineError: string | undefined;
  const reports: ScenarioReport[] = [];
  try {
    azurite = await startAzurite();
    process.env.TEST_STORAGE_CONNECTION_STRING = azurite.connectionString;
    print(`storage: Azurite tables :${azurite.tablePort}, queues :${azurite.queuePort} (in memory, this run only)`);
    print();
    print(`== baseline — ${BASELINE_DESCRIPTION}`);
    const bots = new BotPool();
    try {
      const bot = await bots.start();
      baseline = await measureBaseline(bot, measure, DEFAULT_BASELINE);
      print(`   warm-up ${DEFAULT_BASELINE.warmupC16} turns at concurrency 16 and ${DEFAULT_BASELINE.warmupC1} at 1 (not counted)`);
      print(`   c1  ${describeStats(baseline.c1, 'turns')}`);
      print(`   c16 ${describeStats(baseline.c16, 'turns')}`);
      print('   scenario figures below are ratios to these, unless named otherwise');
    } catch (err) {
      baselineError = errorText(err);
      print(`   FAILED: ${indented(baselineError)}`);
    } finally {
      await bots.closeAll();
    }
    if (baseline) {
      const state: RunState = { connectionString: azurite.connectionString, timeoutSeconds: args.timeoutSeconds, unhandled, leftovers: false };
      for (const entry of selected) {
        const report = await runScenario(entry, baseline, state);
        reports.push(report);
        if (report.status === 'failed' && entry.scenario) {
          // Whatever the failed scenario left running (a seeding loop, a burst) must not load the
          // storage the next scenarios measure: it gets a fresh Azurite, the old one is stopped.
          state.leftovers = true;
          const fresh = await startAzurite();
          await azurite.stop();
          azurite = fresh;
          state.connectionString = fresh.connectionString;
          process.env.TEST_STORAGE_CONNECTION_STRING = fresh.connectionString;
          print(`   (Azurite restarted after the failure: tables :${fresh.tablePort}, queues :${fresh.queuePort})`);
        }
      }
    } else if (selected.length > 0) {
      print(`   ${selected.length} scenario(s) not run: they are measured against the baseline`);
    }
  } finally {
    await azurite?.stop();
  }

  const outcome = {
    baselineFailed: !baseline,
    failedScenarios: reports.filter((r) => r.status === 'failed').length,
    goalsMissed: reports.reduce((n, r) => n + Object.values(r.goals).filter((met) => !met).length, 0),
  };
  printSummary(Boolean(baseline), reports);
  const durationMs = performance.now() - runStarted;
  const code = exitCodeOf(outcome, args.strict);
  print();
  print(
    `bench took ${fmt(durationMs / 1000, 1)} s (load ${fmt(os.loadavg()[0] ?? 0)} at the end); ${outcome.failedScenarios} scenario(s) failed, ${outcome.goalsMissed} goal(s) missed` +
      (outcome.goalsMissed > 0 && !args.strict ? ' (reported only; --strict fails the run on them)' : '') +
      `; exit ${code}`,
  );
  if (args.json) {
    const file = path.resolve(args.json);
    mkdirSync(path.dirname(file), { recursive: true });
    const json = {
      startedAt: new Date(Date.now() - durationMs).toISOString(),
      durationMs,
      machine: { ...machine, loadAverage1mEnd: Number((os.loadavg()[0] ?? 0).toFixed(2)) },
      baseline: baseline ? { description: BASELINE_DESCRIPTION, options: DEFAULT_BASELINE, ...baseline } : { error: baselineError },
      scenarios: reports,
      outcome: { ...outcome, strict: args.strict, exitCode: code },
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    print(`figures written to ${file}`);
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; if a handle still holds the loop, say which and leave anyway.
    setTimeout(() => {
      process.stderr.write(`bench: still open after 5 s (work a failed scenario left running?): ${process.getActiveResourcesInfo().join(', ')}; exiting\n`);
      process.exit(code);
    }, 5000).unref();
  },
  (err) => {
    process.stderr.write(`bench: ${errorText(err)}\n`);
    process.exit(1);
  },
);
