#!/usr/bin/env node
'use strict';
/**
 * `npm start`: the whole product on one machine, no Azure account needed.
 *
 *   1. Azurite (Azure Table + Queue storage) as two child processes on loopback, its data under
 *      .data/azurite so it survives restarts. Skipped when storage is configured
 *      (STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_URL, in the environment or .env), except
 *      that a connection string to the local Azurite account (the one in .env.example) gets an
 *      Azurite started on its ports, unless one already listens there.
 *   2. The bot (src/main.ts) on 127.0.0.1:3978, authentication off (no app id locally).
 *   3. The Microsoft 365 Agents Playground, a Teams-like web client, pointed at the bot.
 *
 * Ctrl-C stops all three: the bot and the Playground with SIGTERM, then Azurite with SIGINT
 * (SIGTERM would skip Azurite's final save and lose the last ~5 s of writes). If any child dies
 * on its own, the others are stopped and this exits non-zero, saying which one and why.
 *
 * Settings (environment or .env): PORT (bot, 3978), PLAYGROUND_PORT (56150), AZURITE_TABLE_PORT
 * (10002) and AZURITE_QUEUE_PORT (10001) (a taken default port is replaced by a free one; a taken
 * explicit port, or a taken bot port, is an error), COACH_DATA_DIR (.data), DOTENV_CONFIG_PATH (.env).
 *
 * Children run detached (own process group, so Ctrl-C reaches only this process, which stops
 * them in order) and through a wrapper mode of this file that also stops them if this process
 * disappears without a chance to clean up (kill -9): `node scripts/dev.js --child <signal> <js>`.
 *
 * The bot runs from source. TypeScript is transpiled file by file (no type check, like ts-node's
 * transpile-only) with the result cached on disk by content hash, so a restart does not even load
 * the compiler: `node scripts/dev.js --bot` is that runner, started by the orchestrator below.
 * The output carries inline source maps; `NODE_OPTIONS=--enable-source-maps npm start` turns them
 * on for stack traces (off by default: parsing them slows the start).
 */
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const AZURITE_ACCOUNT = 'devstoreaccount1';
// The well-known Azurite development key (public, the same for every Azurite install).
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const DEFAULTS = { botPort: 3978, playgroundPort: 56150, tablePort: 10002, queuePort: 10001 };
const READY_TIMEOUT_MS = 60_000;
/** Where the bot runner keeps the transpiled source (see typeScriptCache). */
const DEV_CACHE = path.join(ROOT, 'node_modules', '.cache', 'network-coach-dev');
const STOP_TIMEOUT_MS = 8_000;

if (process.argv[2] === '--bot') {
  stopWhenOrphaned('SIGTERM');
  runBot();
} else if (process.argv[2] === '--warm') {
  warmCache();
} else if (process.argv[2] === '--child') {
  runChild(process.argv[3], process.argv[4], process.argv.slice(5));
} else {
  main().catch((err) => {
    fail(err instanceof Error ? err.message : String(err));
  });
}

// ---------------------------------------------------------------------------------------------
// Orchestrator
// ---------------------------------------------------------------------------------------------

/** @typedef {{ name: string, child: import('node:child_process').ChildProcess, tail: string[], stopSignal: NodeJS.Signals, exited: Promise<void> }} Managed */

/** @type {Managed[]} */
const managed = [];
let stopping = false;

