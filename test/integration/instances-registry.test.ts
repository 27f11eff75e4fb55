import { InstanceRegistry, INSTANCES_TABLE } from '../../src/jobs/instances';
import { createLogger } from '../../src/log';
import { key } from '../../src/store/keys';
import { openStore, type Store } from '../../src/store/tables';
import { storageConnectionString, uniquePrefix } from '../support/harness';

/**
 * Heartbeat rows in the real Azurite: how many instances share a budget, and when an instance
 * may take its share. Lease 3 s here (renewed every second).
 */
const LEASE_MS = 3000;
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await sleep(50);
  }
  return Date.now() - started;
}

describe('instances alive, by heartbeat', () => {
  let store: Store;
  const started: InstanceRegistry[] = [];
  const registry = async (now?: () => number): Promise<InstanceRegistry> => {
    const r = new InstanceRegistry(store.table(INSTANCES_TABLE), LEASE_MS, log, now);
    await r.start();
    started.push(r);
    return r;
  };
  beforeEach(async () => {
    store = await openStore({ connectionString: storageConnectionString(), tablePrefix: uniquePrefix() }, [INSTANCES_TABLE]);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.stop()));
  });

  test('when a second instance joins, then it takes no share until the first has counted it, and then both divide by two; when it leaves, the first is alone again within a renewal', async () => {
    const a = await registry();
    expect(a.sharers()).toBe(1);
    const b = await registry();
    expect(b.count()).toBe(2);
    expect(b.sharers()).toBeUndefined();
    await waitUntil(() => a.count() === 2, LEASE_MS);
    const warm = await waitUntil(() => b.sharers() === 2, LEASE_MS);
    expect(a.sharers()).toBe(2);
    expect(warm).toBeGreaterThan(0);
    await b.stop();
    started.splice(started.indexOf(b), 1);
    await waitUntil(() => a.sharers() === 1, LEASE_MS / 3 + 1000);
  }, 20_000);

  test('when an instance dies without leaving, then the others count it until its lease runs out, and no longer after that', async () => {
    const a = await registry();
    // The dead instance's last heartbeat: a row nobody renews.
    await store.table(INSTANCES_TABLE).upsertEntity({ partitionKey: key('crashed-instance'), rowKey: 'heartbeat', host: 'x', startedAt: Date.now(), leaseUntil: Date.now() + LEASE_MS });
    await waitUntil(() => a.count() === 2, LEASE_MS);
    const gone = await waitUntil(() => a.count() === 1, 2 * LEASE_MS);
    expect(gone).toBeLessThanOrEqual(LEASE_MS + LEASE_MS / 3 + 500);
    // Its row is deleted by whoever saw it expired.
    const rows: string[] = [];
    for await (const e of store.table(INSTANCES_TABLE).listEntities()) rows.push(e.partitionKey ?? '');
    expect(rows).toEqual([key(a.id)]);
  }, 20_000);

  test('when an instance could not renew for longer than its lease, then it comes back as a joining instance (no share until the others have counted it again)', async () => {
    let skew = 0;
    const a = await registry(() => Date.now() + skew);
    expect(a.sharers()).toBe(1);
    skew = LEASE_MS + 500; // as if the process had been starved past its row's lease
    expect(a.sharers()).toBeUndefined(); // its view is too old to trust
    await waitUntil(() => a.count() === 1 && a.sharers() === undefined, LEASE_MS);
    await waitUntil(() => a.sharers() === 1, 2 * LEASE_MS);
  }, 20_000);

  test('when storage cannot be reached, then the instance stops taking a share once its view is older than a renewal', async () => {
    const broken = await openStore({ connectionString: storageConnectionString(), tablePrefix: uniquePrefix() }, [INSTANCES_TABLE]);
    const r = new InstanceRegistry(broken.table(INSTANCES_TABLE), LEASE_MS, log);
    await r.start();
    started.push(r);
    expect(r.sharers()).toBe(1);
    await broken.table(INSTANCES_TABLE).deleteTable();
    await waitUntil(() => r.sharers() === undefined, LEASE_MS);
  }, 20_000);
});
