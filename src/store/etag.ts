import type { TableClient, TableEntity, TableEntityResult } from '@azure/data-tables';
import { getEntityOrUndefined, statusOf } from './tables';

/**
 * Read-modify-write guarded by eTags, in one place.
 *
 * `retryOnConflict(attempt)` runs `attempt` (which reads, decides and writes under the eTag it
 * read) again when a concurrent writer won the race: 412 (the row changed), 409 (someone
 * created it first), plus any status the caller names (404: the row vanished between read and
 * write). Backoff is jittered and short; after `attempts` it gives up with a ConcurrencyError.
 *
 * `mutateEntity` is the common case as a function of the old row: `change` gets the current
 * row (or undefined) and returns the row to write, or `undefined` to write nothing.
 */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
}

export interface RetryOptions {
  attempts?: number;
  /** Statuses that also mean "lost a race, read again" (e.g. 404). 409 and 412 always do. */
  alsoRetry?: readonly number[];
  /** For the error message: what kept changing. */
  what?: string;
}

export async function retryOnConflict<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 12;
  for (let n = 0; n < attempts; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const status = statusOf(err);
      if (status !== 412 && status !== 409 && !(status !== undefined && options.alsoRetry?.includes(status))) throw err;
      if (n + 1 < attempts) await sleep(Math.min(200, 5 * 2 ** n) * Math.random());
    }
  }
  throw new ConcurrencyError(`${options.what ?? 'a row'} kept changing under us`);
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
  return retryOnConflict(
    async () => {
      const current = await getEntityOrUndefined<T>(client, partitionKey, rowKey);
      const next = change(current);
      if (next === undefined) return { before: current, after: undefined };
      const { etag: _etag, timestamp: _ts, ...fields } = next as T & { etag?: string; timestamp?: string };
      const row = { ...fields, partitionKey, rowKey } as TableEntity<T>;
      if (current) await client.updateEntity(row, 'Replace', { etag: current.etag });
      else await client.createEntity(row);
      return { before: current, after: row };
    },
    { attempts, what: `row ${partitionKey}/${rowKey}` },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
