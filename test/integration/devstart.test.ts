import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { azuriteConnectionString, freePort } from '../support/azurite';
import { storageConnectionString, uniquePrefix } from '../support/harness';

/**
 * `npm start` (scripts/dev.js) as a person runs it: a child process on free ports with its own
 * data folder, checked from outside over HTTP and through the process table.
 */
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
const READY_WITHIN_MS = 15_000;
const STOPS_WITHIN_MS = 6_000;

interface DevRun {
  child: ChildProcess;
  startedAt: number;
  botPort: number;
  playgroundPort: number;
  output(): string;
  errors(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const runs: DevRun[] = [];
const seenPids = new Set<number>();
const dirs: string[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), name));
  dirs.push(dir);
  return dir;
}

async function startDev(env: Record<string, string>, how: 'node' | 'npm' = 'node'): Promise<DevRun> {
  const botPort = await freePort();
  const playgroundPort = await freePort();
  const base = { ...process.env };
  for (const name of ['STORAGE_CONNECTION_STRING', 'STORAGE_ACCOUNT_URL', 'AZURITE_TABLE_PORT', 'AZURITE_QUEUE_PORT', 'MICROSOFT_APP_ID', 'PORT', 'HOST', 'NODE_ENV']) delete base[name];
  // `npm start` as a supervisor or an IDE runs it: npm's own pid is the one that gets the signal.
  const npmCli = process.env.npm_execpath;
  const [command, args] =
    how === 'npm' ? (npmCli ? [process.execPath, [npmCli, 'start', '--silent']] : ['npm', ['start', '--silent']]) : [process.execPath, [path.join(ROOT, 'scripts', 'dev.js')]];
  const child = spawn(command, args as string[], {
    cwd: ROOT,
    env: {
      ...base,
      // No .env of the person running the tests leaks in (dev.js and the bot's dotenv both honour this).
      DOTENV_CONFIG_PATH: path.join(tempDir('no-dotenv-'), '.env'),
      LOG_LEVEL: 'warn',
      PORT: String(botPort),
      PLAYGROUND_PORT: String(playgroundPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const run: DevRun = { child, startedAt: Date.now(), botPort, playgroundPort, output: () => out, errors: () => err, exited };
  runs.push(run);
  return run;
}

async function httpStatus(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}

/** Polls /healthz; returns the ms from spawn to the first 200. */
async function healthyAfterMs(run: DevRun, limitMs = 60_000): Promise<number> {
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`npm start exited with ${run.child.exitCode}:\n${run.output()}\n${run.errors()}`);
    if ((await httpStatus(`http://127.0.0.1:${run.botPort}/healthz`)) === 200) return Date.now() - run.startedAt;
    if (Date.now() - run.startedAt > limitMs) throw new Error(`no /healthz after ${limitMs} ms:\n${run.output()}\n${run.errors()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForOutput(run: DevRun, pattern: RegExp, limitMs = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const match = run.output().match(pattern);
    if (match) return match;
    if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in the output:\n${run.output()}\n${run.errors()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The processes npm start started: pid and command line. */
function childrenOf(pid: number): { pid: number; args: string }[] {
  let text = '';
  try {
    text = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are none
  }
  const list = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [pid, ...args] = line.split(/\s+/);
      return { pid: Number(pid), args: args.join(' ') };
    });
  for (const c of list) seenPids.add(c.pid);
  return list;
}

/** Every process below `pid`, depth first. */
function descendantsOf(pid: number): { pid: number; args: string }[] {
  return childrenOf(pid).flatMap((c) => [c, ...descendantsOf(c.pid)]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pids: number[], limitMs: number): Promise<number[]> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Holds a port on loopback (if free) so the code under test has to do without it. */
async function hold(port: number, host: string | undefined = '127.0.0.1'): Promise<net.Server | undefined> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

afterAll(async () => {
  // Whatever a failed test left behind: npm start itself, then its children.
  for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  for (const pid of seenPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start (scripts/dev.js)', () => {
  test('when npm start runs on a fresh clone, then Azurite, the bot and the Playground come up, /healthz answers within 15 s, and Ctrl-C stops all of them with exit code 0; a restart with .env.example as .env keeps the data', async () => {
    const dataDir = path.join(tempDir('coach-data-'), 'not-yet-created');
    // The default Azurite and Playground ports are taken (by us, or by whatever already holds
    // them): npm start moves to free ones and says where.
    const held = [await hold(10002), await hold(10001), await hold(56150, undefined)];
    let tablePort: number;
    let queuePort: number;
    let lastRowKey: string | undefined;
    try {
      const run = await startDev({ COACH_DATA_DIR: dataDir, PLAYGROUND_PORT: '' });
      const readyMs = await healthyAfterMs(run);
      expect(readyMs).toBeLessThan(READY_WITHIN_MS);

      const banner = await waitForOutput(run, /tables :(\d+), queues :(\d+)/);
      tablePort = Number(banner[1]);
      queuePort = Number(banner[2]);
      expect([tablePort, queuePort]).not.toContain(10002);
      expect([tablePort, queuePort]).not.toContain(10001);
      const playgroundPort = Number((await waitForOutput(run, /Playground: +http:\/\/localhost:(\d+)/))[1]);
      expect(playgroundPort).not.toBe(56150);
      expect(run.output()).toMatch(/Authentication is OFF/);
      expect(await httpStatus(`http://127.0.0.1:${playgroundPort}/`)).toBe(200);
      expect(await httpStatus(`http://127.0.0.1:${run.botPort}/readyz`)).toBe(200);

      const children = childrenOf(run.child.pid!);
      expect(children.filter((c) => /azurite/.test(c.args))).toHaveLength(2);
      expect(children.filter((c) => /--bot\b/.test(c.args))).toHaveLength(1);
      expect(children.filter((c) => /m365agentsplayground/.test(c.args))).toHaveLength(1);
      expect(existsSync(path.join(dataDir, 'azurite'))).toBe(true);

      // Writes go on while npm start stops, until the bot has exited: that is when Azurite is told
      // to stop, so the last acknowledged write is milliseconds old. Azurite autosaves only every
      // 5 s; it is kept only if Azurite is stopped in a way that saves (SIGINT, not SIGTERM).
      const table = TableClient.fromConnectionString(azuriteConnectionString(tablePort, queuePort), 'devstartcheck', { allowInsecureConnection: true });
      await table.createTable();
      const bot = children.find((c) => /--bot\b/.test(c.args))!;
      const stopAsked = Date.now();
      run.child.kill('SIGINT');
      for (let i = 0; ; i++) {
        const next = `r${String(i).padStart(6, '0')}`;
        const ok = await table.createEntity({ partitionKey: 'p', rowKey: next, note: 'kept' }).then(
          () => true,
          () => false,
        );
        if (!ok) break;
        lastRowKey = next;
        if (!alive(bot.pid)) break;
      }
      expect(lastRowKey).toBeDefined();
      const exit = await run.exited;
      expect(exit.at - stopAsked).toBeLessThan(STOPS_WITHIN_MS);
      expect(exit.code).toBe(0);
      expect(await gone(children.map((c) => c.pid), 2000)).toEqual([]);
      expect(await httpStatus(`http://127.0.0.1:${run.botPort}/healthz`)).toBeUndefined();
    } finally {
      for (const server of held) server?.close();
    }

    // Again on the same folder, the way the README's `cp .env.example .env` sets it up: the
    // example's local-Azurite connection string (here on free ports) gets Azurite started on them.
    const [table2, queue2] = [await freePort(), await freePort()];
    const dotenv = path.join(tempDir('dotenv-'), '.env');
    const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    expect(example).toMatch(/127\.0\.0\.1:10002/);
    writeFileSync(dotenv, example.replace(/127\.0\.0\.1:10002/g, `127.0.0.1:${table2}`).replace(/127\.0\.0\.1:10001/g, `127.0.0.1:${queue2}`));
    const again = await startDev({ COACH_DATA_DIR: dataDir, DOTENV_CONFIG_PATH: dotenv });
    await healthyAfterMs(again);
    expect(await waitForOutput(again, /Azurite on 127\.0\.0\.1 \(tables :(\d+), queues :(\d+)\)/)).toEqual(expect.arrayContaining([String(table2), String(queue2)]));
    const table = TableClient.fromConnectionString(azuriteConnectionString(table2, queue2), 'devstartcheck', { allowInsecureConnection: true });
    const entity = await table.getEntity<{ note: string }>('p', lastRowKey!);
    expect(entity.note).toBe('kept');
    const children = childrenOf(again.child.pid!);
    again.child.kill('SIGINT');
    expect((await again.exited).code).toBe(0);
    expect(await gone(children.map((c) => c.pid), 2000)).toEqual([]);
  });

  test('when a storage connection string is configured in .env, then Azurite is not started and the bot uses that storage; when the Playground then dies, npm start stops the bot and fails, naming it', async () => {
    const dataDir = tempDir('coach-data-');
    const prefix = uniquePrefix();
    const dotenv = path.join(dataDir, '.env');
    writeFileSync(dotenv, `STORAGE_CONNECTION_STRING="${storageConnectionString()}"\nSTORAGE_TABLE_PREFIX=${prefix}\n`);
    const run = await startDev({ COACH_DATA_DIR: dataDir, DOTENV_CONFIG_PATH: dotenv });
    await healthyAfterMs(run);
    await waitForOutput(run, /Press Ctrl-C to stop/);
    expect(run.output()).toMatch(/Azurite already running at 127\.0\.0\.1:\d+, as configured \(not started here\)/);
    const children = childrenOf(run.child.pid!);
    expect(children.filter((c) => /azurite/.test(c.args))).toEqual([]);
    expect(existsSync(path.join(dataDir, 'azurite'))).toBe(false);

    // The bot created its tables in the configured storage (the tests' own Azurite).
    expect(await httpStatus(`http://127.0.0.1:${run.botPort}/readyz`)).toBe(200);
    const service = TableServiceClient.fromConnectionString(storageConnectionString(), { allowInsecureConnection: true });
    const tables: string[] = [];
    for await (const t of service.listTables({ queryOptions: { filter: `TableName ge '${prefix}' and TableName lt '${prefix}~'` } })) tables.push(t.name ?? '');
    expect(tables.length).toBeGreaterThan(0);

    const playground = children.find((c) => /m365agentsplayground/.test(c.args));
    expect(playground).toBeDefined();
    process.kill(playground!.pid, 'SIGKILL');
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    expect(run.errors()).toMatch(/The playground process was killed by SIGKILL unexpectedly/);
    expect(await gone(children.map((c) => c.pid), 2000)).toEqual([]);
  });

  test.each(['SIGINT', 'SIGTERM'] as const)('when a supervisor sends %s to npm start\'s own pid, then the bot, Azurite and the Playground all stop', async (signal) => {
    const run = await startDev({ COACH_DATA_DIR: tempDir('coach-data-') }, 'npm');
    await healthyAfterMs(run);
    await waitForOutput(run, /Press Ctrl-C to stop/);
    const tree = descendantsOf(run.child.pid!);
    expect(tree.filter((c) => /azurite|--bot\b|m365agentsplayground/.test(c.args)).length).toBe(4);
    run.child.kill(signal);
    await run.exited;
    expect(await gone(tree.map((c) => c.pid), STOPS_WITHIN_MS)).toEqual([]);
    expect(await httpStatus(`http://127.0.0.1:${run.botPort}/healthz`)).toBeUndefined();
  });

  test('when the bot port is already taken, then npm start says so and starts nothing', async () => {
    const port = await freePort();
    const server = await hold(port);
    try {
      const run = await startDev({ PORT: String(port), COACH_DATA_DIR: tempDir('coach-data-') });
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      expect(run.errors()).toContain(`port ${port} is in use`);
      expect(run.output()).not.toMatch(/Network Coach is running/);
    } finally {
      server?.close();
    }
  });
});
