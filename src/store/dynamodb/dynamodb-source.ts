/**
 * A user's DynamoDB table mounted read-only (docs/sources.md). When the time
 * attribute is the sort key (of the table, or of the `index=` GSI), each
 * partition key value is a channel `NAME/partition=value`, read by Query on
 * (partition, time range): the table's own order. Otherwise the table is one
 * channel read by Scan with a time filter, sorted here: the documented
 * fallback for small tables. seq is the item's time in microseconds (or the
 * `id=` attribute under Scan), so (ts, seq) is the sort key's order. Live is
 * polling by time at the source's interval: DynamoDB Streams would push, but
 * dynalite (the tests' DynamoDB) has no Streams API, so none is used.
 */
import { DescribeTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, NumberValue, QueryCommand, ScanCommand, type QueryCommandInput, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { isChannelName } from '../../core/channel-name.js';
import { describeValue } from '../../core/describe-value.js';
import { PlayheadError } from '../../core/errors.js';
import { compareReplayOrder, type StoredEvent } from '../../core/event.js';
import type { WireSource } from '../../protocol/source-messages.js';
import { DEFAULT_PAGE_SIZE, type ChannelInfo, type Histogram, type HistogramRequest, type ScanRequest } from '../event-store.js';
import { fillHistogram, planHistogram } from '../histogram-rollup.js';
import type { MountedSource, SourceEvent } from '../sources/mounted-source.js';
import type { DynamoDbSourceSpec } from '../sources/source-spec.js';
import { SOURCE_CAPABILITIES } from '../sources/table-source.js';
import {
  DEFAULT_ISO_TEXT_FORMAT, guessEpochUnit, isoTextFormat, timeCodec, type EpochUnit, type TimeCodec,
} from '../sources/time-codec.js';

type Item = Record<string, unknown>;
type KeyType = 'S' | 'N';

/** Items one Scan-mode read may sort in memory; past it the read fails with the fix (a sort key or GSI). */
const MAX_SCAN_ITEMS = 200_000;
const MICROS_PER_MS = 1_000;
const MICROS_PER_UNIT: Readonly<Record<EpochUnit, number>> = { s: 1_000_000, ms: 1_000, us: 1 };
const NUMERIC_TEXT = /^-?\d+(\.\d+)?$/;

interface Layout {
  /** query: time is the sort key, one channel per partition value; scan: one channel, read by Scan. */
  readonly mode: 'query' | 'scan';
  readonly partition: { readonly name: string; readonly type: KeyType };
  readonly time: { readonly name: string; readonly type: KeyType };
  readonly codec: TimeCodec;
  readonly unit: EpochUnit | undefined;
  readonly idAttribute: string | undefined;
  /** Attributes of a sample item that become `data`. */
  readonly sampleData: readonly { readonly column: string; readonly type: string }[];
}

export async function openDynamoDbSource(spec: DynamoDbSourceSpec): Promise<DynamoDbSource> {
  const local = spec.region === 'local';
  const client = new DynamoDBClient({
    region: local ? 'us-east-1' : spec.region,
    endpoint: spec.endpoint,
    // DynamoDB Local and dynalite accept any key; real AWS takes the SDK's credential chain.
    credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
  });
  // wrapNumbers: an attribute past 2^53 must not throw in the SDK; it becomes a string in `data`.
  const documents = DynamoDBDocumentClient.from(client, { unmarshallOptions: { wrapNumbers: true } });
  try {
    const layout = await introspect(spec, client, documents);
    return new DynamoDbSource(spec, layout, client, documents);
  } catch (error) {
    client.destroy();
    throw error;
  }
}

async function introspect(spec: DynamoDbSourceSpec, client: DynamoDBClient, documents: DynamoDBDocumentClient): Promise<Layout> {
  const fail = (message: string): never => {
    throw new PlayheadError('invalid_source', `source ${spec.name}: ${message}`);
  };
  const described = await guard(spec, `describe table ${spec.table}`, () => client.send(new DescribeTableCommand({ TableName: spec.table })));
  const table = described.Table ?? fail(`table ${spec.table} has no description`);
  let keySchema: readonly KeySchemaElement[] = table.KeySchema ?? [];
  if (spec.index !== undefined) {
    const indexes = table.GlobalSecondaryIndexes ?? [];
    const index = indexes.find((candidate) => candidate.IndexName === spec.index)
      ?? fail(`table ${spec.table} has no global secondary index ${JSON.stringify(spec.index)} (it has ${indexes.map((i) => i.IndexName).join(', ') || 'none'}): fix index=`);
    keySchema = index.KeySchema ?? [];
  }
  const where = spec.index === undefined ? `table ${spec.table}` : `index ${spec.index} of table ${spec.table}`;
  const hash = keySchema.find((key) => key.KeyType === 'HASH')?.AttributeName ?? fail(`${where} has no partition key`);
  const range = keySchema.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  if (spec.partition !== undefined && spec.partition !== hash) fail(`the partition key of ${where} is ${hash}, not ${spec.partition}: fix partition=`);
  if (spec.sort !== undefined && spec.sort !== range) fail(`${range === undefined ? `${where} has no sort key` : `the sort key of ${where} is ${range}`}, not ${spec.sort}: fix sort= (or name a GSI with index=)`);
  const timeName = spec.timeAttribute ?? range
    ?? fail(`${where} has no sort key to read time from: name the time attribute with time= (it is then read by Scan), or mount a GSI whose sort key is the time with index=`);
  const mode = timeName === range ? 'query' : 'scan';
  if (mode === 'query' && spec.idAttribute !== undefined) fail('id= is for a time attribute that is not the sort key: the sort key orders items of one partition already, remove id=');
  const definitions: readonly AttributeDefinition[] = table.AttributeDefinitions ?? [];
  const typeOf = (name: string): string | undefined => definitions.find((definition) => definition.AttributeName === name)?.AttributeType;
  const partitionType = typeOf(hash);
  if (mode === 'query' && partitionType !== 'S' && partitionType !== 'N') fail(`partition key ${hash} is of type ${partitionType}: a channel name needs a string or number partition key`);
  // One item tells the time attribute's type (for a non-key attribute) and its text format; the newest and oldest would cost a Scan.
  const sample = (await guard(spec, `read an item of ${spec.table}`, () => documents.send(new ScanCommand({ TableName: spec.table, Limit: 1, ...(spec.index === undefined ? {} : { IndexName: spec.index }) })))).Items?.[0];
  const sampleTime = sample === undefined ? undefined : plain(sample[timeName]);
  const declared = typeOf(timeName);
  const timeType: KeyType = declared === 'S' || declared === 'N' ? declared
    : declared !== undefined ? fail(`time attribute ${timeName} is of type ${declared}: it must hold numbers (epoch s, ms or us) or ISO-8601 strings`)
      : typeof sampleTime === 'string' ? 'S'
        : typeof sampleTime === 'number' || sampleTime === undefined ? 'N'
          : fail(`time attribute ${timeName} holds ${describeValue(sampleTime)}: it must hold numbers (epoch s, ms or us) or ISO-8601 strings`);
  let codec: TimeCodec;
  let unit: EpochUnit | undefined;
  if (timeType === 'N') {
    if (sampleTime !== undefined && typeof sampleTime !== 'number') fail(`time attribute ${timeName} holds ${describeValue(sampleTime)} in an item: it must be a number here`);
    unit = spec.timeUnit ?? (sampleTime === undefined ? 'ms' : guessEpochUnit(sampleTime));
    codec = numberCodec(unit);
  } else {
    if (spec.timeUnit !== undefined) fail(`unit= is for numeric times, and ${timeName} holds strings: remove it`);
    const format = sampleTime === undefined ? DEFAULT_ISO_TEXT_FORMAT : isoTextFormat(String(sampleTime));
    if (format === undefined || format === 'not-utc') {
      fail(`time attribute ${timeName} holds ${describeValue(sampleTime)}, which is not ${format === 'not-utc' ? 'in UTC' : 'an ISO-8601 time'}: string times must be UTC ISO-8601 (Z, +00:00 or no offset), one format for every item, so that they sort by time`);
    }
    codec = timeCodec({ kind: 'iso-text', format: format as Exclude<typeof format, undefined | 'not-utc'> });
  }
  const skip = new Set([...(mode === 'query' ? [hash] : []), timeName, ...(spec.idAttribute === undefined ? [] : [spec.idAttribute])]);
  const sampleData = sample === undefined ? [] : Object.keys(sample).filter((name) => !skip.has(name)).sort()
    .map((column) => ({ column, type: attributeType(sample[column]) }));
  return Object.freeze({
    mode, partition: { name: hash, type: partitionType === 'N' ? 'N' as const : 'S' as const }, time: { name: timeName, type: timeType }, codec, unit,
    idAttribute: spec.idAttribute, sampleData,
  });
}

export class DynamoDbSource implements MountedSource {
  readonly capabilities = SOURCE_CAPABILITIES;
  readonly spec: DynamoDbSourceSpec;
  readonly #layout: Layout;
  readonly #client: DynamoDBClient;
  readonly #documents: DynamoDBDocumentClient;
  readonly #keyPrefix: string | undefined;
  #closed = false;

  constructor(spec: DynamoDbSourceSpec, layout: Layout, client: DynamoDBClient, documents: DynamoDBDocumentClient) {
    this.spec = spec;
    this.#layout = layout;
    this.#client = client;
    this.#documents = documents;
    this.#keyPrefix = layout.mode === 'query' ? `${spec.name}/${layout.partition.name}=` : undefined;
  }

  get displayName(): string {
    return this.spec.index === undefined ? this.spec.table : `${this.spec.table} (index ${this.spec.index})`;
  }

  owns(channel: string): boolean {
    return this.#keyPrefix === undefined ? channel === this.spec.name : channel.startsWith(this.#keyPrefix);
  }

  async *scan(request: ScanRequest): AsyncIterable<readonly StoredEvent[]> {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be an integer >= 1, got ${pageSize}`);
    if (!this.owns(request.channel)) return;
    const asc = request.order === 'asc';
    const { after, maxSeq } = request;
    // (ts, seq) strictly after `after` in scan order, inside [start, end), seq <= maxSeq.
    const keep = (event: StoredEvent) => (request.start === undefined || event.ts >= request.start) && (request.end === undefined || event.ts < request.end)
      && (maxSeq === undefined || event.seq <= maxSeq)
      && (after === undefined || (asc ? compareReplayOrder(event, after) > 0 : compareReplayOrder(event, after) < 0));
    if (this.#layout.mode === 'scan') {
      const events = (await this.#scanAll(request.start, request.end, `scan channel ${request.channel}`)).filter(keep);
      if (!asc) events.reverse();
      for (let at = 0; at < events.length; at += pageSize) yield events.slice(at, at + pageSize);
      return;
    }
    const key = this.#keyOf(request.channel);
    if (key === undefined) return;
    // The sort key range: the window, narrowed by `after` (its millisecond is re-read, and `keep` drops what is not after it).
    let fromMs = request.start;
    let untilMs = request.end;
    if (after !== undefined && asc) fromMs = fromMs === undefined ? after.ts : Math.max(fromMs, after.ts);
    if (after !== undefined && !asc) untilMs = untilMs === undefined ? after.ts + 1 : Math.min(untilMs, after.ts + 1);
    if (fromMs !== undefined && untilMs !== undefined && fromMs >= untilMs) return;
    let start: Item | undefined;
    let page: StoredEvent[] = [];
    for (;;) {
      const result = await this.#query(key, fromMs, untilMs, { ScanIndexForward: asc, Limit: pageSize, ExclusiveStartKey: start }, `scan channel ${request.channel}`);
      for (const item of result.Items ?? []) {
        const event = this.#toEvent(item, request.channel);
        // seq grows with the sort key: past maxSeq in ascending order, nothing later qualifies.
        if (asc && maxSeq !== undefined && event.seq > maxSeq) {
          if (page.length > 0) yield page;
          return;
        }
        if (keep(event)) page.push(event);
      }
      start = result.LastEvaluatedKey;
      if (page.length >= pageSize || (start === undefined && page.length > 0)) {
        yield page;
        page = [];
      }
      if (start === undefined) return;
    }
  }

  async histogram(channel: string, request: HistogramRequest): Promise<Histogram> {
    const { bucketMs } = planHistogram(request);
    const plan = { bucketMs, source: 'raw' as const, readFrom: request.start };
    const times: (readonly [number, number])[] = [];
    if (this.#layout.mode === 'scan') {
      if (this.owns(channel)) for (const event of await this.#scanAll(request.start, request.end, `histogram of channel ${channel}`)) times.push([event.ts, 1]);
      return fillHistogram(request, plan, times);
    }
    const key = this.#keyOf(channel);
    if (key === undefined) return fillHistogram(request, plan, []);
    let start: Item | undefined;
    do {
      const result = await this.#query(key, request.start, request.end, { ProjectionExpression: '#t', ExclusiveStartKey: start }, `histogram of channel ${channel}`);
      for (const item of result.Items ?? []) {
        const ts = this.#timeOf(item);
        if (ts >= request.start && ts < request.end) times.push([ts, 1]);
      }
      start = result.LastEvaluatedKey;
    } while (start !== undefined);
    return fillHistogram(request, plan, times);
  }

  /** Under Query, one channel per partition value: found by a Scan of the partition key (a full read of the table). */
  async listChannels(): Promise<readonly ChannelInfo[]> {
    if (this.#layout.mode === 'scan') {
      const info = await this.getChannel(this.spec.name);
      return info === undefined ? [] : [info];
    }
    const names = new Set<string>();
    let start: Item | undefined;
    do {
      const result = await this.#send('list channels', () => this.#documents.send(new ScanCommand({
        ...this.#target(), ProjectionExpression: '#p', ExpressionAttributeNames: { '#p': this.#layout.partition.name }, ExclusiveStartKey: start,
      })));
      for (const item of result.Items ?? []) {
        const name = this.#channelOf(item[this.#layout.partition.name]);
        if (name !== undefined) names.add(name);
      }
      start = result.LastEvaluatedKey;
    } while (start !== undefined);
    const channels: ChannelInfo[] = [];
    for (const name of [...names].sort()) {
      const info = await this.getChannel(name);
      if (info !== undefined) channels.push(info);
    }
    return channels;
  }

  async getChannel(name: string): Promise<ChannelInfo | undefined> {
    if (this.#layout.mode === 'scan') {
      if (!this.owns(name)) return undefined;
      const events = await this.#scanAll(undefined, undefined, `read channel ${name}`);
      const first = events[0];
      const last = events.at(-1);
      if (first === undefined || last === undefined) return undefined;
      return { name, count: events.length, firstTs: first.ts, lastTs: last.ts, lastSeq: Math.max(...events.map((event) => event.seq)) };
    }
    const key = this.#keyOf(name);
    if (key === undefined) return undefined;
    const operation = `read channel ${name}`;
    const [first, last] = await Promise.all([true, false].map(async (forward) => (await this.#query(key, undefined, undefined, { ScanIndexForward: forward, Limit: 1 }, operation)).Items?.[0]));
    if (first === undefined || last === undefined) return undefined;
    let count = 0;
    let start: Item | undefined;
    do {
      const result = await this.#query(key, undefined, undefined, { Select: 'COUNT', ExclusiveStartKey: start }, operation);
      count += result.Count ?? 0;
      start = result.LastEvaluatedKey;
    } while (start !== undefined);
    const lastEvent = this.#toEvent(last, name);
    return { name, count, firstTs: this.#timeOf(first), lastTs: lastEvent.ts, lastSeq: lastEvent.seq };
  }

  async ping(): Promise<void> {
    await this.#send('ping', () => this.#client.send(new DescribeTableCommand({ TableName: this.spec.table })));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.destroy();
  }

  async newestTime(): Promise<{ readonly ts: number } | undefined> {
    let newest: number | undefined;
    let start: Item | undefined;
    do {
      const result = await this.#send('read the newest item', () => this.#documents.send(new ScanCommand({
        ...this.#target(), ProjectionExpression: '#t', ExpressionAttributeNames: { '#t': this.#layout.time.name }, ExclusiveStartKey: start, ConsistentRead: this.#consistent(),
      })));
      for (const item of result.Items ?? []) {
        if (item[this.#layout.time.name] === undefined) continue;
        const ts = this.#timeOf(item);
        if (newest === undefined || ts > newest) newest = ts;
      }
      start = result.LastEvaluatedKey;
    } while (start !== undefined);
    return newest === undefined ? undefined : { ts: newest };
  }

  /** Every item at or after `since`, by one filtered Scan (a full read of the table per poll: see docs/sources.md). */
  async rowsSince(since: number | undefined, after: SourceEvent['native'] | undefined, _limit: number): Promise<readonly SourceEvent[]> {
    // All rows come back at once, past `limit`: the poller's next call, after the last, finds none it has not seen.
    const events: SourceEvent[] = [];
    for (const item of await this.#scanItems(since, undefined, 'poll for new items')) {
      const channel = this.#layout.mode === 'scan' ? this.spec.name : this.#channelOf(item[this.#layout.partition.name]);
      const event = this.#toEvent(item, channel ?? '');
      // The poller dedupes on channel and id: under Query an id (the time) is unique within its partition only.
      events.push({ event, native: { time: event.ts, id: event.seq } });
    }
    events.sort((a, b) => compareReplayOrder(a.event, b.event));
    if (after === undefined) return events;
    const bound = { ts: Number(after.time), seq: Number(after.id) };
    return events.filter(({ event }) => compareReplayOrder(event, bound) > 0);
  }

  listen(): undefined {
    return undefined;
  }

  describe(liveError: string | null): WireSource {
    const { spec } = this;
    const layout = this.#layout;
    const query = layout.mode === 'query';
    return {
      name: spec.name,
      kind: 'dynamodb',
      url: spec.displayUrl,
      table: this.displayName,
      time: { column: layout.time.name, type: layout.time.type, reads: `${layout.codec.describe()}${query ? ', the sort key: read by Query' : ', not a sort key: read by Scan'}` },
      id: layout.idAttribute === undefined ? { column: layout.time.name, type: 'seq: the time in microseconds' } : { column: layout.idAttribute, type: 'N' },
      key: query ? { column: layout.partition.name, type: layout.partition.type, channels: `${this.#keyPrefix}{value}` } : null,
      data: layout.sampleData,
      index: query
        ? { usable: true, name: spec.index ?? 'primary key', advice: null }
        : {
          usable: false,
          name: null,
          advice: `every read scans ${spec.table} (at most ${MAX_SCAN_ITEMS} items per read): add a global secondary index whose sort key is ${layout.time.name}`
            + ` and whose partition key names the channels, then mount it with &index=INDEX`,
        },
      live: { pollIntervalMs: spec.pollIntervalMs, lateWindowMs: spec.lateWindowMs, notify: null, error: liveError },
    };
  }

  /** Query of one partition over the time range [fromMs, untilMs), in the sort key's own type. */
  #query(key: unknown, fromMs: number | undefined, untilMs: number | undefined, extra: Partial<QueryCommandInput>, operation: string) {
    const codec = this.#layout.codec;
    const values: Item = { ':p': key };
    let condition = '#p = :p';
    // BETWEEN is inclusive: the item at `until` itself is dropped by the caller.
    if (fromMs !== undefined && untilMs !== undefined) condition += ' AND #t BETWEEN :lo AND :hi';
    else if (fromMs !== undefined) condition += ' AND #t >= :lo';
    else if (untilMs !== undefined) condition += ' AND #t <= :hi';
    if (fromMs !== undefined) values[':lo'] = codec.lowerBound(fromMs);
    if (untilMs !== undefined) values[':hi'] = codec.lowerBound(untilMs);
    // DynamoDB refuses a name the expressions do not use.
    const usesTime = fromMs !== undefined || untilMs !== undefined || extra.ProjectionExpression?.includes('#t') === true;
    const names: Record<string, string> = usesTime ? { '#p': this.#layout.partition.name, '#t': this.#layout.time.name } : { '#p': this.#layout.partition.name };
    return this.#send(operation, () => this.#documents.send(new QueryCommand({
      ...this.#target(), KeyConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ConsistentRead: this.#consistent(), ...extra,
    })));
  }

  /** Every item with a time in [fromMs, untilMs), by filtered Scan; at most MAX_SCAN_ITEMS. */
  async #scanItems(fromMs: number | undefined, untilMs: number | undefined, operation: string): Promise<Item[]> {
    const codec = this.#layout.codec;
    const filters = ['attribute_exists(#t)'];
    const values: Item = {};
    if (fromMs !== undefined) {
      filters.push('#t >= :lo');
      values[':lo'] = codec.lowerBound(fromMs);
    }
    if (untilMs !== undefined) {
      filters.push('#t < :hi');
      values[':hi'] = codec.lowerBound(untilMs);
    }
    const input: ScanCommandInput = {
      ...this.#target(), FilterExpression: filters.join(' AND '), ExpressionAttributeNames: { '#t': this.#layout.time.name }, ConsistentRead: this.#consistent(),
      ...(Object.keys(values).length === 0 ? {} : { ExpressionAttributeValues: values }),
    };
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const result = await this.#send(operation, () => this.#documents.send(new ScanCommand({ ...input, ExclusiveStartKey: start })));
      items.push(...(result.Items ?? []));
      if (items.length > MAX_SCAN_ITEMS) {
        throw new PlayheadError('invalid_source', `source ${this.spec.name}: more than ${MAX_SCAN_ITEMS} items of ${this.spec.table} to ${operation} by Scan, which sorts them in memory: ${this.describe(null).index.advice}`);
      }
      start = result.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  async #scanAll(fromMs: number | undefined, untilMs: number | undefined, operation: string): Promise<StoredEvent[]> {
    const events = (await this.#scanItems(fromMs, untilMs, operation)).map((item) => this.#toEvent(item, this.spec.name));
    return events.sort(compareReplayOrder);
  }

  #target(): { TableName: string; IndexName?: string } {
    return this.spec.index === undefined ? { TableName: this.spec.table } : { TableName: this.spec.table, IndexName: this.spec.index };
  }

  /** Strongly consistent on the table (the switch to live reads the live position, then history up to it); a GSI cannot be. */
  #consistent(): boolean {
    return this.spec.index === undefined;
  }

  #keyOf(channel: string): unknown {
    if (this.#keyPrefix === undefined || !channel.startsWith(this.#keyPrefix)) return undefined;
    const value = channel.slice(this.#keyPrefix.length);
    if (this.#layout.partition.type === 'N') return NUMERIC_TEXT.test(value) ? Number(value) : undefined;
    return value;
  }

  #channelOf(value: unknown): string | undefined {
    if (this.#keyPrefix === undefined) return this.spec.name;
    const text = plain(value);
    if (text === undefined || text === null) return undefined;
    const name = `${this.#keyPrefix}${String(text)}`;
    return isChannelName(name) ? name : undefined;
  }

  #toEvent(item: Item, channel: string): StoredEvent {
    const layout = this.#layout;
    const raw = plain(item[layout.time.name]);
    const ts = this.#timeOf(item);
    let seq: number;
    if (layout.idAttribute !== undefined) {
      const id = plain(item[layout.idAttribute]);
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw this.#badItem(item, `id attribute ${layout.idAttribute} holds ${describeValue(id)}, not an integer`);
      seq = id;
    } else seq = micros(raw, ts, layout.unit);
    const data: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(item)) {
      if (name === layout.time.name || name === layout.idAttribute || (layout.mode === 'query' && name === layout.partition.name)) continue;
      // defineProperty for __proto__ only: assigning it would set the prototype.
      if (name === '__proto__') Object.defineProperty(data, name, { value: json(value), enumerable: true, writable: true, configurable: true });
      else data[name] = json(value);
    }
    return { channel, seq, ts, id: String(seq), data };
  }

  #timeOf(item: Item): number {
    const value = plain(item[this.#layout.time.name]);
    const ts = this.#layout.codec.decode(value);
    if (ts === undefined) throw this.#badItem(item, `time attribute ${this.#layout.time.name} holds ${describeValue(value)}, which is not ${this.#layout.codec.describe()}`);
    return ts;
  }

  #badItem(item: Item, problem: string): PlayheadError {
    const key = plain(item[this.#layout.partition.name]);
    return new PlayheadError('invalid_source', `source ${this.spec.name}: the item with ${this.#layout.partition.name} = ${describeValue(key)}: ${problem}: fix the item`);
  }

  #send<T>(operation: string, body: () => Promise<T>): Promise<T> {
    return guard(this.spec, operation, body);
  }
}

