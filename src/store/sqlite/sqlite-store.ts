/**
 * The embedded event store (DESIGN: better-sqlite3, WAL, batched
 * transactions, index on (channel, ts, seq)). Appends are one IMMEDIATE
 * transaction each, so several processes may write one file safely.
 */
import Database from 'better-sqlite3';
import type { NewEvent, StoredEvent } from '../../core/event.js';
import { PlayheadError } from '../../core/errors.js';
import {
  SEQ_LOG_CAPABILITIES, DEFAULT_PAGE_SIZE,
  type AppendResult, type ChannelInfo, type EventStore, type Histogram, type HistogramRequest, type ScanRequest,
} from '../event-store.js';
import { fillHistogram, planHistogram, rollupIncrements } from '../histogram-rollup.js';
import { keysetStart, MAX_TS, MIN_TS } from '../keyset.js';
import type { SqliteStoreConfig } from './sqlite-config.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { migrateSqlite } from './sqlite-schema.js';
import { insertEventsSql, SQL } from './sqlite-sql.js';

type Statement = Database.Statement<unknown[], unknown>;

/** Rows per multi-row insert of events without an id: about half the cost per row of one statement each (bench/scenes-support/record-cost.ts). */
const INSERT_ROWS = 50;
/** Values bound per inserted row (ts, data). */
const INSERT_FIELDS = 2;
type StatementName = keyof typeof SQL;

interface EventRow {
  readonly seq: number;
  readonly ts: number;
  readonly id: string | null;
  readonly data: string;
}

interface ChannelRow extends ChannelInfo {
  readonly id: number;
}

export class SqliteStore implements EventStore {
  readonly capabilities = SEQ_LOG_CAPABILITIES;
  readonly #database: Database.Database;
  readonly #ownsDatabase: boolean;
  readonly #statements: Record<StatementName, Statement>;
  readonly #channelIds = new Map<string, number>();
  readonly #appendTransaction: (channel: string, events: readonly NewEvent[]) => AppendResult;
  readonly #insertRows: Statement;
  /** The bound values of #insertRows, reused by every call: each row's, and the named ones of the statement. */
  readonly #insertRowsValues: unknown[] = new Array(INSERT_ROWS * INSERT_FIELDS);
  readonly #insertRowsNamed = { channel: 0, lastSeq: 0 };

  static open(config: SqliteStoreConfig): SqliteStore {
    return new SqliteStore(config);
  }

  private constructor(config: SqliteStoreConfig) {
    const { database, owned } = openSqliteDatabase(config);
    this.#ownsDatabase = owned;
    this.#database = database;
    migrateSqlite(this.#database);
    this.#statements = Object.fromEntries(
      Object.entries(SQL).map(([name, sql]) => [name, this.#database.prepare(sql)]),
    ) as Record<StatementName, Statement>;
    this.#insertRows = this.#database.prepare(insertEventsSql(INSERT_ROWS));
    const transaction = this.#database.transaction((channel: string, events: readonly NewEvent[]) => this.#appendNow(channel, events));
    this.#appendTransaction = (channel, events) => transaction.immediate(channel, events);
  }

  async append(channel: string, events: readonly NewEvent[]): Promise<AppendResult> {
    return this.#guard(`append to channel ${channel}`, () => this.#appendTransaction(channel, events));
  }

  async *scan(request: ScanRequest): AsyncIterable<readonly StoredEvent[]> {
    const channelId = this.#channelId(request.channel);
    if (channelId === undefined) return;
    const ascending = request.order === 'asc';
    const statement = ascending ? this.#statements.scanAsc : this.#statements.scanDesc;
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    const farBound = ascending ? request.end ?? MAX_TS : request.start ?? MIN_TS;
    let from = keysetStart(request);
    for (;;) {
      const rows = this.#guard(`scan channel ${request.channel}`, () => statement.all(
        channelId, from.ts, from.seq, farBound, request.maxSeq ?? MAX_TS, pageSize,
      ) as EventRow[]);
      if (rows.length === 0) return;
      const page = rows.map((row) => toStoredEvent(request.channel, row));
      from = page[page.length - 1] as StoredEvent;
      yield page;
      if (rows.length < pageSize) return;
    }
  }

  async readSince(channel: string, afterSeq: number, limit: number): Promise<readonly StoredEvent[]> {
    const channelId = this.#channelId(channel);
    if (channelId === undefined) return [];
    const rows = this.#guard(`read channel ${channel} after seq ${afterSeq}`, () => this.#statements.readSince.all(channelId, afterSeq, limit) as EventRow[]);
    return rows.map((row) => toStoredEvent(channel, row));
  }

