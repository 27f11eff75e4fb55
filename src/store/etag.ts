import type { TableClient, TableEntity, TableEntityResult } from '@azure/data-tables';
import { getEntityOrUndefined, statusOf } from './tables';

/**
 * Read-modify-write guarded by the row's eTag. `change` gets the current row (or undefined)
 * and returns the row to write, or `undefined` to write nothing. A concurrent writer makes the
 * write fail with 412 (or 409 on create); we read again and re-apply, up to `attempts` times.
 */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
}

export interface MutateResult<T extends object> {
  before: TableEntityResult<T> | undefined;
  after: TableEntity<T> | undefined;
}

export async function mutateEntity<T extends object>(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
  change: (current: TableEntityResult<T> | undefined) => T | undefined,
  attempts = 12,
): Promise<MutateResult<T>> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await getEntityOrUndefined<T>(client, partitionKey, rowKey);
    const next = change(current);
    if (next === undefined) return { before: current, after: undefined };
    const { etag: _etag, timestamp: _ts, ...fields } = next as T & { etag?: string; timestamp?: string };
    const row = { ...fields, partitionKey, rowKey } as TableEntity<T>;
    try {
      if (current) {
        await client.updateEntity(row, 'Replace', { etag: current.etag });
      } else {
        await client.createEntity(row);
      }
      return { before: current, after: row };
    } catch (err) {
      const status = statusOf(err);
      if (status !== 412 && status !== 409) throw err;
      await sleep(Math.min(200, 5 * 2 ** attempt) * Math.random());
    }
  }
  throw new ConcurrencyError(`row ${partitionKey}/${rowKey} kept changing under us`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
