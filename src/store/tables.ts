import { TableClient, TableServiceClient, type TableEntity, type TableEntityResult } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { Config } from '../config';
import { trackedClient } from './writes';

/**
 * The table client factory. Every feature names the tables it owns; all are created at start-up
 * under the configured prefix (so tests and environments can share one account).
 */
export interface Store {
  table(name: string): TableClient;
  /** True when the storage account answers; used by /readyz. */
  ping(): Promise<boolean>;
  /** Names (without the prefix) of every table this store created: what privacy requests walk. Test doubles may leave it out. */
  listTables?(): Promise<string[]>;
  readonly prefix: string;
  readonly options: StoreOptions;
}

export interface StoreOptions {
  connectionString?: string;
  accountUrl?: string;
  queueUrl?: string;
  /** Client id of the user-assigned managed identity for accountUrl / queueUrl. */
  identityClientId?: string;
  tablePrefix: string;
  credential?: TokenCredential;
}

/**
 * The credential for keyless storage. App Service hands out a user-assigned identity's tokens only
 * when asked for it by client id, so a named identity is used directly; otherwise
 * DefaultAzureCredential finds one (AZURE_CLIENT_ID, workload identity, managed identity, az login).
 */
export function storageCredential(options: Pick<StoreOptions, 'credential' | 'identityClientId'>): TokenCredential {
  if (options.credential) return options.credential;
  if (options.identityClientId) return new ManagedIdentityCredential({ clientId: options.identityClientId });
  return new DefaultAzureCredential();
}

export function storeOptionsFrom(config: Config): StoreOptions {
  return { ...config.storage };
}

function isHttp(url: string): boolean {
  return url.toLowerCase().startsWith('http://');
}

function httpEndpointIn(connectionString: string): boolean {
  return /(TableEndpoint|QueueEndpoint)=http:\/\//i.test(connectionString) || /UseDevelopmentStorage=true/i.test(connectionString);
}

/**
 * Every storage call has a timeout: the SDK has none by default, and a request that hangs would
 * hold a turn (or a drain at shutdown) forever. A try that times out is retried by the SDK's
 * own retry policy like any other transient failure.
 */
export const STORAGE_TRY_TIMEOUT_MS = 30_000;
const storageTimeout = {
  policy: {
    name: 'networkCoachStorageTimeout',
    sendRequest<R extends { timeout: number }, T>(request: R, next: (request: R) => Promise<T>): Promise<T> {
      if (!request.timeout || request.timeout > STORAGE_TRY_TIMEOUT_MS) request.timeout = STORAGE_TRY_TIMEOUT_MS;
      return next(request);
    },
  },
  position: 'perRetry' as const,
};

export function tableName(prefix: string, name: string): string {
  const full = `${prefix}${name}`;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(full)) throw new Error(`invalid table name: ${full}`);
  return full;
}