  async histogram(channel: string, request: HistogramRequest): Promise<Histogram> {
    const plan = planHistogram(request);
    const channelId = this.#channelId(channel);
    if (channelId === undefined) return fillHistogram(request, plan, []);
    const rows = this.#guard(`histogram of channel ${channel}`, () => plan.source === 'raw'
      ? this.#statements.histogramRaw.all(request.start, request.start, plan.bucketMs, plan.bucketMs, channelId, request.start, request.end)
      : this.#statements.histogramCounts.all(channelId, plan.source.levelMs, plan.readFrom, request.end)) as { time: number; count: number }[];
    return fillHistogram(request, plan, rows.map((row) => [row.time, row.count] as const));
  }

  async listChannels(): Promise<readonly ChannelInfo[]> {
    return this.#guard('list channels', () => this.#statements.listChannels.all() as ChannelInfo[]);
  }

  async getChannel(name: string): Promise<ChannelInfo | undefined> {
    const row = this.#guard(`read channel ${name}`, () => this.#statements.channelByName.get(name) as ChannelRow | undefined);
    if (row === undefined) return undefined;
    const { id, ...info } = row;
    return info;
  }

  async ping(): Promise<void> {
    this.#guard('ping', () => this.#statements.ping.get());
  }

  async close(): Promise<void> {
    if (this.#ownsDatabase) this.#database.close();
  }

  #appendNow(channel: string, events: readonly NewEvent[]): AppendResult {
    const s = this.#statements;
    s.createChannel.run(channel);
    const row = s.channelByName.get(channel) as ChannelRow;
    this.#channelIds.set(channel, row.id);
    const accepted: NewEvent[] = [];
    const stored: StoredEvent[] = [];
    let seq = row.lastSeq;
    for (let i = 0; i < events.length;) {
      const run = idlessRun(events, i);
      // Events without an id cannot be duplicates: INSERT_ROWS of them go in one statement. Otherwise one by one:
      // the id-less events (fewer than a statement takes), then the one with an id after them.
      const together = run === INSERT_ROWS;
      if (together) this.#insertIdless(row.id, seq, events, i);
      for (const end = Math.min(events.length, i + (together ? run : run + 1)); i < end; i += 1) {
        const event = events[i] as NewEvent;
        if (!together && s.insertEvent.run(row.id, seq + 1, event.ts, event.id, event.dataJson).changes === 0) continue;
        seq += 1;
        accepted.push(event);
        stored.push({ channel, seq, ts: event.ts, id: event.id, data: event.data });
      }
    }
    const duplicates = events.length - accepted.length;
    if (accepted.length === 0) return { accepted: 0, duplicates, firstSeq: null, lastSeq: null, stored };
    for (const { levelMs, granuleStart, count } of rollupIncrements(accepted)) s.addHistogramCount.run(row.id, levelMs, granuleStart, count);
    let minTs = MAX_TS;
    let maxTs = MIN_TS;
    for (const { ts } of accepted) {
      if (ts < minTs) minTs = ts;
      if (ts > maxTs) maxTs = ts;
    }
    s.updateChannel.run(seq, accepted.length, minTs, minTs, maxTs, maxTs, row.id);
    return { accepted: accepted.length, duplicates, firstSeq: row.lastSeq + 1, lastSeq: seq, stored };
  }

  /** Inserts events[from, from + INSERT_ROWS), none with an id, as the seqs after `lastSeq`, in one statement. */
  #insertIdless(channelId: number, lastSeq: number, events: readonly NewEvent[], from: number): void {
    const values = this.#insertRowsValues;
    for (let r = 0; r < INSERT_ROWS; r += 1) {
      const event = events[from + r] as NewEvent;
      values[r * INSERT_FIELDS] = event.ts;
      values[r * INSERT_FIELDS + 1] = event.dataJson;
    }
    const named = this.#insertRowsNamed;
    named.channel = channelId;
    named.lastSeq = lastSeq;
    this.#insertRows.run(values, named);
  }

  #channelId(name: string): number | undefined {
    const known = this.#channelIds.get(name);
    if (known !== undefined) return known;
    // Another process (e.g. `playhead ingest`) may have created it since.
    const row = this.#guard(`read channel ${name}`, () => this.#statements.channelByName.get(name) as ChannelRow | undefined);
    if (row !== undefined) this.#channelIds.set(name, row.id);
    return row?.id;
  }

  #guard<T>(operation: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      if (error instanceof Database.SqliteError) {
        throw new PlayheadError('store_unavailable', `sqlite store could not ${operation}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}


function toStoredEvent(channel: string, row: EventRow): StoredEvent {
  return { channel, seq: row.seq, ts: row.ts, id: row.id, data: JSON.parse(row.data) };
}

/** How many events from `from` on have no id, up to INSERT_ROWS. */
function idlessRun(events: readonly NewEvent[], from: number): number {
  let run = 0;
  while (run < INSERT_ROWS && from + run < events.length && (events[from + run] as NewEvent).id === null) run += 1;
  return run;
}
