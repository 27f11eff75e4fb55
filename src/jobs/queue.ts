import { QueueClient } from '@azure/storage-queue';
import { STORAGE_TRY_TIMEOUT_MS, storageCredential, type StoreOptions } from '../store/tables';

/**
 * A work queue every instance shares (Azure Storage Queues; Azurite locally). A received
 * message is invisible to the others for its lease (the visibility timeout); the receiver
 * deletes it when the work is recorded. If the receiver dies, the message shows up again after
 * the lease and another instance takes it: work is at least once, so handlers check their
 * record first.
 */
export interface QueuedMessage {
  messageId: string;
  popReceipt: string;
  /** How many times the queue has handed this message out (1 on the first receive). */
  dequeueCount: number;
  body: unknown;
}

export class JobQueue {
  /**
   * `receiver` (default: the same client) serves `receive` and should not retry on its own: a
   * receive whose answer was lost has handed its messages out (invisible for their lease), and
   * only a caller that sees the failure knows to wait for them to come back.
   */
  constructor(
    private readonly client: QueueClient,
    private readonly receiver: QueueClient = client,
  ) {}

  get name(): string {
    return this.client.name;
  }

  async ensure(): Promise<void> {
    await this.client.createIfNotExists();
  }

  async enqueue(body: unknown, options: { delaySeconds?: number } = {}): Promise<void> {
    const text = Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
    // messageTimeToLive -1: never expires; a job is removed only when it is handled.
    await this.client.sendMessage(text, { messageTimeToLive: -1, visibilityTimeout: options.delaySeconds });
  }

  /** Up to `max` (<= 32) messages, each leased to this caller for `leaseSeconds`. */
  async receive(max: number, leaseSeconds: number): Promise<QueuedMessage[]> {
    const res = await this.receiver.receiveMessages({
      numberOfMessages: Math.max(1, Math.min(32, max)),
      visibilityTimeout: Math.max(1, Math.round(leaseSeconds)),
    });
    return res.receivedMessageItems.map((m) => ({
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      dequeueCount: m.dequeueCount,
      body: decode(m.messageText),
    }));
  }

  /** Done with it. A message whose lease was lost to another receiver cannot be deleted: fine. */
  async delete(message: QueuedMessage): Promise<void> {
    try {
      await this.client.deleteMessage(message.messageId, message.popReceipt);
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 400) throw err;
    }
  }

  /**
   * Gives the message back, visible again after `delaySeconds` (0: at once). The message's pop
   * receipt is updated in place. A message no longer ours (its lease was lost) is left alone.
   */
  async release(message: QueuedMessage, delaySeconds: number): Promise<void> {
    await this.extend(message, delaySeconds);
  }

  /**
   * Keeps the message invisible for `seconds` more (a held job renews its lease). False when the
   * message is no longer ours (its lease ran out and another receiver has it, or it was deleted).
   */
  async extend(message: QueuedMessage, seconds: number): Promise<boolean> {
    try {
      const res = await this.client.updateMessage(message.messageId, message.popReceipt, undefined, Math.max(0, Math.round(seconds)));
      if (res.popReceipt) message.popReceipt = res.popReceipt;
      return true;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404 || status === 400) return false;
      throw err;
    }
  }

  /** Approximate number of messages waiting (visible or not). */
  async approximateCount(): Promise<number> {
    return (await this.client.getProperties()).approximateMessagesCount ?? 0;
  }

  async clear(): Promise<void> {
    await this.client.clearMessages();
  }
}

function decode(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Queue names are 3-63 lower-case letters, digits and single hyphens; one queue per table prefix. */
export function queueName(prefix: string, name: string): string {
  const full = `${prefix}-${name}`.toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/.test(full)) throw new Error(`invalid queue name: ${full}`);
  return full;
}

/** From the store's connection string (Azurite serves queues too), or a queue endpoint with a managed identity. */
export function openQueue(options: StoreOptions, name: string): JobQueue {
  const full = queueName(options.tablePrefix, name);
  if (options.connectionString) {
    if (!/QueueEndpoint=|UseDevelopmentStorage=true|AccountName=/i.test(options.connectionString)) {
      throw new Error('STORAGE_CONNECTION_STRING has no queue endpoint');
    }
    return new JobQueue(
      new QueueClient(options.connectionString, full, { retryOptions: { tryTimeoutInMs: STORAGE_TRY_TIMEOUT_MS } }),
      new QueueClient(options.connectionString, full, { retryOptions: { tryTimeoutInMs: STORAGE_TRY_TIMEOUT_MS, maxTries: 1 } }),
    );
  }
  const base = options.queueUrl ?? options.accountUrl?.replace('.table.', '.queue.');
  if (!base) throw new Error('set STORAGE_QUEUE_URL (or STORAGE_CONNECTION_STRING) for the digest queue');
  const url = `${base.replace(/\/+$/, '')}/${full}`;
  const credential = storageCredential(options);
  return new JobQueue(
    new QueueClient(url, credential, { retryOptions: { tryTimeoutInMs: STORAGE_TRY_TIMEOUT_MS } }),
    new QueueClient(url, credential, { retryOptions: { tryTimeoutInMs: STORAGE_TRY_TIMEOUT_MS, maxTries: 1 } }),
  );
}