async function main() {
  // DOTENV_CONFIG_PATH is also what the bot's `dotenv/config` reads, so both see the same file.
  const env = { ...readDotEnv(path.resolve(ROOT, process.env.DOTENV_CONFIG_PATH || '.env')), ...process.env };
  const dataDir = path.resolve(ROOT, env.COACH_DATA_DIR || '.data');
  const useConfiguredStorage = Boolean(nonEmpty(env.STORAGE_CONNECTION_STRING) || nonEmpty(env.STORAGE_ACCOUNT_URL));

  const botPort = portSetting(env, 'PORT', DEFAULTS.botPort);
  const playgroundPort = portSetting(env, 'PLAYGROUND_PORT', DEFAULTS.playgroundPort);
  await requireFree(botPort.port, '127.0.0.1', `The bot's port ${botPort.port} is in use (is another \`npm start\` running?). Stop it, or set PORT.`);
  // A taken default Playground port is fine: the Playground moves to a free one and says which.
  if (playgroundPort.explicit) {
    await requireFree(playgroundPort.port, undefined, `PLAYGROUND_PORT=${playgroundPort.port} is in use. Choose another port, or unset PLAYGROUND_PORT.`);
  }

  fs.mkdirSync(dataDir, { recursive: true });
  installSignalHandlers();

  const started = Date.now();
  /** @type {Record<string, string>} */
  const botEnv = {
    NODE_ENV: 'development',
    PORT: String(botPort.port),
    HOST: '127.0.0.1',
    // Empty on purpose: no app id means no request authentication, which the Playground needs.
    // An empty variable also wins over a MICROSOFT_APP_ID in .env (dotenv never overrides).
    MICROSOFT_APP_ID: '',
    MICROSOFT_APP_PASSWORD: '',
  };
  let storageLine;
  let azuritePorts = [];
  const configured = nonEmpty(env.STORAGE_CONNECTION_STRING);
  const local = configured ? localAzuriteOf(configured) : undefined;
  if (local && (await portOpen(local.tablePort))) {
    storageLine = `the Azurite already running at 127.0.0.1:${local.tablePort}, as configured (not started here)`;
  } else if (useConfiguredStorage && !local) {
    storageLine = 'the storage configured in STORAGE_CONNECTION_STRING / STORAGE_ACCOUNT_URL (Azurite not started)';
  } else {
    // Nothing configured, or the local Azurite of .env.example that is not running yet: start it,
    // on exactly the configured ports in the second case.
    const tablePort = local ? await exactPort(local.tablePort, 'the Azurite table port of STORAGE_CONNECTION_STRING') : await azuritePort(env, 'AZURITE_TABLE_PORT', DEFAULTS.tablePort);
    const queuePort = local ? await exactPort(local.queuePort, 'the Azurite queue port of STORAGE_CONNECTION_STRING') : await azuritePort(env, 'AZURITE_QUEUE_PORT', DEFAULTS.queuePort, [tablePort]);
    const location = path.join(dataDir, 'azurite');
    fs.mkdirSync(location, { recursive: true });
    startAzurite('table', tablePort, location);
    startAzurite('queue', queuePort, location);
    azuritePorts = [tablePort, queuePort];
    botEnv.STORAGE_CONNECTION_STRING = configured ?? azuriteConnectionString(tablePort, queuePort);
    const shown = location.startsWith(ROOT + path.sep) ? path.relative(ROOT, location) : location;
    storageLine = `Azurite on 127.0.0.1 (tables :${tablePort}, queues :${queuePort}), data in ${shown}`;
  }

  // The bot loads its modules while Azurite starts, and waits for Azurite's ports before it
  // opens the store (COACH_DEV_WAIT_PORTS).
  startChild('bot', process.execPath, ['--no-deprecation', __filename, '--bot'], {
    env: { ...process.env, ...botEnv, COACH_DEV_WAIT_PORTS: azuritePorts.join(',') },
    echo: true,
  });
  // The Playground quietly moves to another port when its own is taken: trust what it announces.
  // It listens on all interfaces (it has no option for a host); the bot itself stays on loopback.
  /** @type {(port: number) => void} */
  let playgroundListening = () => {};
  const playgroundAnnounced = new Promise((resolve) => (playgroundListening = resolve));
  const playground = startChild('playground', process.execPath, ['--no-deprecation', __filename, '--child', 'SIGTERM', playgroundCli(), '-e', `http://127.0.0.1:${botPort.port}/api/messages`, '-c', 'msteams', '-p', String(playgroundPort.port), '--disable-telemetry'], {
    env: {
      ...process.env,
      TEAMSAPPTESTER_BROWSER: 'none',
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: path.join(ROOT, '.m365agentsplayground.yml'),
      M365_AGENTS_PLAYGROUND_LOGFILE: path.join(dataDir, 'playground.log'),
    },
    echo: false,
    onLine: (line) => {
      const match = /Listening on (\d+)/.exec(line);
      if (match) playgroundListening(Number(match[1]));
    },
  });
  // The bot and Azurite are on the critical path; the Playground only has to be up by the time
  // someone opens it. On a busy machine this lets them have the CPU first.
  lowerPriority(playground);

  const [, uiPort] = await Promise.all([
    waitFor(() => httpOk(`http://127.0.0.1:${botPort.port}/healthz`), 'the bot to answer /healthz'),
    withTimeout(playgroundAnnounced, 'the Playground to start').then(async (port) => {
      await waitFor(() => httpOk(`http://127.0.0.1:${port}/`), 'the Playground to answer');
      return port;
    }),
  ]);
  if (stopping) return;

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    '',
    `Network Coach is running (ready in ${seconds} s).`,
    '',
    `  Open the Teams-like Playground:  http://localhost:${uiPort}`,
    `  Bot endpoint:                    http://127.0.0.1:${botPort.port}/api/messages`,
    `  Storage:                         ${storageLine}`,
    '',
    '  Authentication is OFF: no MICROSOFT_APP_ID locally, so the bot accepts unsigned requests on',
    '  loopback. Never run it like this on a server. (The Playground listens on every network',
    '  interface of this machine, its own choice: use it on a network you trust.)',
    '  Try "@Coach help" in the Customer Network team, or "help" in the personal chat.',
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

function startAzurite(service, port, location) {
  const entry = path.join(path.dirname(require.resolve('azurite/package.json', { paths: [ROOT] })), 'dist', 'src', service, 'main.js');
  startChild(`azurite-${service}`, process.execPath, [
    __filename, '--child', 'SIGINT', entry,
    '--location', location,
    `--${service}Host`, '127.0.0.1',
    `--${service}Port`, String(port),
    '--disableTelemetry', '--skipApiVersionCheck', '--silent',
  ], { env: process.env, echo: false, stopSignal: 'SIGINT' });
}

function playgroundCli() {
  return path.join(path.dirname(require.resolve('@microsoft/m365agentsplayground/package.json', { paths: [ROOT] })), 'cli.js');
}

/**
 * The loopback ports of a connection string to the Azurite development account (as in
 * .env.example, or UseDevelopmentStorage=true), else undefined: a real account.
 */
function localAzuriteOf(connectionString) {
  if (/(^|;)\s*UseDevelopmentStorage=true/i.test(connectionString)) return { tablePort: DEFAULTS.tablePort, queuePort: DEFAULTS.queuePort };
  const parts = Object.fromEntries(
    connectionString
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const eq = part.indexOf('=');
        return [part.slice(0, eq).toLowerCase(), part.slice(eq + 1)];
      }),
  );
  if (parts.accountname !== AZURITE_ACCOUNT || !parts.tableendpoint) return undefined;
  const loopbackPort = (endpoint, fallback) => {
    try {
      const url = new URL(endpoint);
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
      return url.port ? Number(url.port) : fallback;
    } catch {
      return undefined;
    }
  };
  const tablePort = loopbackPort(parts.tableendpoint, 80);
  const queuePort = parts.queueendpoint ? loopbackPort(parts.queueendpoint, 80) : DEFAULTS.queuePort;
  return tablePort && queuePort ? { tablePort, queuePort } : undefined;
}