/** SDK errors as the sources' codes: a missing table is the URL's fault, anything else the database's. */
async function guard<T>(spec: DynamoDbSourceSpec, operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof PlayheadError || error instanceof RangeError || error instanceof TypeError) throw error;
    const name = error instanceof Error ? error.name : '';
    const message = error instanceof Error ? error.message || error.name : String(error);
    const at = spec.endpoint === undefined ? ` in ${spec.region}` : ` at ${spec.endpoint}`;
    if (name === 'ResourceNotFoundException') {
      throw new PlayheadError('invalid_source', `source ${spec.name}: DynamoDB has no table ${spec.table}${at}: fix the table after the region in the URL`, { cause: error });
    }
    if (name === 'ValidationException') throw new PlayheadError('invalid_source', `source ${spec.name}: DynamoDB refused to ${operation}: ${message}`, { cause: error });
    throw new PlayheadError('store_unavailable', `source ${spec.name}: DynamoDB could not ${operation}${at}: ${message}`, { cause: error });
  }
}

/**
 * Epoch numbers as DynamoDB holds them: unlike a SQL integer column they may be fractional (1520380800.25 s),
 * and DynamoDB compares decimals exactly, so a bound is the exact quotient and a value is read to the microsecond.
 */
function numberCodec(unit: EpochUnit): TimeCodec {
  const integer = timeCodec({ kind: 'epoch', unit });
  return {
    ...integer,
    decode: (value) => (typeof value === 'number' && Number.isFinite(value) ? Math.floor(Math.round(value * MICROS_PER_UNIT[unit]) / MICROS_PER_MS) : undefined),
    // Divided, not multiplied by 0.001: ts / 1000 prints as the exact decimal (1520380800.123).
    lowerBound: (ts) => (unit === 's' ? ts / MICROS_PER_MS : unit === 'ms' ? ts : ts * MICROS_PER_MS),
    describe: () => `epoch ${unit === 's' ? 'seconds' : unit === 'ms' ? 'milliseconds' : 'microseconds'}`,
  };
}

