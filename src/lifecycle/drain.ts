import type restify from 'restify';

/**
 * Draining before the process stops (SIGTERM from the platform, SIGINT from a person): new work
 * is refused, work in flight finishes. While draining, /readyz answers 503 (the load balancer
 * stops sending here) and so does a new /api/messages (Teams retries it, and the retry lands on
 * another instance); the requests already inside finish and are answered.
 */
export const DRAINING_PATHS = ['/api/messages', '/readyz'];

export class Drain {
  private draining = false;
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  get isDraining(): boolean {
    return this.draining;
  }

  /** Requests being handled now. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** A restify `pre` handler: counts requests in flight, and refuses new ones while draining. */
  gate(): restify.RequestHandler {
    return (req, res, next) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (this.draining && DRAINING_PATHS.includes(path)) {
        res.header('Connection', 'close');
        res.header('Retry-After', '1');
        res.send(503, { status: 'shutting down' });
        return next(false);
      }
      this.inFlight++;
      let done = false;
      const finished = (): void => {
        if (done) return;
        done = true;
        this.inFlight--;
        if (this.inFlight === 0) this.wake();
      };
      res.once('finish', finished);
      res.once('close', finished);
      return next();
    };
  }

  begin(): void {
    this.draining = true;
  }

  /** Resolves when no request is in flight (true), or at the deadline (false). */
  async requestsDone(deadline: number): Promise<boolean> {
    while (this.inFlight > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  private wake(): void {
    const list = this.waiters;
    this.waiters = [];
    for (const w of list) w();
  }
}

/** Waits for `work`, at most until `deadline` (epoch ms): true when it finished in time. */
export async function within(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
