/**
 * A table mounted read-only as one channel, or as one channel per value of a
 * key column (`NAME/column=value`). It implements `EventReader` only (STYLE
 * "least privilege"): seq is the integer id column, so replay order is
 * (time, id) and a resumed scan is one keyset range.
 */
import { isChannelName } from '../../core/channel-name.js';
import { describeValue } from '../../core/describe-value.js';
import { PlayheadError } from '../../core/errors.js';
import type { Position, StoredEvent } from '../../core/event.js';
import { formatTime, parseTime } from '../../core/time.js';
import {
  DEFAULT_CAPABILITIES, DEFAULT_PAGE_SIZE,
  type ChannelInfo, type Histogram, type HistogramRequest, type ScanRequest, type StoreCapabilities,
} from '../event-store.js';
import { fillHistogram, planHistogram } from '../histogram-rollup.js';
import type { WireSource } from '../../protocol/source-messages.js';
import type { MountedSource, SourceEvent } from './mounted-source.js';
import type { SourceConnection, SourceRow } from './source-connection.js';
import type { SourceSpec, TableShape } from './source-spec.js';
import { ROW_ALIASES, SourceSql, type PageStart } from './source-sql.js';

/** A source never writes (sources issue: writes get 405). */
export const SOURCE_CAPABILITIES: StoreCapabilities = Object.freeze({ ...DEFAULT_CAPABILITIES, writable: false, maxBatchRows: 0 });

/** Every key value of an integer key column looks like this; any other is no channel of the source. */
const INTEGER_TEXT = /^-?\d+$/;
const INTEGER_TYPE = /int|serial/i;

export class TableSource implements MountedSource {
  readonly capabilities = SOURCE_CAPABILITIES;
  readonly spec: SourceSpec;
  readonly shape: TableShape;
  readonly #connection: SourceConnection;
  readonly #sql: SourceSql;
  readonly #keyPrefix: string | undefined;

  constructor(spec: SourceSpec, shape: TableShape, connection: SourceConnection) {
    this.spec = spec;
    this.shape = shape;
    this.#connection = connection;
    this.#sql = new SourceSql(shape, connection.dialect);
    this.#keyPrefix = shape.key === undefined ? undefined : `${spec.name}/${shape.key.name}=`;
  }

  get displayName(): string {
    return this.shape.displayName;
  }

  /** Whether `channel` is one of this source's (it may have no rows). */
  owns(channel: string): boolean {
    return this.#keyPrefix === undefined ? channel === this.spec.name : channel.startsWith(this.#keyPrefix);
  }

