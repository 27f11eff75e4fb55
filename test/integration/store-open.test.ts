import { TableClient } from '@azure/data-tables';
import { openStore, tableName } from '../../src/store/tables';
import { storageConnectionString, uniquePrefix } from '../support/harness';

/**
 * Opening the store at start-up: the tables that exist are found with one query and only the
 * missing ones are created, so a restart does not send a create per table (see openStore).
 */
const raw = (prefix: string, name: string): TableClient =>
  TableClient.fromConnectionString(storageConnectionString(), tableName(prefix, name), { allowInsecureConnection: true });

describe('opening the store', () => {
  test('when the store opens on a new prefix, then every table is created; when it opens again after one was deleted, then that one is created again and the others keep their rows', async () => {
    const prefix = uniquePrefix();
    const names = ['Alpha', 'Beta', 'Gamma'];
    const first = await openStore({ connectionString: storageConnectionString(), tablePrefix: prefix }, names);
    expect((await first.listTables!()).sort()).toEqual(names);
    await first.table('Alpha').createEntity({ partitionKey: 'p', rowKey: 'r', kept: true });
    await raw(prefix, 'Beta').deleteTable();
    // Azurite (like Azure) may take a moment to forget a deleted table's name.
    await new Promise((r) => setTimeout(r, 200));

    const second = await openStore({ connectionString: storageConnectionString(), tablePrefix: prefix }, names);
    expect((await second.listTables!()).sort()).toEqual(names);
    await second.table('Beta').createEntity({ partitionKey: 'p', rowKey: 'r' });
    expect((await second.table('Alpha').getEntity<{ kept: boolean }>('p', 'r')).kept).toBe(true);
  });

  test('when another environment\'s prefix starts with ours, then its tables do not count as ours', async () => {
    const prefix = uniquePrefix();
    // "<prefix>xAlpha" is the other environment's Alpha (prefix "<prefix>x"); ours is "<prefix>Alpha".
    await openStore({ connectionString: storageConnectionString(), tablePrefix: `${prefix}x` }, ['Alpha']);
    const ours = await openStore({ connectionString: storageConnectionString(), tablePrefix: prefix }, ['Alpha']);
    await ours.table('Alpha').createEntity({ partitionKey: 'p', rowKey: 'r' });
    expect(await ours.listTables!()).toEqual(['Alpha']);
  });
});
