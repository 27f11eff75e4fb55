import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fmt, percentile, ratio, type BenchScenario } from '../lib';
import { compileTaxonomy } from '../../src/features/stories/themes';
import { defaultTaxonomy } from '../../src/features/stories/taxonomy';
import { CORPUS_FILE, readLabelled } from '../../src/themes/corpus';
import { analyse, compiledCues } from '../../src/themes/features';
import { loadModel, shippedModel } from '../../src/themes/shipped';
import { VECTORS_FILE } from '../../src/themes/meaning';
import { loadVectors } from '../../src/themes/vectors';
import { scoreText } from '../../src/themes/tagger';
import { fitTeamLayer, type Correction } from '../../src/themes/team';

/**
 * "tagging" (issue 10): the learned themes tagger on its own.
 *  - tagging a 2,000-character story (shipped model + a team layer fitted on 100 corrections),
 *    p50 and p99 over 400 distinct stories, the p50 as a ratio to the baseline turn, and the
 *    CPU time per story (wall time on a shared machine includes waiting for a core);
 *  - loading the model file and the word vectors it reads (read, parse, check, build), median of 7 loads;
 *  - fitting a team's layer from 300 corrections (what a space's first tagging after a minute costs);
 *  - cold start of the bot to /readyz 200, with the model and wink loaded: as production runs it
 *    (`npm run build`'s output, main.js as one file, `node main.js`, built once into
 *    build/bench-dist before timing; a new table prefix each time, so every table is created), and as
 *    `npm start` runs it (scripts/dev.js --bot, from the transpile cache `npm install` warms).
 */
const ROOT = path.join(__dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Builds src/ as `npm run build` does (tsc, then main.js as one file), into build/bench-dist (inside the project, so node_modules resolve). */
function buildForBench(): string {
  const out = path.join(ROOT, 'build', 'bench-dist');
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out], { cwd: ROOT, stdio: 'ignore' });
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle-main.js'), out], { cwd: ROOT, stdio: 'ignore' });
  return path.join(out, 'main.js');
}

async function coldStartMs(connectionString: string, args: string[], prefix = `bt${Date.now().toString(36)}`): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', STORAGE_CONNECTION_STRING: connectionString, STORAGE_TABLE_PREFIX: prefix, SCHEDULER_ENABLED: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode} before /readyz`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      if (performance.now() - t0 > 30_000) throw new Error('no /readyz within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
  }
}

