/**
 * Coalesces updates of one shared card: a burst of votes causes at most one update per card
 * every `intervalMs`, and the last update is sent after the last change, built from a fresh
 * read, so it carries the exact final counts. Per process: with several instances, each one
 * coalesces the clicks it received (the last update of any instance still reads the final state).
 *
 * Real time on purpose (not the injectable Clock): this paces calls to Teams, whose rate limits
 * run on wall time.
 */
interface CardState {
  timer?: NodeJS.Timeout;
  inFlight: boolean;
  dirty: boolean;
  /** When the last update finished: the next starts an interval later, so updates reach Teams at least that far apart. */
  lastEnd: number;
}

export class CardUpdateCoalescer {
  private readonly cards = new Map<string, CardState>();
  private stopped = false;
  /** Updates sent, for the benchmark and logs. */
  sent = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Something on card `key` changed; `send` builds and sends its current state. */
  touch(key: string, send: () => Promise<void>): void {
    if (this.stopped) return;
    let st = this.cards.get(key);
    if (!st) {
      st = { inFlight: false, dirty: false, lastEnd: 0 };
      this.cards.set(key, st);
    }
    st.dirty = true;
    this.arm(key, st, send);
  }

  private arm(key: string, st: CardState, send: () => Promise<void>): void {
    if (st.timer || st.inFlight || !st.dirty) return;
    const wait = Math.max(0, st.lastEnd + this.intervalMs - Date.now());
    st.timer = setTimeout(() => void this.flush(key, st, send), wait);
    st.timer.unref();
  }

  private async flush(key: string, st: CardState, send: () => Promise<void>): Promise<void> {
    st.timer = undefined;
    st.dirty = false;
    st.inFlight = true;
    try {
      this.sent++;
      await send();
    } catch (err) {
      this.onError(err);
    } finally {
      st.inFlight = false;
      st.lastEnd = Date.now();
      if (st.dirty && !this.stopped) this.arm(key, st, send);
      else if (!st.timer) {
        // Keep the state for one more interval, so the next touch still waits its turn.
        const forget = setTimeout(() => {
          if (!st.timer && !st.inFlight && Date.now() - st.lastEnd >= this.intervalMs && this.cards.get(key) === st) this.cards.delete(key);
        }, this.intervalMs);
        forget.unref();
      }
    }
  }

  private busy(): boolean {
    for (const st of this.cards.values()) if (st.timer || st.inFlight) return true;
    return false;
  }

  /** Resolves when no update is waiting or being sent (tests and the benchmark). */
  async settled(): Promise<void> {
    while (this.busy()) await new Promise((r) => setTimeout(r, 25));
  }

  stop(): void {
    this.stopped = true;
    for (const st of this.cards.values()) if (st.timer) clearTimeout(st.timer);
    this.cards.clear();
  }
}
