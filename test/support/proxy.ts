import http from 'node:http';

/**
 * A round-robin load balancer on loopback in front of several bot instances: request i goes to
 * backend i mod n; a backend that refuses the connection (a dead instance) is skipped.
 */
export class RoundRobinProxy {
  private server: http.Server | undefined;
  private next = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  url = '';
  /** Requests forwarded to each backend. */
  readonly forwarded: number[];

  constructor(private readonly backends: string[]) {
    this.forwarded = backends.map(() => 0);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    for (let tries = 0; tries < this.backends.length; tries++) {
      const i = this.next++ % this.backends.length;
      const target = new URL(req.url ?? '/', this.backends[i]);
      const ok = await new Promise<boolean>((resolve) => {
        let answered = false;
        const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent: this.agent }, (back) => {
          answered = true;
          this.forwarded[i]!++;
          res.writeHead(back.statusCode ?? 502, back.headers);
          back.pipe(res);
          back.on('end', () => resolve(true));
        });
        out.on('error', () => {
          // Refused before answering: try the next backend. Cut off mid-answer: the client sees it.
          if (answered) res.destroy();
          resolve(answered);
        });
        out.end(body);
      });
      if (ok) return;
    }
    res.writeHead(502).end();
  }
}