/** The time in whole microseconds: the item's seq, exact for every unit and for ISO strings of up to 6 fraction digits. */
function micros(raw: unknown, ts: number, unit: EpochUnit | undefined): number {
  if (typeof raw === 'number') return Math.round(raw * MICROS_PER_UNIT[unit ?? 'ms']);
  const fraction = typeof raw === 'string' ? /\.(\d+)/.exec(raw)?.[1] ?? '' : '';
  return ts * MICROS_PER_MS + Number(fraction.padEnd(6, '0').slice(3, 6));
}

/** A wrapped number as a number when exact, else its text; other values unchanged. */
function plain(value: unknown): unknown {
  if (value instanceof NumberValue) {
    const number = Number(value.value);
    return Number.isSafeInteger(number) || (!Number.isInteger(number) && Number.isFinite(number)) ? number : value.value;
  }
  return value;
}

/** A DynamoDB value as JSON: sets become arrays, binary base64, big numbers text. */
function json(value: unknown): unknown {
  if (value instanceof NumberValue) return plain(value);
  if (value instanceof Set) return [...value].map(json);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(json);
  if (typeof value === 'object' && value !== null) {
    const object: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) {
      if (name === '__proto__') Object.defineProperty(object, name, { value: json(inner), enumerable: true, writable: true, configurable: true });
      else object[name] = json(inner);
    }
    return object;
  }
  return value;
}

function attributeType(value: unknown): string {
  if (value instanceof NumberValue || typeof value === 'number') return 'N';
  if (typeof value === 'string') return 'S';
  if (typeof value === 'boolean') return 'BOOL';
  if (value === null) return 'NULL';
  if (value instanceof Set) return 'SS/NS';
  if (value instanceof Uint8Array) return 'B';
  return Array.isArray(value) ? 'L' : 'M';
}
