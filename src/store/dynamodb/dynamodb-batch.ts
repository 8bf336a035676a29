/**
 * Batch writes as DynamoDB wants them: at most 25 items per BatchWriteItem,
 * unprocessed items retried, throttling retried, both with exponential
 * backoff on the injected Clock (DESIGN "one clock").
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../core/clock.js';

const MAX_BATCH_ITEMS = 25;
const MAX_BACKOFF_MS = 2_000;
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'InternalServerError']);

export interface RetryPolicy {
  readonly clock: Clock;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
}

type WriteRequest =
  | { readonly PutRequest: { readonly Item: Record<string, unknown> } }
  | { readonly DeleteRequest: { readonly Key: Record<string, unknown> } };

export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, policy.backoffBaseMs * 2 ** attempt);
}

export function isThrottling(error: unknown): boolean {
  return error instanceof Error && THROTTLING.has(error.name);
}

/** Puts every item; rejects only when an attempt budget runs out or a non-throttling error comes back. */
export function putAll(client: DynamoDBDocumentClient, table: string, items: readonly Record<string, unknown>[], policy: RetryPolicy): Promise<void> {
  return writeAll(client, table, items.map((Item) => ({ PutRequest: { Item } })), policy);
}

/** Deletes every key, with the same batching and retries. */
export function deleteAll(client: DynamoDBDocumentClient, table: string, keys: readonly Record<string, unknown>[], policy: RetryPolicy): Promise<void> {
  return writeAll(client, table, keys.map((Key) => ({ DeleteRequest: { Key } })), policy);
}

async function writeAll(client: DynamoDBDocumentClient, table: string, requests: readonly WriteRequest[], policy: RetryPolicy): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let from = 0; from < requests.length; from += MAX_BATCH_ITEMS) chunks.push(requests.slice(from, from + MAX_BATCH_ITEMS));
  await Promise.all(chunks.map((chunk) => putChunk(client, table, chunk, policy)));
}

async function putChunk(client: DynamoDBDocumentClient, table: string, chunk: WriteRequest[], policy: RetryPolicy): Promise<void> {
  let pending = chunk;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      // The SDK's type for unprocessed items is the same requests we sent.
      pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      if (pending.length === 0) return;
    } catch (error) {
      if (!isThrottling(error)) throw error;
    }
    if (attempt + 1 >= policy.maxAttempts) {
      throw new Error(`DynamoDB left ${pending.length} items unwritten after ${policy.maxAttempts} attempts (throttled): raise the table's capacity or retry`);
    }
    await sleep(policy.clock, backoffMs(policy, attempt));
  }
}
