import {
  BenchArgsError,
  DEFAULT_SCENARIO_TIMEOUT_SECONDS,
  exitCodeOf,
  formatTable,
  isScenarioFile,
  measure,
  parseBenchArgs,
  percentile,
  plannedCount,
  scenarioFiles,
  selectScenarios,
} from '../../bench/lib';

/** The benchmark runner's own logic (the bench itself runs with `npm run bench`, never in `npm test`). */
describe('bench arguments', () => {
  test('when no arguments are given, then everything runs with the default timeout and goal misses do not fail', () => {
    expect(parseBenchArgs([])).toEqual({ only: [], list: false, help: false, strict: false, timeoutSeconds: DEFAULT_SCENARIO_TIMEOUT_SECONDS });
  });

  test('when --only is repeated, in both spellings, then every term is kept (lower-cased)', () => {
    const args = parseBenchArgs(['--only', 'Vote', '--only=capture', '--json', 'out/bench.json', '--strict', '--timeout=60', '--list']);
    expect(args).toEqual({ only: ['vote', 'capture'], list: true, help: false, strict: true, json: 'out/bench.json', timeoutSeconds: 60 });
  });

  test.each([
    [['--only'], /needs a value/],
    [['--only', '--list'], /needs a value/],
    [['--json='], /needs a value/],
    [['--timeout', '0'], /positive number/],
    [['--timeout', 'soon'], /positive number/],
    [['--list=yes'], /takes no value/],
    [['--fast'], /unknown argument/],
    [['baseline'], /unknown argument/],
  ])('when the arguments are %j, then they are refused with a plain reason', (argv, reason) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchArgsError);
    expect(() => parseBenchArgs(argv)).toThrow(reason);
  });
});

describe('scenario discovery', () => {
  test('when the folder holds scenarios, the baseline, helpers and type files, then only the scenarios are run, in name order', () => {
    const files = ['vote-burst.ts', 'baseline.ts', 'capture.ts', '_shared.ts', 'types.d.ts', 'notes.md', 'fan-out.ts', 'x.test.ts', '.#capture.ts'];
    expect(scenarioFiles(files)).toEqual(['capture.ts', 'fan-out.ts', 'vote-burst.ts']);
    expect(isScenarioFile('baseline.ts')).toBe(false);
  });

  const entries = [
    { file: 'vote-burst.ts', name: 'agenda vote burst' },
    { file: 'capture.ts', name: 'story capture' },
    { file: 'digest-build.ts', name: 'digest' },
    { file: 'broken.ts' }, // failed to load: only its file name is known
  ];

  test('when --only is empty, then every scenario is selected', () => {
    expect(selectScenarios(entries, []).selected).toHaveLength(4);
  });

  test('when --only names part of a scenario name or of a file name, case aside, then just those are selected', () => {
    expect(selectScenarios(entries, ['VOTE']).selected.map((e) => e.file)).toEqual(['vote-burst.ts']);
    expect(selectScenarios(entries, ['story']).selected.map((e) => e.file)).toEqual(['capture.ts']);
    expect(selectScenarios(entries, ['digest-build', 'broken']).selected.map((e) => e.file)).toEqual(['digest-build.ts', 'broken.ts']);
  });

  test('when --only is baseline, then no scenario is selected and nothing is reported unmatched', () => {
    expect(selectScenarios(entries, ['baseline'])).toEqual({ selected: [], unmatched: [] });
  });

  test('when an --only term matches nothing, then it is reported', () => {
    expect(selectScenarios(entries, ['vote', 'fanout']).unmatched).toEqual(['fanout']);
  });
});

describe('figures', () => {
  test('percentile is the nearest rank of the sorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
    expect(percentile([1, 2, 3], 0)).toBe(1);
  });

  test('measure runs every index once, never more than the concurrency at a time', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const stats = await measure(40, 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      seen.push(i);
      inFlight--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(peak).toBe(4);
    expect(stats.count).toBe(40);
    expect(stats.p50).toBeGreaterThanOrEqual(1);
    expect(stats.p99).toBeGreaterThanOrEqual(stats.p50);
    expect(stats.perSecond).toBeCloseTo((40 / stats.wallMs) * 1000);
  });

  test('planned turns fit the time budget, within the bounds', () => {
    expect(plannedCount(100, 12, 500, 1000)).toBe(1000);
    expect(plannedCount(60, 12, 500, 1000)).toBe(720);
    expect(plannedCount(10, 12, 500, 1000)).toBe(500);
    expect(plannedCount(Number.NaN, 12, 500, 1000)).toBe(500);
  });

  test('the summary table pads every column to its widest cell', () => {
    const table = formatTable(['scenario', 'status'], [['vote-burst', 'ok'], ['x', 'FAILED']]);
    expect(table.split('\n')).toEqual(['scenario    status', '----------  ------', 'vote-burst  ok', 'x           FAILED']);
  });
});

describe('exit code', () => {
  const clean = { baselineFailed: false, failedScenarios: 0, goalsMissed: 0 };
  test('when everything ran, then 0, even with goal misses unless --strict', () => {
    expect(exitCodeOf(clean, false)).toBe(0);
    expect(exitCodeOf({ ...clean, goalsMissed: 2 }, false)).toBe(0);
    expect(exitCodeOf({ ...clean, goalsMissed: 2 }, true)).toBe(1);
  });
  test('when the baseline or a scenario failed, then 1', () => {
    expect(exitCodeOf({ ...clean, failedScenarios: 1 }, false)).toBe(1);
    expect(exitCodeOf({ ...clean, baselineFailed: true }, false)).toBe(1);
  });
});
