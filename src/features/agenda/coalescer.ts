import { localPacing, type SlotKey, type UpdatePacer } from '../../jobs/updateSlots';

/**
 * Coalesces updates of one shared card: a burst of votes causes at most one update per card
 * every `intervalMs`, and the last update is sent after the last change, built from a fresh
 * read, so it carries the exact final counts.
 *
 * Across instances (each receives some of the clicks), `pacer` holds the card's slot in storage
 * (jobs/updateSlots.ts): an instance with changes claims the next slot before it reads and sends,
 * or learns that an update which started after its last change has already gone out and sends
 * nothing. So the interval holds in total, not per instance, and the last update is exact.
 *
 * Real time on purpose (not the injectable Clock): this paces calls to Teams, whose rate limits
 * run on wall time.
 */
interface CardState {
  slot: SlotKey;
  timer?: NodeJS.Timeout;
  inFlight: boolean;
  dirty: boolean;
  /** When the latest change this instance saw happened (its write had completed). */
  changedAt: number;
  /** When the last update finished: the next starts an interval later, so updates reach Teams at least that far apart. */
  lastEnd: number;
}

/** How long to wait before asking again when storage could not answer the slot claim. */
const CLAIM_RETRY_MS = 1000;

export class CardUpdateCoalescer {
  private readonly cards = new Map<string, CardState>();
  private stopped = false;
  /** Updates sent, for the benchmark and logs. */
  sent = 0;
  /** Flushes that found their change already on the card (sent by another instance). */
  covered = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
    private readonly pacer: UpdatePacer = localPacing,
  ) {}

  /** Something on card `slot` changed; `send` builds and sends its current state. */
  touch(slot: SlotKey, send: () => Promise<void>): void {
    if (this.stopped) return;
    const id = `${slot.partitionKey}/${slot.rowKey}`;
    let st = this.cards.get(id);
    if (!st) {
      st = { slot, inFlight: false, dirty: false, changedAt: 0, lastEnd: 0 };
      this.cards.set(id, st);
    }
    st.dirty = true;
    st.changedAt = Date.now();
    this.arm(id, st, send);
  }

  private arm(id: string, st: CardState, send: () => Promise<void>, atLeastMs = 0): void {
    if (st.timer || st.inFlight || !st.dirty) return;
    const wait = Math.max(atLeastMs, st.lastEnd + this.intervalMs - Date.now(), 0);
    st.timer = setTimeout(() => void this.flush(id, st, send), wait);
    st.timer.unref();
  }

  private async flush(id: string, st: CardState, send: () => Promise<void>): Promise<void> {
    st.timer = undefined;
    st.inFlight = true;
    const changedAt = st.changedAt;
    let retryInMs = 0;
    try {
      const decision = await this.pacer.claim(st.slot, changedAt);
      if (decision.kind === 'wait') {
        retryInMs = decision.ms;
      } else if (decision.kind === 'covered') {
        this.covered++;
        // Touched again while we asked: that change may be newer than the update that covered us.
        if (st.changedAt === changedAt) st.dirty = false;
      } else {
        st.dirty = false;
        this.sent++;
        try {
          await send();
        } finally {
          st.lastEnd = Date.now();
          await decision.done();
        }
      }
    } catch (err) {
      this.onError(err);
      // The slot could not be claimed (storage): try again, the change is still to be shown.
      if (st.dirty) retryInMs = CLAIM_RETRY_MS;
    } finally {
      st.inFlight = false;
      if (st.dirty && !this.stopped) this.arm(id, st, send, retryInMs);
      else if (!st.timer) {
        // Keep the state for one more interval, so the next touch still waits its turn.
        const forget = setTimeout(() => {
          if (!st.timer && !st.inFlight && !st.dirty && Date.now() - st.lastEnd >= this.intervalMs && this.cards.get(id) === st) this.cards.delete(id);
        }, this.intervalMs);
        forget.unref();
      }
    }
  }

  private busy(): boolean {
    for (const st of this.cards.values()) if (st.timer || st.inFlight) return true;
    return false;
  }

  /** Resolves when no update is waiting or being sent (tests, the benchmark, and draining at shutdown). */
  async settled(): Promise<void> {
    while (this.busy()) await new Promise((r) => setTimeout(r, 25));
  }

  stop(): void {
    this.stopped = true;
    for (const st of this.cards.values()) if (st.timer) clearTimeout(st.timer);
    this.cards.clear();
  }
}