export const scenario: BenchScenario = {
  name: 'tagging',
  description: 'themes tagger: a 2,000-character story p50/p99 (ratio to the baseline turn), model load, team layer fit, cold start to /readyz',
  async run(ctx) {
    const corpus = readLabelled(CORPUS_FILE).map((s) => s.text);
    const compiled = compileTaxonomy(defaultTaxonomy);
    // Distinct 2,000-character stories made of corpus stories, each starting elsewhere.
    const stories = Array.from({ length: 400 }, (_, i) => {
      let text = '';
      for (let j = i; text.length < 2000; j += 7) text += `${corpus[j % corpus.length]} `;
      return text.slice(0, 2000);
    });
    const corrections: Correction[] = corpus.slice(0, 100).map((text, i) => ({
      storyId: String(i).padStart(4, '0'),
      features: analyse(text, compiled).features,
      themes: [defaultTaxonomy[i % 12]!.id],
      known: defaultTaxonomy.map((t) => t.id),
      at: i,
    }));
    const model = shippedModel();
    const index = new Map(model.ids.map((id, i) => [id, i]));
    const layer = fitTeamLayer(corrections, (_features, id) => (index.has(id) ? -1 : -3));

    // Warm-up, then measured.
    for (const text of stories.slice(0, 50)) scoreText(model, compiled, layer, text);
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    for (const text of stories) {
      const t0 = performance.now();
      scoreText(model, compiled, layer, text);
      times.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    // On a machine shared with other work, wall time includes waiting for a core: CPU time says what tagging itself costs.
    const cpuMs = (cpu.user + cpu.system) / 1000 / stories.length;
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p99 = percentile(times, 99);

    const loads: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      loadVectors(JSON.parse(readFileSync(VECTORS_FILE, 'utf8')));
      loadModel(JSON.parse(readFileSync(path.join(ROOT, 'src', 'themes', 'model.json'), 'utf8')));
      loads.push(performance.now() - t0);
    }
    loads.sort((a, b) => a - b);
    const loadMs = percentile(loads, 50);

    const many: Correction[] = Array.from({ length: 300 }, (_, i) => ({ ...corrections[i % corrections.length]!, storyId: String(i).padStart(4, '0'), at: i }));
    const fits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      fitTeamLayer(many, (_f, id) => (index.has(id) ? -1 : -3));
      fits.push(performance.now() - t0);
    }
    fits.sort((a, b) => a - b);
    const fitMs = percentile(fits, 50);

    // What the tagger adds to a start: the word vectors, the model file, and the cue words compiled on first use.
    const start0 = process.cpuUsage();
    loadVectors(JSON.parse(readFileSync(VECTORS_FILE, 'utf8')));
    loadModel(JSON.parse(readFileSync(path.join(ROOT, 'src', 'themes', 'model.json'), 'utf8')));
    compileTaxonomy(compiledCues().map((c) => ({ id: c.id, name: c.name, phrases: c.sequences.map((q) => q.join(' ')) })));
    const startCpu = process.cpuUsage(start0);
    const startCpuMs = (startCpu.user + startCpu.system) / 1000;

    const mainJs = buildForBench();
    const scriptsDev = path.join(ROOT, 'scripts', 'dev.js');
    execFileSync(process.execPath, [scriptsDev, '--warm'], { cwd: ROOT, stdio: 'ignore' });
    const colds: number[] = [];
    const restarts: number[] = [];
    const devs: number[] = [];
    // A restart (or another instance) of a deployment whose tables exist: made once, untimed.
    const deployed = `br${Date.now().toString(36)}`;
    await coldStartMs(ctx.connectionString, [mainJs], deployed);
    for (let i = 0; i < 3; i++) {
      colds.push(await coldStartMs(ctx.connectionString, [mainJs]));
      restarts.push(await coldStartMs(ctx.connectionString, [mainJs], deployed));
      devs.push(await coldStartMs(ctx.connectionString, ['--no-deprecation', scriptsDev, '--bot']));
    }
    const cold = percentile(colds.sort((x, y) => x - y), 50);
    const restart = percentile(restarts.sort((x, y) => x - y), 50);
    const dev = percentile(devs.sort((x, y) => x - y), 50);
    const b = ctx.baseline.c1.p50;
    ctx.print(`tagging a 2,000-character story: p50 ${fmt(p50, 2)} ms, p99 ${fmt(p99, 2)} ms over ${stories.length} stories, CPU ${fmt(cpuMs, 2)} ms each (baseline turn p50 ${fmt(b, 1)} ms)`);
    ctx.print(`model load with the word vectors (read, parse, check, build): ${fmt(loadMs, 1)} ms; team layer fit from 300 corrections: ${fmt(fitMs, 1)} ms`);
    ctx.print(`tagger start-up work (word vectors, model file, cue words): ${fmt(startCpuMs, 0)} ms CPU; cold start to /readyz (median of 3): built (node main.js, as in production) ${fmt(cold, 0)} ms creating every table, ${fmt(restart, 0)} ms with the tables there (a restart); npm start's bot (warm transpile cache) ${fmt(dev, 0)} ms`);
    return {
      figures: {
        'tag 2,000 chars p50 ms': p50,
        'tag 2,000 chars p99 ms': p99,
        'tag p50 / baseline turn p50': ratio(p50, b),
        'tag CPU ms (mean)': cpuMs,
        'model load ms': loadMs,
        'team layer fit (300) ms': fitMs,
        'tagger start-up CPU ms': startCpuMs,
        'cold start to /readyz ms (compiled)': cold,
        'restart to /readyz ms (tables exist)': restart,
        'npm start bot to /readyz ms (warm cache)': dev,
      },
      goals: {
        'tag 2,000 chars p50 <= 5 ms': p50 <= 5,
        'model load <= 300 ms': loadMs <= 300,
        'cold start to /readyz < 3 s': cold < 3000,
      },
    };
  },
};
