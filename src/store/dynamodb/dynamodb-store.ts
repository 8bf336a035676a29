/**
 * The event store on DynamoDB (DESIGN: AWS SDK v3), one table of the items in
 * dynamodb-keys.ts. Events are partitioned per channel and time bucket, so a
 * hot channel spreads over partitions, and sorted by (ts, seq) as bytes.
 * An append claims each id with a conditional put (idempotent ingest),
 * reserves its seqs with one atomic ADD, writes the events in batches, and
 * moves the channel's live position (lastSeq) only after every earlier
 * append has: the history-to-live switch stays gapless (live-tail.ts).
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../../core/clock.js';
import { PlayheadError } from '../../core/errors.js';
import { compareReplayOrder, type NewEvent, type Position, type StoredEvent } from '../../core/event.js';
import {
  DEFAULT_CAPABILITIES, DEFAULT_PAGE_SIZE,
  type AppendResult, type ChannelInfo, type EventStore, type Histogram, type HistogramRequest, type ScanRequest,
} from '../event-store.js';
import { fillHistogram, planHistogram, rollupIncrements } from '../histogram-rollup.js';
import { keysetStart, MAX_TS, MIN_TS } from '../keyset.js';
import { backoffMs, deleteAll, isThrottling, putAll, sleep, type RetryPolicy } from './dynamodb-batch.js';
import { resolveDynamoDbConfig, type DynamoDbStoreConfig, type ResolvedDynamoDbConfig } from './dynamodb-config.js';
import { decodeNumber, encodeNumber, keys, positionKey } from './dynamodb-keys.js';
import { CONCURRENCY, DynamoDbClaims, isConditionFailed, mapLimit } from './dynamodb-claims.js';
import { ensureTable } from './dynamodb-schema.js';

const MAX_BATCH_GET = 100;
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

type Item = Record<string, unknown>;

interface Meta {
  readonly reservedSeq?: number;
  readonly lastSeq?: number;
  readonly count?: number;
  readonly firstTs?: number;
  readonly lastTs?: number;
}

export interface DynamoDbStoreOptions extends DynamoDbStoreConfig {
  /** Timers for backoff and waits. @default systemClock */
  readonly clock?: Clock;
  /** An existing client to use; the store will not destroy it. */
  readonly client?: DynamoDBClient;
}

export class DynamoDbStore implements EventStore {
  readonly capabilities = DEFAULT_CAPABILITIES;
  readonly #settings: ResolvedDynamoDbConfig;
  readonly #client: DynamoDBClient;
  readonly #documents: DynamoDBDocumentClient;
  readonly #ownsClient: boolean;
  readonly #clock: Clock;
  readonly #retry: RetryPolicy;
  readonly #claims: DynamoDbClaims;

  static async open(options: DynamoDbStoreOptions): Promise<DynamoDbStore> {
    const store = new DynamoDbStore(options);
    try {
      await store.#guard(`open table ${store.#settings.table}`, () => ensureTable(store.#client, store.#settings.table, store.#clock));
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private constructor(options: DynamoDbStoreOptions) {
    this.#settings = resolveDynamoDbConfig(options);
    this.#clock = options.clock ?? systemClock;
    this.#ownsClient = options.client === undefined;
    const local = this.#settings.region === 'local';
    this.#client = options.client ?? new DynamoDBClient({
      region: local ? 'us-east-1' : this.#settings.region,
      endpoint: this.#settings.endpoint,
      // DynamoDB Local and dynalite accept any key; real AWS takes the SDK's credential chain.
      credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
    });
    this.#documents = DynamoDBDocumentClient.from(this.#client, { marshallOptions: { removeUndefinedValues: true } });
    this.#retry = { clock: this.#clock, maxAttempts: this.#settings.maxWriteAttempts, backoffBaseMs: this.#settings.backoffBaseMs };
    this.#claims = new DynamoDbClaims(this.#documents, this.#settings.table, this.#clock, this.#settings.claimLeaseMs);
  }

