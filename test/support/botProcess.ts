import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * The bot as a real separate process (`src/main.ts`, as `npm run start:bot` runs it), for what
 * only a process shows: signals, exit codes, instances that die. Settings come from `env` only
 * (no .env file is read: DOTENV_CONFIG_PATH points nowhere).
 */
export interface BotProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stdout (JSON log lines and the start-up line). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const ROOT = path.join(__dirname, '..', '..');

export async function startBotProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<BotProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DOTENV_CONFIG_PATH: path.join(ROOT, 'no-such.env'), NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot process did not start within ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    const look = (): void => {
      const m = /listening on (http:\/\/[^\s]+)\/api\/messages/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the bot process exited (${code}) before listening:\n${out}\n${err}`));
    });
  });
  return { child, url, output: () => out, exited };
}