function azuriteConnectionString(tablePort, queuePort) {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT};QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT};`
  );
}

/**
 * Children run in their own process group (detached), so a terminal's Ctrl-C reaches only this
 * process, which then stops them in order. They are still stopped if this process exits for any
 * reason short of SIGKILL (see the 'exit' handler).
 */
function startChild(name, command, args, { env, echo, stopSignal = 'SIGTERM', onLine: watch = undefined }) {
  // (On Windows a detached child gets its own console window, and signals are not delivered
  // anyway: there, children share the console and are ended, not signalled.)
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32', windowsHide: true });
  /** @type {string[]} */
  const tail = [];
  const onLine = (stream) => (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (echo) stream.write(`[${name}] ${line}\n`);
    if (watch) watch(line);
  };
  lines(child.stdout, onLine(process.stdout));
  lines(child.stderr, onLine(process.stderr));
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      resolve();
      if (!stopping) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const detail = tail.length > 0 ? `\nIts last output:\n  ${tail.join('\n  ')}` : '';
        void shutdown(1, `The ${name} process ${how} unexpectedly; stopping the others.${detail}`);
      }
    });
    child.once('error', (err) => {
      resolve();
      if (!stopping) void shutdown(1, `Could not start the ${name} process: ${err.message}`);
    });
  });
  managed.push({ name, child, tail, stopSignal, exited });
  return child;
}

function installSignalHandlers() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    // npm forwards the terminal's SIGINT as well: a repeat while stopping is ignored, the stop
    // itself has a hard time limit.
    process.on(signal, () => void shutdown(0));
  }
  process.on('exit', () => {
    for (const m of managed) if (isRunning(m.child)) safeKill(m.child, 'SIGKILL');
  });
}

/** Stops the bot and the Playground, then Azurite (once nothing holds a connection to it). */
async function shutdown(code, message) {
  if (stopping) return;
  stopping = true;
  if (message) process.stderr.write(`\n${message}\n`);
  else process.stdout.write('\nStopping Network Coach...\n');
  const hardStop = setTimeout(() => {
    for (const m of managed) if (isRunning(m.child)) safeKill(m.child, 'SIGKILL');
    process.stderr.write('Some processes did not stop in time and were killed.\n');
    process.exit(code || 1);
  }, STOP_TIMEOUT_MS);
  hardStop.unref();
  const apps = managed.filter((m) => !m.name.startsWith('azurite'));
  const storage = managed.filter((m) => m.name.startsWith('azurite'));
  await stopAll(apps);
  await stopAll(storage);
  clearTimeout(hardStop);
  if (!message) process.stdout.write('Stopped.\n');
  process.exit(code);
}

async function stopAll(list) {
  for (const m of list) if (isRunning(m.child)) safeKill(m.child, m.stopSignal);
  await Promise.all(list.map((m) => m.exited));
}

function lowerPriority(child) {
  try {
    if (child.pid !== undefined) require('node:os').setPriority(child.pid, 10);
  } catch {
    // not allowed here: it only costs speed
  }
}

function isRunning(child) {
  return child.exitCode === null && child.signalCode === null && child.pid !== undefined;
}

function safeKill(child, signal) {
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------------------------
// Ports, settings, readiness
// ---------------------------------------------------------------------------------------------

function portSetting(env, name, fallback) {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return { port: fallback, explicit: false };
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port number (1-65535), not "${raw}".`);
  return { port, explicit: true };
}

