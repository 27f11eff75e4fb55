import type { TableClient } from '@azure/data-tables';
import { getEntityOrUndefined, statusOf } from '../store/tables';

/**
 * Pacing shared by every instance: at most one update per `intervalMs` for one thing (a shared
 * card), in total, and the last one built after the last change.
 *
 * One row per card (partitioned by tenant and conversation, keyed by the card's activity id)
 * says who holds the current slot, when it started, and when its update finished. An instance
 * with a change to show claims the next slot with an eTag-guarded write (only one of several
 * claimants wins; the others read again), and only then reads the state it sends: so an update
 * that started after a change always shows it. Before claiming, an instance checks whether an
 * update that started after its latest change has already finished: then its change is on the
 * card and it sends nothing ("covered"); that is what keeps three instances receiving the same
 * burst of votes at one update per interval rather than three.
 *
 * Slots start at least `intervalMs` after the previous update finished (as seen by whoever
 * claims), so updates reach Teams that far apart. A holder that died mid-update blocks the card
 * for at most `staleMs`. Times written by one instance are compared with another's clock:
 * `skewMs` is the clock difference tolerated before "started after my change" is believed.
 */
export interface SlotKey {
  partitionKey: string;
  rowKey: string;
}

export type SlotDecision =
  /** Update now (read the state after this), then call `done`. */
  | { kind: 'go'; done(): Promise<void> }
  /** Not yet: ask again in `ms`. */
  | { kind: 'wait'; ms: number }
  /** An update that started after the change has finished: nothing to send. */
  | { kind: 'covered' };

export interface UpdatePacer {
  claim(slot: SlotKey, changedAt: number): Promise<SlotDecision>;
}

/** Pacing within this process only (the coalescer's own timing): always go. */
export const localPacing: UpdatePacer = {
  async claim() {
    return { kind: 'go', done: async () => undefined };
  },
};

interface SlotRow {
  holder: string;
  slotAt: number;
  /** When the holder's update finished; 0 while it is in flight. */
  endAt: number;
}

export const UPDATE_SLOTS_TABLE = 'updateslots';
/** How often a waiting instance looks again while another instance's update is in flight. */
const IN_FLIGHT_POLL_MS = 150;

export class TableUpdateSlots implements UpdatePacer {
  constructor(
    private readonly table: TableClient,
    private readonly intervalMs: number,
    private readonly holder: string,
    private readonly options: { staleMs?: number; skewMs?: number; now?: () => number } = {},
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  async claim(slot: SlotKey, changedAt: number): Promise<SlotDecision> {
    const staleMs = this.options.staleMs ?? 10_000;
    const skewMs = this.options.skewMs ?? 250;
    for (let attempt = 0; attempt < 4; attempt++) {
      const row = await getEntityOrUndefined<SlotRow>(this.table, slot.partitionKey, slot.rowKey);
      const now = this.now;
      if (row) {
        const startedAfterChange = row.slotAt > changedAt + skewMs;
        const inFlight = row.endAt < row.slotAt;
        if (!inFlight && startedAfterChange) return { kind: 'covered' };
        if (inFlight && now < row.slotAt + staleMs) return { kind: 'wait', ms: IN_FLIGHT_POLL_MS };
        const from = inFlight ? row.slotAt + staleMs : row.endAt + this.intervalMs;
        if (now < from) return { kind: 'wait', ms: from - now };
      }
      const claim: SlotRow = { holder: this.holder, slotAt: now, endAt: 0 };
      let etag: string | undefined;
      try {
        const entity = { partitionKey: slot.partitionKey, rowKey: slot.rowKey, ...claim };
        etag = row ? (await this.table.updateEntity(entity, 'Replace', { etag: row.etag })).etag : (await this.table.createEntity(entity)).etag;
      } catch (err) {
        const status = statusOf(err);
        if (status === 412 || status === 409) continue;
        throw err;
      }
      return {
        kind: 'go',
        done: async () => {
          try {
            await this.table.updateEntity({ partitionKey: slot.partitionKey, rowKey: slot.rowKey, endAt: Math.max(this.now, claim.slotAt + 1) }, 'Merge', { etag });
          } catch (err) {
            // Taken over after staleMs: the newer holder's row stands.
            if (statusOf(err) !== 412) throw err;
          }
        },
      };
    }
    return { kind: 'wait', ms: IN_FLIGHT_POLL_MS };
  }
}
