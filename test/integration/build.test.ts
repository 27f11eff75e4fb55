import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { freePort } from '../support/azurite';
import { TeamsBuilder } from '../support/activities';
import { ConnectorStandIn } from '../support/connector';

// Read directly (not through the harness): this test never loads the app into jest's process.
function storageConnectionString(): string {
  const cs = process.env.TEST_STORAGE_CONNECTION_STRING;
  if (!cs) throw new Error('TEST_STORAGE_CONNECTION_STRING is not set: run through jest (globalSetup starts Azurite)');
  return cs;
}

/**
 * The production path: `npm run build` (tsc -p tsconfig.build.json, then scripts/bundle-main.js
 * makes main.js one file) gives the package's `main`, which starts from the environment alone,
 * answers /healthz and refuses unauthenticated activities, and takes a Teams message and answers
 * it; `npm run start:bot` (ts-node, no build) starts the same way. The build goes to a
 * throw-away folder under build/ (git-ignored), so the repo's dist/ is left alone.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], cwd: string, env: Record<string, string>): Started {
  let output = '';
  // Own process group, so that npm and the node it runs are stopped together.
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env }, detached: true });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function stopGroup(s: Started, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (s.child.exitCode !== null || s.child.signalCode !== null || !s.child.pid) return;
  try {
    process.kill(-s.child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitForHealth(url: string, s: Started, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void s.exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`the process exited before answering /healthz:\n${s.output()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no /healthz within ${timeoutMs} ms:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runToEnd(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const s = start(command, args, cwd, env);
  return { code: await s.exited, output: s.output() };
}

function baseEnv(port: number): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    STORAGE_CONNECTION_STRING: storageConnectionString(),
    STORAGE_TABLE_PREFIX: `b${randomBytes(5).toString('hex')}`,
    SCHEDULER_ENABLED: 'false',
    LOG_LEVEL: 'warn',
  };
}

describe('production build and start scripts', () => {
  const outDir = path.join(ROOT, 'build', `buildtest-${randomBytes(4).toString('hex')}`);
  const running: Started[] = [];
  // start:bot boots (ts-node transpiles src) while tsc builds: the two are independent.
  let startBot: { s: Started; port: number };
  beforeAll(async () => {
    const port = await freePort();
    const s = start('npm', ['run', '--silent', 'start:bot'], ROOT, { ...baseEnv(port), NODE_ENV: 'development' });
    running.push(s);
    startBot = { s, port };
  });
  afterAll(async () => {
    for (const s of running) stopGroup(s, 'SIGKILL');
    await Promise.all(running.map((s) => s.exited));
    rmSync(outDir, { recursive: true, force: true });
  });

  test('when the build script runs tsc on tsconfig.build.json and bundles main.js, then its output holds the package main as one file', async () => {
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json && node scripts\/bundle-main\.js$/);
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    const { outDir: configuredOut, rootDir } = parsed!.options;
    // main.ts lands in outDir at its path relative to rootDir: that must be package.json's main.
    expect(path.relative(ROOT, path.join(configuredOut!, path.relative(rootDir!, path.join(ROOT, 'src', 'main.ts'))))).toBe(pkg.main.replace(/\.js$/, '.ts'));

    // --noCheck: the types of src are checked by `npm test`'s first step (tsc --noEmit) already;
    // what this adds is the emit of the build config, run for real below (half the time).
    const tsc = await runToEnd(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', outDir], ROOT);
    expect(tsc.output).toBe('');
    expect(tsc.code).toBe(0);
    const bundled = await runToEnd(process.execPath, [path.join(ROOT, 'scripts', 'bundle-main.js'), outDir], ROOT);
    expect([bundled.code, bundled.output]).toEqual([0, '']);
    expect(existsSync(path.join(outDir, 'main.js'))).toBe(true);
    // One file: the app's own modules are inside it, none is required from its folder. (Booleans:
    // a failing match would print all 14 MB.)
    const main = readFileSync(path.join(outDir, 'main.js'), 'utf8');
    expect({ requiresOwnModule: /require\("\.\.?\//.test(main), holdsApp: /"[^"]*\/app\.js"\(exports/.test(main), holdsTeamsAi: main.includes('node_modules/@microsoft/teams-ai/lib/Application.js') }).toEqual({ requiresOwnModule: false, holdsApp: true, holdsTeamsAi: true });
  }, 120000);

  test('when the built main runs without an app id, then it takes a Teams message and answers it through the connector', async () => {
    expect(existsSync(path.join(outDir, 'main.js'))).toBe(true);
    const connector = await new ConnectorStandIn().start();
    const port = await freePort();
    const s = start(process.execPath, [path.join(outDir, 'main.js')], os.tmpdir(), { ...baseEnv(port), NODE_ENV: 'development' });
    running.push(s);
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url, s);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const message = new TeamsBuilder(connector.url).personalMessage('help');
      const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
      expect(res.status).toBeLessThan(300);
      const deadline = Date.now() + 15000;
      while (connector.activities.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(connector.activities.length).toBeGreaterThan(0);
      expect(connector.activities[0]!.conversationId).toBe((message.conversation as { id: string }).id);
      stopGroup(s);
      expect(await s.exited).toBe(0);
    } finally {
      await connector.stop();
    }
  }, 60000);

  test('when the built main starts with a production environment, then it answers /healthz, refuses an unauthenticated activity and stops on SIGTERM; without an app id it exits 2 naming the setting', async () => {
    expect(existsSync(path.join(outDir, 'main.js'))).toBe(true);
    const port = await freePort();
    const env = { ...baseEnv(port), NODE_ENV: 'production', MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555', MICROSOFT_APP_PASSWORD: 'not-a-real-secret' };
    // cwd outside the repo: no .env is read, modules resolve from the build's own location.
    const s = start(process.execPath, [path.join(outDir, 'main.js')], os.tmpdir(), env);
    running.push(s);
    // Booted side by side (each load takes seconds): production without an app id must not start.
    const invalid = runToEnd(process.execPath, [path.join(outDir, 'main.js')], os.tmpdir(), { ...baseEnv(await freePort()), NODE_ENV: 'production' });

    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, s);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const unauthenticated = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', id: '1', serviceUrl: 'http://127.0.0.1:9/', channelId: 'msteams', conversation: { id: 'c1' }, text: 'hi' }),
    });
    expect(unauthenticated.status).toBe(401);
    stopGroup(s);
    expect(await s.exited).toBe(0);

    const refused = await invalid;
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(/MICROSOFT_APP_ID/);
  }, 60000);

  test('when npm run start:bot runs (ts-node, no build), then it answers /healthz and stops on SIGTERM', async () => {
    const { s, port } = startBot;
    await waitForHealth(`http://127.0.0.1:${port}`, s, 60000);
    stopGroup(s);
    await s.exited;
    expect(s.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/api\/messages/);
  }, 60000);
});