export async function openStore(options: StoreOptions, tables: readonly string[]): Promise<Store> {
  const clients = new Map<string, TableClient>();
  const credential = options.accountUrl ? storageCredential(options) : undefined;

  const makeClient = (name: string): TableClient => {
    const full = tableName(options.tablePrefix, name);
    if (options.connectionString) {
      return TableClient.fromConnectionString(options.connectionString, full, {
        allowInsecureConnection: httpEndpointIn(options.connectionString),
        additionalPolicies: [storageTimeout],
      });
    }
    if (!options.accountUrl || !credential) throw new Error('storage is not configured');
    return new TableClient(options.accountUrl, full, credential, { allowInsecureConnection: isHttp(options.accountUrl), additionalPolicies: [storageTimeout] });
  };

  const service = (): TableServiceClient => {
    if (options.connectionString) {
      return TableServiceClient.fromConnectionString(options.connectionString, {
        allowInsecureConnection: httpEndpointIn(options.connectionString),
      });
    }
    if (!options.accountUrl || !credential) throw new Error('storage is not configured');
    return new TableServiceClient(options.accountUrl, credential, { allowInsecureConnection: isHttp(options.accountUrl) });
  };

  const table = (name: string): TableClient => {
    let client = clients.get(name);
    if (!client) {
      client = trackedClient(makeClient(name));
      clients.set(name, client);
    }
    return client;
  };

  // One query for the tables that exist (after the first start of a deployment: all of them),
  // then only the missing ones are created, all at once. createTable is idempotent in the SDK
  // (a 409 "already exists" is swallowed), so two instances starting together are fine, and if
  // the listing fails every table is created as before. Measured on this stack (Azurite): ~45
  // creates in parallel ~0.3 s of a start; the query alone a few ms.
  const svc = service();
  const existing = await existingTables(svc, options.tablePrefix).catch(() => new Set<string>());
  await Promise.all([...new Set(tables)].filter((t) => !existing.has(tableName(options.tablePrefix, t))).map((t) => table(t).createTable()));

  return {
    table,
    prefix: options.tablePrefix,
    options,
    async listTables() {
      const names: string[] = [];
      for await (const t of svc.listTables()) {
        const name = t.name ?? '';
        // A longer prefix that starts with ours (another environment's) is not ours: only tables we could have made.
        if (name.startsWith(options.tablePrefix) && tables.some((own) => `${options.tablePrefix}${own}` === name)) names.push(name.slice(options.tablePrefix.length));
      }
      return names;
    },
    async ping() {
      try {
        const iter = svc.listTables().byPage({ maxPageSize: 1 });
        await iter.next();
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Names of the tables that start with the prefix (one query, a page per 1,000 tables). */
async function existingTables(svc: TableServiceClient, prefix: string): Promise<Set<string>> {
  const q = (v: string): string => `'${v.replace(/'/g, "''")}'`;
  // Table names are letters and digits: every name with the prefix sorts before prefix + '{'.
  const filter = prefix ? `TableName ge ${q(prefix)} and TableName lt ${q(`${prefix}{`)}` : undefined;
  const names = new Set<string>();
  for await (const t of svc.listTables(filter ? { queryOptions: { filter } } : {})) if (t.name) names.add(t.name);
  return names;
}

/** Status code of an Azure SDK RestError (Azurite leaves `code` undefined on some errors). */
export function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const s = (err as { statusCode?: unknown }).statusCode;
    return typeof s === 'number' ? s : undefined;
  }
  return undefined;
}

export async function getEntityOrUndefined<T extends object>(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<TableEntityResult<T> | undefined> {
  try {
    return await client.getEntity<T>(partitionKey, rowKey);
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/** Inserts; returns false (instead of throwing) when the row exists already. */
export async function insertIfAbsent<T extends object>(client: TableClient, entity: TableEntity<T>): Promise<boolean> {
  try {
    await client.createEntity(entity);
    return true;
  } catch (err) {
    if (statusOf(err) === 409) return false;
    throw err;
  }
}

/** Reads every row of one partition (optionally a row-key range), following continuation tokens. */
export async function listPartition<T extends object>(
  client: TableClient,
  partitionKey: string,
  range?: { from?: string; to?: string; extraFilter?: string },
  limit = Number.POSITIVE_INFINITY,
): Promise<TableEntityResult<T>[]> {
  const q = (v: string): string => `'${v.replace(/'/g, "''")}'`;
  const parts = [`PartitionKey eq ${q(partitionKey)}`];
  if (range?.from !== undefined) parts.push(`RowKey ge ${q(range.from)}`);
  if (range?.to !== undefined) parts.push(`RowKey lt ${q(range.to)}`);
  if (range?.extraFilter) parts.push(`(${range.extraFilter})`);
  const out: TableEntityResult<T>[] = [];
  for await (const e of client.listEntities<T>({ queryOptions: { filter: parts.join(' and ') } })) {
    out.push(e);
    if (out.length >= limit) break;
  }
  return out;
}