/** The default Azurite port if free, else any free port; an explicit port must be free. */
async function azuritePort(env, name, fallback, avoid = []) {
  const setting = portSetting(env, name, fallback);
  if (await isFree(setting.port, '127.0.0.1')) return setting.port;
  if (setting.explicit) throw new Error(`${name}=${setting.port} is in use. Choose another port, or unset ${name} to let me pick one.`);
  for (;;) {
    const port = await freePort();
    if (!avoid.includes(port)) return port;
  }
}

async function exactPort(port, what) {
  if (!(await isFree(port, '127.0.0.1'))) throw new Error(`${what} (${port}) is already in use. Free it, or change the connection string.`);
  return port;
}

async function requireFree(port, host, message) {
  if (!(await isFree(port, host))) throw new Error(message);
}

function isFree(port, host) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function httpOk(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode < 500);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

async function waitFor(check, what, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!stopping) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what} after ${timeoutMs / 1000} s.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function withTimeout(promise, what, timeoutMs = READY_TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Gave up waiting for ${what} after ${timeoutMs / 1000} s.`)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function readDotEnv(file) {
  if (!fs.existsSync(file)) return {};
  try {
    return require('dotenv').parse(fs.readFileSync(file));
  } catch (err) {
    throw new Error(`Could not read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function nonEmpty(value) {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function lines(stream, onLine) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl).replace(/\r$/, ''));
      buffered = buffered.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered);
  });
}

function fail(message) {
  process.stderr.write(`\nnpm start failed: ${message}\n`);
  if (managed.length > 0) void shutdown(1, 'Stopping what was started.');
  else process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Child wrappers
// ---------------------------------------------------------------------------------------------

/** Runs a Node script (Azurite, the Playground CLI) as if started directly, with the orphan watchdog. */
function runChild(signal, entry, args) {
  if (!entry || !/^SIG[A-Z]+$/.test(signal || '')) {
    process.stderr.write('usage: node scripts/dev.js --child <SIGNAL> <script.js> [args...]\n');
    process.exit(2);
  }
  stopWhenOrphaned(/** @type {NodeJS.Signals} */ (signal));
  process.argv = [process.argv[0], entry, ...args];
  require(entry);
}

/** If the orchestrator dies without stopping this process, stop as if it had (once). */
function stopWhenOrphaned(signal) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      process.kill(process.pid, signal);
    }
  }, 1000);
  timer.unref();
}

