import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Real Azurite (Table and Queue services) as child processes on loopback, in memory.
 * Used by jest's globalSetup, the benchmark and scripts/dev.js's test double.
 */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(tablePort: number, queuePort: number): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT};QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT};`
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface AzuriteProcesses {
  tablePort: number;
  queuePort: number;
  connectionString: string;
  children: ChildProcess[];
  stop(): Promise<void>;
}

function azuriteMain(service: 'table' | 'queue'): string {
  return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', service, 'main.js');
}

export async function startAzurite(): Promise<AzuriteProcesses> {
  const [tablePort, queuePort] = [await freePort(), await freePort()];
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'azurite-'));
  const common = ['--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent'];
  const children = [
    spawn(process.execPath, [azuriteMain('table'), ...common, '--tableHost', '127.0.0.1', '--tablePort', String(tablePort)], { cwd, stdio: 'ignore' }),
    spawn(process.execPath, [azuriteMain('queue'), ...common, '--queueHost', '127.0.0.1', '--queuePort', String(queuePort)], { cwd, stdio: 'ignore' }),
  ];
  await Promise.all([waitForPort(tablePort), waitForPort(queuePort)]);
  return {
    tablePort,
    queuePort,
    connectionString: azuriteConnectionString(tablePort, queuePort),
    children,
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
