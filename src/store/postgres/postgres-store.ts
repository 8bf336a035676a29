/**
 * The server event store on PostgreSQL (DESIGN: `pg`; several stateless nodes
 * share one database). An append is one transaction under its channel's row
 * lock, its rows sent by COPY (DESIGN); a scan is keyset pages of one pooled
 * query each, so nothing is held between pages.
 */
import pg from 'pg';
import type { NewEvent, StoredEvent } from '../../core/event.js';
import { PlayheadError } from '../../core/errors.js';
import {
  SEQ_LOG_CAPABILITIES, DEFAULT_PAGE_SIZE,
  type AppendResult, type ChannelInfo, type EventStore, type Histogram, type HistogramRequest, type ScanRequest,
} from '../event-store.js';
import { fillHistogram, planHistogram, rollupIncrements } from '../histogram-rollup.js';
import { keysetStart, MAX_TS, MIN_TS } from '../keyset.js';
import {
  resolvePostgresConfig,
  type PostgresPool, type PostgresPoolClient, type PostgresQuery, type PostgresStoreConfig, type ResolvedPostgresConfig,
} from './postgres-config.js';
import { copyEvents } from './postgres-copy.js';
import { migratePostgres } from './postgres-schema.js';
import { postgresStatements, quoteIdentifier, type PostgresStatements } from './postgres-sql.js';

type Queryable = Pick<PostgresPool, 'query'>;
type TypeParser = (value: string) => unknown;

interface EventRow {
  readonly seq: number;
  readonly ts: number;
  readonly id: string | null;
  readonly data: unknown;
}

interface ChannelLock {
  readonly id: number;
  readonly lastSeq: number;
}

/**
 * Parsers passed with every query, never set on `pg.types`, which would change
 * the caller's other pools. bigint columns hold epoch ms, seqs and counts,
 * which a double holds exactly.
 */
const PARSERS = new Map<number, TypeParser>([
  [20, Number], // int8
  [21, Number], // int2
  [23, Number], // int4
  [114, (text) => JSON.parse(text)], // json
]);
const keepText: TypeParser = (text) => text;
const TYPES: NonNullable<PostgresQuery['types']> = { getTypeParser: (oid) => PARSERS.get(oid) ?? keepText };

export class PostgresStore implements EventStore {
  readonly capabilities = SEQ_LOG_CAPABILITIES;
  readonly #pool: PostgresPool;
  readonly #ownsPool: boolean;
  readonly #sql: PostgresStatements;
  #closing: Promise<void> | undefined;