// ---------------------------------------------------------------------------------------------
// Bot runner (`node scripts/dev.js --bot`): src/main.ts from source, transpiled with a disk cache
// ---------------------------------------------------------------------------------------------

function runBot() {
  installTypeScriptHook(DEV_CACHE);
  // Load every module while Azurite starts (the slow part), then wait for its ports, then start.
  require(path.join(ROOT, 'src', 'app.ts'));
  const ports = (process.env.COACH_DEV_WAIT_PORTS || '').split(',').filter(Boolean).map(Number);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const waitPorts = async () => {
    for (const port of ports) {
      while (!(await portOpen(port))) {
        if (Date.now() > deadline) throw new Error(`storage on port ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  waitPorts().then(
    () => require(path.join(ROOT, 'src', 'main.ts')),
    (err) => {
      process.stderr.write(`Network Coach could not start: ${err.message}\n`);
      process.exit(1);
    },
  );
}

/**
 * `require('x.ts')` for the project's own files: TypeScript's transpileModule with the project's
 * tsconfig, output cached under node_modules/.cache keyed by a hash of the compiler version,
 * tsconfig and source, so the compiler is loaded only when a file changed.
 */
function installTypeScriptHook(cacheDir) {
  const load = typeScriptCache(cacheDir);
  require.extensions['.ts'] = (module, filename) => {
    module._compile(load(filename), filename);
  };
}

/**
 * `npm install` runs this (the `prepare` script): every file under src/ transpiled into the
 * cache `npm start` reads, so the first start on a fresh clone does not spend its seconds in the
 * compiler (about 7 s of CPU for 180 files, measured 2026-12-01). It never fails the install: a
 * cache that is not warmed only costs the first start time.
 */
function warmCache() {
  const started = Date.now();
  try {
    const load = typeScriptCache(DEV_CACHE);
    const files = [];
    const walk = (dir) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
      }
    };
    walk(path.join(ROOT, 'src'));
    for (const file of files) load(file);
    process.stdout.write(`network-coach: ${files.length} source files ready for npm start (${Date.now() - started} ms)\n`);
  } catch (err) {
    process.stdout.write(`network-coach: the start-up cache was not prepared (${err instanceof Error ? err.message : String(err)}); npm start will transpile on its first run\n`);
  }
}

/** The transpiled JavaScript of one of the project's .ts files, from the disk cache or compiled into it. */
function typeScriptCache(cacheDir) {
  const tsconfigText = fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8');
  const tsVersion = require(require.resolve('typescript/package.json', { paths: [ROOT] })).version;
  const salt = `${tsVersion}\0${tsconfigText}\0`;
  /** @type {{ ts: typeof import('typescript'), options: import('typescript').CompilerOptions } | undefined} */
  let compiler;
  const compile = (source, filename) => {
    if (!compiler) {
      const ts = require(require.resolve('typescript', { paths: [ROOT] }));
      const parsed = ts.parseConfigFileTextToJson('tsconfig.json', tsconfigText);
      const { options } = ts.convertCompilerOptionsFromJson(parsed.config.compilerOptions, ROOT);
      compiler = {
        ts,
        options: { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, inlineSources: true, declaration: false, noEmit: false },
      };
    }
    return compiler.ts.transpileModule(source, { compilerOptions: compiler.options, fileName: filename }).outputText;
  };
  fs.mkdirSync(cacheDir, { recursive: true });
  return (filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const hash = crypto.createHash('sha256').update(salt).update(filename).update('\0').update(source).digest('hex');
    const cached = path.join(cacheDir, `${hash}.js`);
    let code;
    try {
      code = fs.readFileSync(cached, 'utf8');
    } catch {
      code = compile(source, filename);
      const temp = `${cached}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(temp, code);
        fs.renameSync(temp, cached);
      } catch {
        // a cache that cannot be written only costs speed
      }
    }
    return code;
  };
}
