import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy on loopback between the bot and Azurite, to stage storage outages at the HTTP
 * level (the store itself is the real one). Modes:
 * - 'up': every request is forwarded and answered.
 * - 'writes-failing': reads pass; writes alternate between "applied, answer lost" (forwarded to
 *   Azurite, then the connection is cut before the answer) and "never arrived" (cut at once):
 *   the two ways a write fails in a real outage, which the bot cannot tell apart.
 * - 'cut-after-write': reads pass until the first write (the first matching `cutAt`, when set:
 *   other writes, e.g. work written beside an earlier reply, pass until then), which is applied
 *   with its answer lost; from then on the proxy is 'down' (the outage begins mid-turn).
 * - 'down': every request is cut before it reaches Azurite.
 * Requests whose path matches `spare` always pass (e.g. the de-duplication table, so that
 * turns reach the code under test).
 * Besides the mode, `loseAnswers(match, times)` picks requests by method and path: each is
 * applied by Azurite and its answer lost (what a storage call that times out under load looks
 * like: the SDK's retry then finds the first attempt's effect).
 */
export type ProxyMode = 'up' | 'writes-failing' | 'cut-after-write' | 'down';

export class StorageProxy {
  mode: ProxyMode = 'up';
  /** In 'cut-after-write': the write that begins the outage is the first whose path matches this. */
  cutAt?: RegExp;
  /** Writes Azurite applied whose answer the bot never got. */
  appliedButLost = 0;
  /** Writes cut before they reached Azurite. */
  dropped = 0;
  private server?: http.Server;
  private flip = 0;
  private rules: { match: (method: string, path: string) => boolean; left: number }[] = [];

  /** The next `times` requests that `match` are applied with their answer lost. */
  loseAnswers(match: (method: string, path: string) => boolean, times: number): void {
    this.rules.push({ match, left: times });
  }

  /** Rules still waiting for a request (0 when every staged loss happened). */
  get lossesLeft(): number {
    return this.rules.reduce((n, r) => n + r.left, 0);
  }

  constructor(
    private readonly upstream: URL,
    private readonly spare?: RegExp,
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** The connection string with its queue endpoint pointing at this proxy. */
  rewriteQueue(connectionString: string): string {
    return connectionString.replace(/QueueEndpoint=http:\/\/127\.0\.0\.1:\d+\//, `QueueEndpoint=http://127.0.0.1:${this.port}/`);
  }

  /** The connection string with its table endpoint pointing at this proxy. */
  rewrite(connectionString: string): string {
    return connectionString.replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+\//, `TableEndpoint=http://127.0.0.1:${this.port}/`);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const isWrite = req.method !== 'GET' && req.method !== 'HEAD';
      const spared = this.spare?.test(req.url ?? '') ?? false;
      if (this.mode === 'down' && !spared) {
        this.dropped++;
        req.socket.destroy();
        return;
      }
      // A table query is a GET; a batch (transaction) is a POST to $batch: a write.
      let loseAnswer = false;
      const rule = this.rules.find((r) => r.left > 0 && r.match(req.method ?? 'GET', req.url ?? ''));
      if (rule) {
        rule.left--;
        loseAnswer = true;
      } else if (this.mode === 'cut-after-write' && isWrite && !spared && (this.cutAt?.test(req.url ?? '') ?? true)) {
        this.mode = 'down';
        loseAnswer = true;
      } else if (this.mode === 'writes-failing' && isWrite && !spared) {
        if (this.flip++ % 2 === 1) {
          this.dropped++;
          req.socket.destroy();
          return;
        }
        loseAnswer = true;
      }
      const upstream = http.request(
        { host: this.upstream.hostname, port: Number(this.upstream.port), method: req.method, path: req.url, headers: { ...req.headers, host: this.upstream.host } },
        (answer) => {
          if (loseAnswer) {
            answer.resume();
            answer.on('end', () => {
              this.appliedButLost++;
              req.socket.destroy();
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  }
}
