import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { productionPackageDirs } from '../../scripts/bundle';
import { freePort } from '../support/azurite';

/**
 * The real `npm run bundle`, end to end: compiled JavaScript and production dependencies only,
 * and the unzipped bundle runs on its own (in a folder with no node_modules above it), the way
 * App Service runs it after `az webapp deploy --type zip`.
 *
 * Measured here: about 35 s to write the zip (62 MiB, 25,000 files) on an idle machine, and up
 * to 110 s on a busy one; hence the long timeouts.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
/** Dev tools no production package depends on: none of them may ship. */
const DEV_ONLY = ['jest', 'esbuild', 'ts-jest', 'typescript', 'ts-node', 'azurite', '@microsoft/m365agentsplayground', '@microsoft/app-manifest', 'web-tree-sitter', 'tree-sitter-bicep', 'jsdom', 'adm-zip', 'ajv-draft-04', '@types/jest'];

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env } });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('npm run bundle', () => {
  const work = path.join(ROOT, 'build', `bundletest-${randomBytes(4).toString('hex')}`);
  const zipFile = path.join(work, 'network-coach.zip');
  let unpacked: string | undefined;
  let app: ReturnType<typeof run> | undefined;
  afterAll(async () => {
    if (app && app.child.exitCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
    rmSync(work, { recursive: true, force: true });
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  });

  test('when npm lists the production tree, then it holds every dependency and none of the dev tools', () => {
    const dirs = productionPackageDirs(ROOT);
    for (const dep of Object.keys(pkg.dependencies)) expect(dirs).toContain(`node_modules/${dep}`);
    for (const dev of DEV_ONLY) {
      expect(Object.keys(pkg.devDependencies)).toContain(dev);
      expect(dirs.filter((d) => d === `node_modules/${dev}` || d.endsWith(`/node_modules/${dev}`))).toEqual([]);
    }
  }, 60000);

  test('when the bundle is written, then the zip holds dist/, a production package.json and the production dependencies, and no dev tool, source, test or .env', async () => {
    // The emit only (--noCheck): npm test's first step type-checks already. Into a folder of its own, so dist/ is left alone.
    const tsc = run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', path.join(work, 'dist')], ROOT);
    expect([await tsc.exited, tsc.output()]).toEqual([0, '']);
    // As `npm run build` does: main.js as one file (the packages it leaves outside ship in node_modules).
    const oneFile = run(process.execPath, [path.join(ROOT, 'scripts', 'bundle-main.js'), path.join(work, 'dist')], ROOT);
    expect([await oneFile.exited, oneFile.output()]).toEqual([0, '']);
    const bundle = run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/bundle.ts', '--no-build', '--dist', path.join(work, 'dist'), '--out', zipFile], ROOT);
    expect(await bundle.exited).toBe(0);
    expect(bundle.output()).toMatch(/wrote .*network-coach\.zip: \d+ files, [\d.]+ MiB/);

    const zip = new AdmZip(zipFile);
    const names = zip.getEntries().map((e) => e.entryName);
    expect(names).toContain('dist/main.js');
    expect(names).toContain('dist/digestOnce.js');
    for (const dep of Object.keys(pkg.dependencies)) expect(names).toContain(`node_modules/${dep}/package.json`);
    const shipped = JSON.parse(zip.readAsText('package.json')) as Record<string, unknown>;
    expect(shipped).not.toHaveProperty('devDependencies');
    expect(shipped.dependencies).toEqual(pkg.dependencies);
    expect(shipped.scripts).toEqual({ start: 'node dist/main.js' });
    const topLevel = new Set(names.map((n) => n.split('/')[0]));
    expect([...topLevel].sort()).toEqual(['dist', 'node_modules', 'package.json']);
    for (const dev of DEV_ONLY) expect(names.filter((n) => n.startsWith(`node_modules/${dev}/`) || n.includes(`/node_modules/${dev}/`))).toEqual([]);
    expect(names.filter((n) => /(^|\/)\.env(\.|$)/.test(n))).toEqual([]);
    expect(names.filter((n) => n.startsWith('node_modules/.bin/'))).toEqual([]);
  }, 480000);

  test('when the bundle is unzipped where no other node_modules can be found, then node dist/main.js answers /healthz and /readyz', async () => {
    unpacked = mkdtempSync(path.join(os.tmpdir(), 'coach-bundle-'));
    new AdmZip(zipFile).extractAllTo(unpacked, true);
    const port = await freePort();
    const cs = process.env.TEST_STORAGE_CONNECTION_STRING;
    if (!cs) throw new Error('TEST_STORAGE_CONNECTION_STRING is not set: run through jest (globalSetup starts Azurite)');
    app = run(process.execPath, ['dist/main.js'], unpacked, {
      PORT: String(port),
      HOST: '127.0.0.1',
      STORAGE_CONNECTION_STRING: cs,
      STORAGE_TABLE_PREFIX: `z${randomBytes(5).toString('hex')}`,
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    });
    const deadline = Date.now() + 120000;
    let health = 0;
    while (Date.now() < deadline && app.child.exitCode === null) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
      if (health === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect([health, app.child.exitCode]).toEqual([200, null]);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/api\/messages/);
  }, 240000);
});
