/**
 * Idempotent ingest on DynamoDB: each event id is claimed with a conditional
 * put before its append writes anything (a second claim is a duplicate), and
 * marked done once the event is written. A claim left pending by an append
 * that died blocks its id only until its lease ends.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../core/clock.js';
import type { NewEvent } from '../../core/event.js';
import { keys } from './dynamodb-keys.js';

/** Requests in flight at once for per-item work (claims, counts). */
export const CONCURRENCY = 16;

export class DynamoDbClaims {
  readonly #documents: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #leaseMs: number;

  constructor(documents: DynamoDBDocumentClient, table: string, clock: Clock, leaseMs: number) {
    this.#documents = documents;
    this.#table = table;
    this.#clock = clock;
    this.#leaseMs = leaseMs;
  }

  /** True when this append now holds the id: it was free, or its claim was left by an append that died (older than the lease). */
  async claim(channel: string, id: string): Promise<boolean> {
    const key = { pk: keys.claim(channel), sk: keys.claimSort(id) };
    const now = this.#clock.now();
    try {
      await this.#documents.send(new PutCommand({
        TableName: this.#table, Item: { ...key, state: 'pending', claimedAt: now }, ConditionExpression: 'attribute_not_exists(pk)',
      }));
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    const existing = (await this.#documents.send(new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }))).Item;
    if (existing === undefined || existing.state === 'done' || Number(existing.claimedAt) > now - this.#leaseMs) return false;
    try {
      await this.#documents.send(new PutCommand({
        TableName: this.#table, Item: { ...key, state: 'pending', claimedAt: now },
        ConditionExpression: '#state = :pending AND claimedAt = :then', ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':pending': 'pending', ':then': existing.claimedAt },
      }));
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false; // another append took it over first
      throw error;
    }
  }

  /** Best effort: a claim left behind expires after the lease. */
  async release(channel: string, events: readonly NewEvent[]): Promise<void> {
    await mapLimit(events.filter((event) => event.id !== null), CONCURRENCY, async (event) => {
      try {
        await this.#documents.send(new DeleteCommand({
          TableName: this.#table, Key: { pk: keys.claim(channel), sk: keys.claimSort(event.id as string) },
        }));
      } catch {
        // Best effort: a claim left behind expires after claimLeaseMs.
      }
      return true;
    });
  }
}

export function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** `body` over `items` with at most `limit` in flight; results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, body: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await body(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