  async append(channel: string, events: readonly NewEvent[]): Promise<AppendResult> {
    const none = { accepted: 0, duplicates: events.length, firstSeq: null, lastSeq: null, stored: [] };
    if (events.length === 0) return none;
    return this.#guard(`append to channel ${channel}`, async () => {
      const unique = withoutRepeatedIds(events);
      const claims = await mapLimit(unique, CONCURRENCY, (event) => (event.id === null ? Promise.resolve(true) : this.#claims.claim(channel, event.id)));
      const accepted = unique.filter((_, index) => claims[index]);
      if (accepted.length === 0) return none;
      let written = false;
      let eventKeys: Item[] = [];
      try {
        const reserved = await this.#update({ pk: keys.channel(channel), sk: keys.channelSort }, 'ADD reservedSeq :n', { ':n': accepted.length }, 'UPDATED_NEW');
        const lastSeq = Number(reserved?.reservedSeq);
        const firstSeq = lastSeq - accepted.length + 1;
        const stored = accepted.map((event, index): StoredEvent => ({ channel, seq: firstSeq + index, ts: event.ts, id: event.id, data: event.data }));
        const buckets = new Set(accepted.map((event) => this.#bucketOf(event.ts)));
        const storedKeys = stored.map((event) => ({ pk: keys.event(channel, this.#bucketOf(event.ts)), sk: positionKey(event.ts, event.seq) }));
        eventKeys = storedKeys;
        await putAll(this.#documents, this.#settings.table, [
          ...stored.map((event, index) => ({
            ...(storedKeys[index] as (typeof storedKeys)[number]),
            seq: event.seq, ts: event.ts, id: event.id, data: (accepted[index] as NewEvent).dataJson,
          })),
          ...[...buckets].map((bucket) => ({ pk: keys.buckets(channel), sk: encodeNumber(bucket) })),
          { pk: keys.channelList, sk: keys.channelListSort(channel), name: channel },
        ], this.#retry);
        written = true;
        const done = stored.filter((event) => event.id !== null).map((event) => ({ pk: keys.claim(channel), sk: keys.claimSort(event.id as string), state: 'done', seq: event.seq }));
        await putAll(this.#documents, this.#settings.table, done, this.#retry);
        await this.#count(channel, accepted);
        await this.#commit(channel, firstSeq, lastSeq, accepted.length);
        return { accepted: accepted.length, duplicates: events.length - accepted.length, firstSeq, lastSeq, stored };
      } catch (error) {
        // The events are not (all) written: undo what may be, then free the ids so a retry stores them once.
        if (!written) await this.#rollback(channel, accepted, eventKeys);
        throw error;
      }
    });
  }

  async *scan(request: ScanRequest): AsyncIterable<readonly StoredEvent[]> {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be an integer >= 1, got ${pageSize}`);
    const ascending = request.order === 'asc';
    const from = keysetStart(request);
    // Inclusive sort-key bounds: DynamoDB's BETWEEN has no exclusive form.
    const [low, high] = ascending
      ? [after(from), before({ ts: request.end ?? MAX_TS, seq: 0 })]
      : [{ ts: request.start ?? MIN_TS, seq: 0 }, before(from)];
    if (compareReplayOrder(low, high) > 0) return;
    let page: StoredEvent[] = [];
    for await (const bucket of this.#bucketOrder(request.channel, low.ts, high.ts, ascending)) {
      let start: Item | undefined;
      do {
        const result = await this.#guard(`scan channel ${request.channel}`, () => this.#documents.send(new QueryCommand({
          TableName: this.#settings.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ...(request.maxSeq === undefined ? {} : { FilterExpression: 'seq <= :max' }),
          ExpressionAttributeValues: {
            ':pk': keys.event(request.channel, bucket), ':low': positionKey(low.ts, low.seq), ':high': positionKey(high.ts, high.seq),
            ...(request.maxSeq === undefined ? {} : { ':max': request.maxSeq }),
          },
          ScanIndexForward: ascending,
          Limit: pageSize,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        })));
        for (const item of result.Items ?? []) {
          page.push(toStoredEvent(request.channel, item));
          if (page.length === pageSize) {
            yield page;
            page = [];
          }
        }
        start = result.LastEvaluatedKey;
      } while (start !== undefined);
    }
    if (page.length > 0) yield page;
  }

  async histogram(channel: string, request: HistogramRequest): Promise<Histogram> {
    const plan = planHistogram(request);
    if (plan.source === 'raw') {
      const rows: (readonly [number, number])[] = [];
      for await (const page of this.scan({ channel, order: 'asc', start: request.start, end: request.end })) {
        for (const event of page) rows.push([event.ts, 1]);
      }
      return fillHistogram(request, plan, rows);
    }
    const items = await this.#queryAll(`histogram of channel ${channel}`, keys.histogram(channel, plan.source.levelMs), encodeNumber(plan.readFrom), encodeNumber(request.end - 1));
    return fillHistogram(request, plan, items.map((item) => [decodeNumber(item.sk as Uint8Array), Number(item.count)] as const));
  }

  async listChannels(): Promise<readonly ChannelInfo[]> {
    return this.#guard('list channels', async () => {
      const names = (await this.#queryAll('list channels', keys.channelList)).map((item) => String(item.name));
      const metas = new Map<string, Meta>();
      for (let from = 0; from < names.length; from += MAX_BATCH_GET) {
        let pending: Item[] = names.slice(from, from + MAX_BATCH_GET).map((name) => ({ pk: keys.channel(name), sk: keys.channelSort }));
        for (let attempt = 0; pending.length > 0; attempt += 1) {
          const result = await this.#documents.send(new BatchGetCommand({ RequestItems: { [this.#settings.table]: { Keys: pending, ConsistentRead: true } } }));
          for (const item of result.Responses?.[this.#settings.table] ?? []) metas.set(String(item.pk).slice(2), item as Meta);
          pending = (result.UnprocessedKeys?.[this.#settings.table]?.Keys ?? []) as Item[];
          if (pending.length > 0) await sleep(this.#clock, backoffMs(this.#retry, attempt));
        }
      }
      return names.flatMap((name) => {
        const info = toChannelInfo(name, metas.get(name));
        return info === undefined ? [] : [info];
      });
    });
  }

  async getChannel(name: string): Promise<ChannelInfo | undefined> {
    return this.#guard(`read channel ${name}`, async () => {
      const result = await this.#documents.send(new GetCommand({ TableName: this.#settings.table, Key: { pk: keys.channel(name), sk: keys.channelSort }, ConsistentRead: true }));
      return toChannelInfo(name, result.Item as Meta | undefined);
    });
  }

  async ping(): Promise<void> {
    await this.#guard('ping', () => this.#client.send(new DescribeTableCommand({ TableName: this.#settings.table })));
  }

  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }

  /** Best effort: if the events cannot be deleted (the database is gone), the claims stay, and expire after claimLeaseMs. */
  async #rollback(channel: string, events: readonly NewEvent[], eventKeys: readonly Item[]): Promise<void> {
    try {
      await deleteAll(this.#documents, this.#settings.table, eventKeys, this.#retry);
    } catch {
      return; // swallowed: the caller rethrows the append's own error
    }
    await this.#claims.release(channel, events);
  }

  /** Histogram counts, and the channel's first and last ts (only ever widened). */
  async #count(channel: string, events: readonly NewEvent[]): Promise<void> {
    const increments = rollupIncrements(events);
    await mapLimit(increments, CONCURRENCY, async ({ levelMs, granuleStart, count }) => {
      await this.#update({ pk: keys.histogram(channel, levelMs), sk: encodeNumber(granuleStart) }, 'ADD #count :n', { ':n': count }, 'NONE', { '#count': 'count' });
      return true;
    });
    let [minTs, maxTs] = [MAX_TS, MIN_TS];
    for (const { ts } of events) [minTs, maxTs] = [Math.min(minTs, ts), Math.max(maxTs, ts)];
    const key = { pk: keys.channel(channel), sk: keys.channelSort };
    for (const [field, value, comparison] of [['firstTs', minTs, '>'], ['lastTs', maxTs, '<']] as const) {
      try {
        await this.#update(key, `SET ${field} = :v`, { ':v': value }, 'NONE', undefined, `attribute_not_exists(${field}) OR ${field} ${comparison} :v`);
      } catch (error) {
        if (!isConditionFailed(error)) throw error; // already wider
      }
    }
  }

  /** Moves lastSeq from firstSeq - 1 to lastSeq, waiting for earlier appends; past commitWaitMs, an earlier append that died is skipped. */
  async #commit(channel: string, firstSeq: number, lastSeq: number, accepted: number): Promise<void> {
    const key = { pk: keys.channel(channel), sk: keys.channelSort };
    const deadline = this.#clock.monotonic() + this.#settings.commitWaitMs;
    for (let attempt = 0; ; attempt += 1) {
      const late = this.#clock.monotonic() > deadline;
      const condition = late ? 'attribute_not_exists(lastSeq) OR lastSeq < :last' : firstSeq === 1 ? 'attribute_not_exists(lastSeq)' : 'lastSeq = :previous';
      const values = late ? { ':n': accepted, ':last': lastSeq } : firstSeq === 1 ? { ':n': accepted, ':last': lastSeq } : { ':n': accepted, ':last': lastSeq, ':previous': firstSeq - 1 };
      try {
        await this.#update(key, 'SET lastSeq = :last ADD #count :n', values, 'NONE', { '#count': 'count' }, condition);
        return;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        if (late) {
          // A later append committed past us: count ours without moving the position back.
          await this.#update(key, 'ADD #count :n', { ':n': accepted }, 'NONE', { '#count': 'count' });
          return;
        }
      }
      await sleep(this.#clock, Math.min(backoffMs(this.#retry, attempt), 50));
    }
  }

  async #update(key: Item, expression: string, values: Item, returnValues: 'UPDATED_NEW' | 'NONE', names?: Record<string, string>, condition?: string): Promise<Item | undefined> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await this.#documents.send(new UpdateCommand({
          TableName: this.#settings.table, Key: key, UpdateExpression: expression, ExpressionAttributeValues: values,
          ExpressionAttributeNames: names, ConditionExpression: condition, ReturnValues: returnValues,
        }));
        return result.Attributes;
      } catch (error) {
        if (!isThrottling(error) || attempt + 1 >= this.#retry.maxAttempts) throw error;
        await sleep(this.#clock, backoffMs(this.#retry, attempt));
      }
    }
  }

  /**
   * The buckets a scan reads, in scan order: the one at the scan's start first, without a lookup (a seek
   * usually ends in it: bench:sources measured the lookup as half a seek), then the channel's bucket list.
   */
  async *#bucketOrder(channel: string, lowTs: number, highTs: number, ascending: boolean): AsyncIterable<number> {
    const [lowBucket, highBucket] = [this.#bucketOf(lowTs), this.#bucketOf(highTs)];
    const first = ascending ? lowBucket : highBucket;
    yield first;
    if (lowBucket === highBucket) return;
    const [from, to] = ascending ? [first + 1, highBucket] : [lowBucket, first - 1];
    const items = await this.#queryAll(`scan channel ${channel}`, keys.buckets(channel), encodeNumber(from), encodeNumber(to));
    const buckets = items.map((item) => decodeNumber(item.sk as Uint8Array));
    yield* ascending ? buckets : buckets.reverse();
  }

  /** Every item of a partition, optionally with sk in [low, high], in sk order. */
  async #queryAll(operation: string, pk: string, low?: Uint8Array, high?: Uint8Array): Promise<Item[]> {
    return this.#guard(operation, async () => {
      const items: Item[] = [];
      let start: Item | undefined;
      do {
        const result = await this.#documents.send(new QueryCommand({
          TableName: this.#settings.table,
          KeyConditionExpression: low === undefined ? 'pk = :pk' : 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: low === undefined ? { ':pk': pk } : { ':pk': pk, ':low': low, ':high': high },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }));
        items.push(...(result.Items ?? []));
        start = result.LastEvaluatedKey;
      } while (start !== undefined);
      return items;
    });
  }

  #bucketOf(ts: number): number {
    return Math.floor(ts / this.#settings.bucketMs);
  }

  async #guard<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof PlayheadError || error instanceof RangeError || error instanceof TypeError) throw error;
      const message = error instanceof Error ? error.message || error.name : String(error);
      throw new PlayheadError('store_unavailable', `dynamodb store could not ${operation}${this.#settings.endpoint === undefined ? '' : ` at ${this.#settings.endpoint}`}: ${message}`, { cause: error });
    }
  }
}

/** The smallest position strictly after `p`, and the largest strictly before it: BETWEEN's inclusive bounds. */
function after(p: Position): Position {
  return p.seq >= MAX_SEQ ? { ts: p.ts + 1, seq: 0 } : { ts: p.ts, seq: p.seq + 1 };
}

function before(p: Position): Position {
  return p.seq <= 0 ? { ts: p.ts - 1, seq: MAX_SEQ } : { ts: p.ts, seq: p.seq - 1 };
}

function withoutRepeatedIds(events: readonly NewEvent[]): NewEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    if (event.id === null) return true;
    if (seen.has(event.id)) return false;
    seen.add(event.id);
    return true;
  });
}

function toStoredEvent(channel: string, item: Item): StoredEvent {
  return { channel, seq: Number(item.seq), ts: Number(item.ts), id: item.id === undefined || item.id === null ? null : String(item.id), data: JSON.parse(String(item.data)) };
}

function toChannelInfo(name: string, meta: Meta | undefined): ChannelInfo | undefined {
  if (meta?.lastSeq === undefined) return undefined;
  return { name, count: Number(meta.count ?? 0), firstTs: meta.firstTs ?? null, lastTs: meta.lastTs ?? null, lastSeq: Number(meta.lastSeq) };
}