  /** The channel a key value names; undefined when the value cannot be a channel name. */
  channelOf(keyValue: unknown): string | undefined {
    if (this.#keyPrefix === undefined) return this.spec.name;
    if (keyValue === null || keyValue === undefined) return undefined;
    const name = `${this.#keyPrefix}${String(keyValue)}`;
    return isChannelName(name) ? name : undefined;
  }

  async *scan(request: ScanRequest): AsyncIterable<readonly StoredEvent[]> {
    const key = this.#keyOf(request.channel);
    if (key === NO_ROWS) return;
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be an integer >= 1, got ${pageSize}`);
    const codec = this.shape.codec;
    const { order, after } = request;
    const from = request.start === undefined ? undefined : codec.lowerBound(request.start);
    const until = request.end === undefined ? undefined : codec.lowerBound(request.end);
    let start: PageStart = { kind: 'edge' };
    // An `after` outside the window is no bound: the window's near edge is the later one.
    if (after !== undefined && (order === 'asc' ? request.start === undefined || after.ts >= request.start : request.end === undefined || after.ts < request.end)) {
      start = positionStart(this, after);
    }
    for (;;) {
      // The near edge goes once a position or cursor bounds the scan: beside the row form, PostgreSQL would range
      // the index on the edge and filter every row up to the cursor, at every page (DESIGN: only the row form is a range).
      const edgeOnly = start.kind === 'edge';
      const statement = this.#sql.page({
        order, key, from: order === 'asc' && !edgeOnly ? undefined : from, until: order === 'desc' && !edgeOnly ? undefined : until,
        start, maxId: request.maxSeq, limit: pageSize,
      });
      const rows = await this.#connection.query(statement, `scan channel ${request.channel}`);
      if (rows.length === 0) return;
      const page = rows.map((row) => this.#toEvent(row, request.channel));
      const last = rows[rows.length - 1] as SourceRow;
      start = { kind: 'cursor', time: last[ROW_ALIASES.time], id: last[ROW_ALIASES.id] };
      yield page;
      if (rows.length < pageSize) return;
    }
  }

  /** Counted from the table at each call (a source keeps no rollups): exact, and as fast as the time index allows. */
  async histogram(channel: string, request: HistogramRequest): Promise<Histogram> {
    const { bucketMs } = planHistogram(request);
    const plan = { bucketMs, source: 'raw' as const, readFrom: request.start };
    const key = this.#keyOf(channel);
    if (key === NO_ROWS) return fillHistogram(request, plan, []);
    const codec = this.shape.codec;
    const statement = this.#sql.histogram(key, codec.lowerBound(request.start), codec.lowerBound(request.end), request.start, bucketMs);
    const rows = await this.#connection.query(statement, `histogram of channel ${channel}`);
    return fillHistogram(request, plan, rows.map((row) => [request.start + Number(row.bucket) * bucketMs, Number(row.n)] as const));
  }

  async listChannels(): Promise<readonly ChannelInfo[]> {
    if (this.shape.key === undefined) {
      const info = await this.getChannel(this.spec.name);
      return info === undefined ? [] : [info];
    }
    const rows = await this.#connection.query(this.#sql.statsByKey(), 'list channels');
    const channels: ChannelInfo[] = [];
    for (const row of rows) {
      const name = this.channelOf(row[ROW_ALIASES.key]);
      if (name !== undefined) channels.push(this.#toInfo(name, row));
    }
    return channels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async getChannel(name: string): Promise<ChannelInfo | undefined> {
    const key = this.#keyOf(name);
    if (key === NO_ROWS) return undefined;
    const [row] = await this.#connection.query(this.#sql.stats(key), `read channel ${name}`);
    if (row === undefined || Number(row.n) === 0) return undefined;
    return this.#toInfo(name, row);
  }

  async ping(): Promise<void> {
    await this.#connection.query({ text: 'SELECT 1', values: [] }, 'ping');
  }

  close(): Promise<void> {
    return this.#connection.close();
  }

  /** The newest row time, as a column value (the poller's first watermark); undefined for an empty table. */
  async newestTime(): Promise<{ readonly native: unknown; readonly ts: number } | undefined> {
    const [row] = await this.#connection.query(this.#sql.stats(undefined), 'read the newest row');
    if (row === undefined || row.hi === null || row.hi === undefined) return undefined;
    return { native: row.hi, ts: this.#decodeTime(row.hi, row.last) };
  }

  /** One page of every channel's rows at or after epoch ms `since`, in (time, id) order: what live polls. */
  async rowsSince(since: number | undefined, after: SourceEvent['native'] | undefined, limit: number): Promise<readonly SourceEvent[]> {
    const start: PageStart = after === undefined ? { kind: 'edge' } : { kind: 'cursor', ...after };
    const statement = this.#sql.page({
      order: 'asc', key: undefined, from: since === undefined ? undefined : this.shape.codec.lowerBound(since), until: undefined, start, maxId: undefined, limit,
    });
    const rows = await this.#connection.query(statement, 'poll for new rows');
    const events: SourceEvent[] = [];
    for (const row of rows) {
      const channel = this.channelOf(row[ROW_ALIASES.key]);
      const native = { time: row[ROW_ALIASES.time], id: row[ROW_ALIASES.id] };
      // A row whose key names no channel (null, or characters a channel name cannot hold) still moves the poller on.
      events.push({ event: this.#toEvent(row, channel ?? ''), native });
    }
    return events;
  }

  /** Wakes `onNotify` at each NOTIFY on the spec's notify channel; undefined when the source has none. */
  listen(onNotify: () => void, onError: (error: unknown) => void): Promise<() => Promise<void>> | undefined {
    const channel = this.spec.notifyChannel;
    if (channel === undefined || this.#connection.listen === undefined) return undefined;
    return this.#connection.listen(channel, onNotify, onError);
  }

  /** The mapping, for `GET /v1/sources/{name}`; `liveError` is the poller's last failure. */
  describe(liveError: string | null): WireSource {
    const { spec, shape } = this;
    return {
      name: spec.name,
      kind: spec.kind,
      url: spec.displayUrl,
      table: shape.displayName,
      time: { column: shape.time.name, type: shape.time.type, reads: shape.codec.describe() },
      id: { column: shape.id.name, type: shape.id.type },
      key: shape.key === undefined ? null : { column: shape.key.name, type: shape.key.type, channels: `${this.#keyPrefix}{value}` },
      data: shape.data.map((column) => ({ column: column.name, type: column.type })),
      index: { ...shape.index },
      live: { pollIntervalMs: spec.pollIntervalMs, lateWindowMs: spec.lateWindowMs, notify: spec.notifyChannel ?? null, error: liveError },
    };
  }

  /** The key value a channel names, `undefined` for an unkeyed source, or NO_ROWS when the table cannot hold it. */
  #keyOf(channel: string): unknown {
    if (!this.owns(channel)) return NO_ROWS;
    if (this.#keyPrefix === undefined) return undefined;
    const value = channel.slice(this.#keyPrefix.length);
    const key = this.shape.key;
    if (key !== undefined && INTEGER_TYPE.test(key.type) && !INTEGER_TEXT.test(value)) return NO_ROWS;
    return value;
  }

  #toInfo(name: string, row: SourceRow): ChannelInfo {
    return {
      name,
      count: Number(row.n),
      firstTs: row.lo === null ? null : this.#decodeTime(row.lo, undefined),
      lastTs: row.hi === null ? null : this.#decodeTime(row.hi, row.last),
      lastSeq: Number(row.last),
    };
  }

  #toEvent(row: SourceRow, channel: string): StoredEvent {
    const id = row[ROW_ALIASES.id];
    const data: Record<string, unknown> = {};
    for (const column of this.shape.data) {
      const value = jsonValue(row[column.name], column.decode);
      // defineProperty for __proto__ only: assigning it would set the prototype; it costs too much for every column.
      if (column.name === '__proto__') Object.defineProperty(data, column.name, { value, enumerable: true, writable: true, configurable: true });
      else data[column.name] = value;
    }
    return { channel, seq: Number(id), ts: this.#decodeTime(row[ROW_ALIASES.time], id), id: String(id), data };
  }

  #decodeTime(value: unknown, id: unknown): number {
    const ts = this.shape.codec.decode(value);
    if (ts !== undefined) return ts;
    const row = id === undefined ? 'a row' : `the row with ${this.shape.id.name} = ${String(id)}`;
    throw new PlayheadError('invalid_source',
      `source ${this.spec.name}: ${row} has ${describeValue(value)} in time column ${this.shape.time.name}, which is not ${this.shape.codec.describe()}: fix the row, or mount a view that filters it out`);
  }
}

const NO_ROWS = Symbol('no rows');

/** An event position as a bound in the column's type: the column values where its millisecond starts and ends. */
function positionStart(source: TableSource, after: Position): PageStart {
  const codec = source.shape.codec;
  return { kind: 'position', lo: codec.lowerBound(after.ts), hi: codec.lowerBound(after.ts + 1), seq: after.seq };
}

function jsonValue(value: unknown, decode: 'value' | 'timestamp'): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (decode === 'timestamp' && typeof value === 'string') {
    try {
      return formatTime(parseTime(value, { now: 0 }));
    } catch {
      return value; // infinity and the like: shown as the database wrote it
    }
  }
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}
