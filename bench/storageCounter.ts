import http from 'node:http';

/**
 * A counting proxy on loopback in front of Azurite's table (and queue) endpoints: every storage
 * request the bot makes passes through it and is counted by kind. A count of requests per turn
 * does not depend on machine noise, unlike a latency.
 */
export type StorageRequestKind = 'read' | 'query' | 'insert' | 'update' | 'delete' | 'batch' | 'other';

export class StorageRequestCounter {
  private server: http.Server | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly counts = new Map<StorageRequestKind, number>();
  /** Counts by kind and table ("insert processed"), with the table prefix given to `tablePrefix` cut off. */
  readonly detail = new Map<string, number>();
  tablePrefix = '';
  total = 0;
  /** Time of the last request seen, to wait until the bot's background writes have settled. */
  lastAt = 0;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  static kindOf(method: string, path: string): StorageRequestKind {
    if (path.includes('$batch')) return 'batch';
    const entity = /\(PartitionKey=.*RowKey=.*\)/.test(decodeURIComponent(path));
    if (method === 'GET') return entity ? 'read' : 'query';
    if (method === 'POST') return 'insert';
    if (method === 'PUT' || method === 'MERGE' || method === 'PATCH') return 'update';
    if (method === 'DELETE') return 'delete';
    return 'other';
  }

  static tableOf(path: string): string {
    const segment = decodeURIComponent(path.split('?')[0] ?? '').split('/')[2] ?? '';
    return segment.replace(/\(.*$/, '') || 'service';
  }

  reset(): void {
    this.detail.clear();
    this.counts.clear();
    this.total = 0;
  }

  snapshot(): Record<StorageRequestKind | 'total', number> {
    const out = { read: 0, query: 0, insert: 0, update: 0, delete: 0, batch: 0, other: 0, total: this.total };
    for (const [k, v] of this.counts) out[k] = v;
    return out;
  }

  /** Resolves once no request has come for `quietMs` (work the bot does after answering). */
  async settled(quietMs = 300): Promise<void> {
    for (;;) {
      const idle = Date.now() - this.lastAt;
      if (idle >= quietMs) return;
      await new Promise((r) => setTimeout(r, quietMs - idle));
    }
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const kind = StorageRequestCounter.kindOf(req.method ?? 'GET', req.url ?? '');
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
      const table = StorageRequestCounter.tableOf(req.url ?? '');
      const label = `${kind} ${table.startsWith(this.tablePrefix) ? table.slice(this.tablePrefix.length) : table}`;
      this.detail.set(label, (this.detail.get(label) ?? 0) + 1);
      this.total += 1;
      this.lastAt = Date.now();
      const upstream = http.request(
        { host: this.target.host, port: this.target.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
        (answer) => {
          this.lastAt = Date.now();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

const TABLE_ENDPOINT = /TableEndpoint=http:\/\/([^:/]+):(\d+)\//;

/** Where the connection string's table endpoint points (the proxy's target). */
export function tableEndpointOf(connectionString: string): { host: string; port: number } {
  const match = TABLE_ENDPOINT.exec(connectionString);
  if (!match) throw new Error('the bench connection string has no http TableEndpoint');
  return { host: match[1]!, port: Number(match[2]) };
}

/** The connection string with its table endpoint moved to the proxy (queues stay direct). */
export function throughProxy(connectionString: string, proxyPort: number): string {
  return connectionString.replace(TABLE_ENDPOINT, `TableEndpoint=http://127.0.0.1:${proxyPort}/`);
}
