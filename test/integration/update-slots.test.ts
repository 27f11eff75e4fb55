import { CardUpdateCoalescer } from '../../src/features/agenda/coalescer';
import { TableUpdateSlots, UPDATE_SLOTS_TABLE } from '../../src/jobs/updateSlots';
import { openStore, type Store } from '../../src/store/tables';
import { storageConnectionString, uniquePrefix } from '../support/harness';

/**
 * The shared card's pacing across instances, against the real Azurite: three coalescers (three
 * instances) share one slot table; each receives a third of a burst of changes.
 */
describe('update slots shared by several instances', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ connectionString: storageConnectionString(), tablePrefix: uniquePrefix() }, [UPDATE_SLOTS_TABLE]);
  });

  test('when three instances each receive changes to one card for 3 s, then updates are at least 2 s apart in total and the last shows the final state', async () => {
    const interval = 2000;
    let state = 0;
    const updates: { at: number; end: number; shown: number; by: number }[] = [];
    const instances = [0, 1, 2].map(
      (i) => new CardUpdateCoalescer(interval, (err) => { throw err; }, new TableUpdateSlots(store.table(UPDATE_SLOTS_TABLE), interval, `instance-${i}`)),
    );
    const card = { partitionKey: 'tenant|conversation', rowKey: 'activity-1' };
    const started = Date.now();
    for (let n = 1; Date.now() - started < 3000; n++) {
      state = n; // the stored state changes, then the instance that received it touches the card
      const by = n % 3;
      instances[by]!.touch(card, async () => {
        const at = Date.now();
        const shown = state; // the fresh read
        await new Promise((r) => setTimeout(r, 30)); // the PUT to Teams
        updates.push({ at, end: Date.now(), shown, by });
      });
      await new Promise((r) => setTimeout(r, 15));
    }
    const final = state;
    await Promise.all(instances.map((c) => c.settled()));
    const elapsed = Date.now() - started;
    expect(updates.at(-1)!.shown).toBe(final);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(elapsed / interval) + 1);
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.at - updates[i - 1]!.end).toBeGreaterThanOrEqual(interval - 50);
    // More than one instance held the slot over the burst, and some flushes found their change already shown.
    expect(instances.reduce((n, c) => n + c.covered, 0)).toBeGreaterThan(0);
    for (const c of instances) c.stop();
  }, 30_000);

  test('when the instance holding the slot died mid-update, then another takes the card over after the stale time', async () => {
    const table = store.table(UPDATE_SLOTS_TABLE);
    const card = { partitionKey: 'tenant|conversation', rowKey: 'activity-2' };
    const dead = new TableUpdateSlots(table, 100, 'dead', { staleMs: 600 });
    const first = await dead.claim(card, Date.now());
    expect(first.kind).toBe('go'); // ... and it never calls done()
    const other = new TableUpdateSlots(table, 100, 'alive', { staleMs: 600 });
    const changedAt = Date.now() + 1000; // a change after the dead holder's read
    expect((await other.claim(card, changedAt)).kind).toBe('wait');
    await new Promise((r) => setTimeout(r, 650));
    const taken = await other.claim(card, changedAt);
    expect(taken.kind).toBe('go');
  });
});