  /** Connects (or takes `config.pool`) and migrates the schema; rejects with `store_unavailable`. */
  static async open(config: PostgresStoreConfig): Promise<PostgresStore> {
    const settings = resolvePostgresConfig(config);
    const store = new PostgresStore(settings);
    try {
      await store.#transaction(`migrate schema ${quoteIdentifier(settings.schema)}${location(settings)}`,
        (client) => migratePostgres(client, settings.schema));
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private constructor(settings: ResolvedPostgresConfig) {
    this.#ownsPool = settings.pool === undefined;
    this.#pool = settings.pool ?? createPool(settings);
    this.#sql = postgresStatements(settings.schema);
    this.#closing = undefined;
  }

  async append(channel: string, events: readonly NewEvent[]): Promise<AppendResult> {
    if (events.length === 0) return { accepted: 0, duplicates: 0, firstSeq: null, lastSeq: null, stored: [] };
    return this.#transaction(`append to channel ${channel}`, (client) => this.#appendIn(client, channel, events));
  }

  async *scan(request: ScanRequest): AsyncIterable<readonly StoredEvent[]> {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be an integer >= 1, got ${pageSize}`);
    const ascending = request.order === 'asc';
    const text = ascending ? this.#sql.scanAsc : this.#sql.scanDesc;
    const farBound = ascending ? request.end ?? MAX_TS : request.start ?? MIN_TS;
    const maxSeq = request.maxSeq ?? Number.MAX_SAFE_INTEGER;
    let from = keysetStart(request);
    for (;;) {
      // One pooled query per page: a consumer that stops between pages holds no connection.
      const rows = await this.#read<EventRow>(`scan channel ${request.channel}`, text,
        [request.channel, from.ts, from.seq, farBound, maxSeq, pageSize]);
      if (rows.length === 0) return;
      const page = rows.map((row): StoredEvent => ({ channel: request.channel, seq: row.seq, ts: row.ts, id: row.id, data: row.data }));
      from = page[page.length - 1] as StoredEvent; // rows is not empty
      yield page;
      if (rows.length < pageSize) return;
    }
  }

  async readSince(channel: string, afterSeq: number, limit: number): Promise<readonly StoredEvent[]> {
    const rows = await this.#read<EventRow>(`read channel ${channel} after seq ${afterSeq}`, this.#sql.readSince, [channel, afterSeq, limit]);
    return rows.map((row): StoredEvent => ({ channel, seq: row.seq, ts: row.ts, id: row.id, data: row.data }));
  }

  async histogram(channel: string, request: HistogramRequest): Promise<Histogram> {
    const plan = planHistogram(request);
    const operation = `histogram of channel ${channel}`;
    const rows = plan.source === 'raw'
      ? await this.#read<HistogramRow>(operation, this.#sql.histogramRaw, [channel, request.start, plan.bucketMs, request.end])
      : await this.#read<HistogramRow>(operation, this.#sql.histogramCounts, [channel, plan.source.levelMs, plan.readFrom, request.end]);
    return fillHistogram(request, plan, rows.map((row) => [row.time, row.count] as const));
  }

  async listChannels(): Promise<readonly ChannelInfo[]> {
    return this.#read<ChannelInfo>('list channels', this.#sql.listChannels, []);
  }

  async getChannel(name: string): Promise<ChannelInfo | undefined> {
    const rows = await this.#read<ChannelInfo>(`read channel ${name}`, this.#sql.getChannel, [name]);
    return rows[0];
  }

  async ping(): Promise<void> {
    await this.#read('ping', this.#sql.ping, []);
  }

  /** Ends the pool only when the store created it; safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#ownsPool ? this.#pool.end() : Promise.resolve();
    return this.#closing;
  }

  async #appendIn(client: PostgresPoolClient, channel: string, events: readonly NewEvent[]): Promise<AppendResult> {
    const { id: channelId, lastSeq } = await this.#lockChannel(client, channel);
    const accepted = await this.#withoutDuplicates(client, channelId, events);
    const duplicates = events.length - accepted.length;
    if (accepted.length === 0) return { accepted: 0, duplicates, firstSeq: null, lastSeq: null, stored: [] };

    const stored: StoredEvent[] = [];
    let minTs = MAX_TS;
    let maxTs = MIN_TS;
    for (const [index, event] of accepted.entries()) {
      const seq = lastSeq + 1 + index;
      stored.push({ channel, seq, ts: event.ts, id: event.id, data: event.data });
      if (event.ts < minTs) minTs = event.ts;
      if (event.ts > maxTs) maxTs = event.ts;
    }
    const { maxBatchRows } = this.capabilities;
    await copyEvents(client, this.#sql.copyEvents, channelId, lastSeq + 1, accepted, maxBatchRows);
    // One increment per (level, granule), so no statement updates a row twice (which ON CONFLICT refuses).
    const increments = rollupIncrements(accepted);
    for (let from = 0; from < increments.length; from += maxBatchRows) {
      const chunk = increments.slice(from, from + maxBatchRows);
      await query(client, this.#sql.addHistogramCounts, [
        channelId, chunk.map((i) => i.levelMs), chunk.map((i) => i.granuleStart), chunk.map((i) => i.count),
      ]);
    }
    const newLastSeq = lastSeq + accepted.length;
    await query(client, this.#sql.updateChannel, [channelId, newLastSeq, accepted.length, minTs, maxTs]);
    return { accepted: accepted.length, duplicates, firstSeq: lastSeq + 1, lastSeq: newLastSeq, stored };
  }

  /** Locks the channel's row until commit, creating it first if needed. */
  async #lockChannel(client: PostgresPoolClient, channel: string): Promise<ChannelLock> {
    const [found] = await query<ChannelLock>(client, this.#sql.lockChannel, [channel]);
    if (found !== undefined) return found;
    await query(client, this.#sql.createChannel, [channel]);
    const [created] = await query<ChannelLock>(client, this.#sql.lockChannel, [channel]);
    // Our INSERT created the row, or waited for a concurrent append that committed it (READ COMMITTED sees it).
    return created as ChannelLock;
  }

  /** Drops events whose id the channel holds or an earlier event of the batch has; they take no seq. */
  async #withoutDuplicates(client: PostgresPoolClient, channelId: number, events: readonly NewEvent[]): Promise<NewEvent[]> {
    const ids = events.flatMap((event) => (event.id === null ? [] : [event.id]));
    const seen = new Set<string>();
    if (ids.length > 0) {
      for (const { id } of await query<{ readonly id: string }>(client, this.#sql.storedIds, [channelId, ids])) seen.add(id);
    }
    return events.filter((event) => {
      if (event.id === null) return true;
      if (seen.has(event.id)) return false;
      seen.add(event.id);
      return true;
    });
  }

  async #read<R>(operation: string, text: string, values: unknown[]): Promise<readonly R[]> {
    return guard(operation, () => query<R>(this.#pool, text, values));
  }

  #transaction<T>(operation: string, body: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, operation, body);
  }
}

interface HistogramRow {
  readonly time: number;
  readonly count: number;
}

/** Runs `body` in one READ COMMITTED transaction on a pooled client; a failed rollback discards the client. */
export async function inTransaction<T>(pool: PostgresPool, operation: string, body: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
  return guard(operation, async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      // Pinned, whatever the server's default: after waiting for a row lock, a
      // statement must see the rows that concurrent appends committed meanwhile.
      await client.query({ text: 'BEGIN ISOLATION LEVEL READ COMMITTED' });
      const result = await body(client);
      await client.query({ text: 'COMMIT' });
      return result;
    } catch (error) {
      broken = await rollback(client);
      throw error;
    } finally {
      client.release(broken);
    }
  });
}

/** `name`, when given, prepares the statement once per connection (its text must never change under that name). */
export async function query<R>(runner: Queryable, text: string, values: unknown[], name?: string): Promise<readonly R[]> {
  const result = await runner.query(name === undefined ? { text, values, types: TYPES } : { name, text, values, types: TYPES });
  // Each caller names the columns its statement selects; TYPES made them numbers, strings and parsed JSON.
  return result.rows as readonly R[];
}

/** Returns the error that makes the client unfit for reuse, if the rollback failed. */
export async function rollback(client: PostgresPoolClient): Promise<Error | undefined> {
  try {
    await client.query({ text: 'ROLLBACK' });
    return undefined;
  } catch (error) {
    // Swallowed: the caller reports the error that failed the transaction; this one only retires the client.
    return error instanceof Error ? error : new Error(String(error));
  }
}

export function createPool(settings: ResolvedPostgresConfig): PostgresPool {
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.maxPoolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
  });
  // An idle client whose server went away emits 'error' on the pool, which
  // would crash the process unheard; the next query reports it as store_unavailable.
  pool.on('error', () => undefined);
  return pool;
}

/** " at host:port/db" for messages, never the password. */
function location(settings: ResolvedPostgresConfig): string {
  if (settings.connectionString === undefined) return '';
  try {
    const url = new URL(settings.connectionString);
    return ` at ${url.host}${url.pathname}`;
  } catch {
    return ''; // a libpq key=value string: there is no safe part to quote without parsing it
  }
}

/** SQLSTATE classes that mean "cannot serve now" or "refused", not a wrong statement: connection, auth, no database, rollback (deadlock, serialization), resources, shutdown or cancel, system, internal. */
const UNAVAILABLE_SQLSTATE_CLASSES = new Set(['08', '28', '3D', '40', '53', '57', '58', 'XX']);
/** Read-only standby, missing privilege, lock timeout. */
const UNAVAILABLE_SQLSTATES = new Set(['25006', '42501', '55P03']);
/** What `pg` throws itself, without a code, when a connection fails or the pool was ended. */
const UNAVAILABLE_MESSAGE = /connect|terminated|timeout|not queryable|after calling end|SSL|password|authentication|SASL/i;

/** Runs one store operation; driver failures that are not SQL bugs become `store_unavailable`, with `cause`. */
export async function guard<T>(operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!isUnavailable(error)) throw error;
    throw new PlayheadError('store_unavailable', `postgres store could not ${operation}: ${describeDriverError(error)}`, { cause: error });
  }
}

/** Exported for the postgres source (postgres-source-connection.ts), which judges driver errors alike. */
export function isUnavailable(error: unknown): error is Error {
  if (!(error instanceof Error) || error instanceof PlayheadError) return false;
  const code = 'code' in error ? error.code : undefined;
  if ('severity' in error && typeof code === 'string') {
    // A server error: judged by its SQLSTATE. Duck-typed, as a caller's pool may come from another copy of `pg`.
    return UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SQLSTATE_CLASSES.has(code.slice(0, 2));
  }
  if (typeof code === 'string') return (/^E[A-Z_]+$/.test(code) && !code.startsWith('ERR_')) || /TLS|SSL|CERT|VERIFY/.test(code);
  return UNAVAILABLE_MESSAGE.test(error.message);
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message and a code. */
export function describeDriverError(error: Error): string {
  if (error.message !== '') return error.message;
  const code = 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? code : error.name;
}
