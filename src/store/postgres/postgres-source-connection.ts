/**
 * A table source's connection to PostgreSQL (or Redshift, which speaks its
 * wire protocol): its own small pool, and driver errors turned into errors
 * that name the source. Timestamps are read as text with their offset, so the
 * session's time zone does not matter. The pool reconnects by itself when the database returns.
 */
import pg from 'pg';
import { PlayheadError } from '../../core/errors.js';
import type { SourceConnection, SourceRow } from '../sources/source-connection.js';
import type { SourceDialect } from '../sources/source-dialect.js';
import type { SqlStatement } from '../sources/source-sql.js';
import type { PostgresQuery } from './postgres-config.js';
import { describeDriverError, isUnavailable } from './postgres-store.js';

type TypeParser = (value: string) => unknown;

/** Per query, never on `pg.types`. Timestamps stay text (parsed by the time codec, to the microsecond); int8 and numeric become numbers. */
const PARSERS = new Map<number, TypeParser>([
  [20, (text) => (Number.isSafeInteger(Number(text)) ? Number(text) : text)], // int8
  [1700, Number], // numeric
  [1082, (text) => text], // date
  [1114, (text) => text], // timestamp
  [1184, (text) => text], // timestamptz
]);
const TYPES: NonNullable<PostgresQuery['types']> = {
  getTypeParser: (oid, format) => PARSERS.get(oid) ?? (pg.types.getTypeParser(oid, format ?? 'text') as TypeParser),
};

/** SQLSTATEs that mean the table or a column changed under the mount. */
const SHAPE_CHANGED = new Set(['42P01', '42703', '42883']);

export interface PostgresSourceConnectionOptions {
  readonly name: string;
  readonly connectionString: string;
  readonly dialect: SourceDialect;
  /** Most connections of the source's pool. @default 4 */
  readonly maxPoolSize?: number;
  /** How long to wait for a connection, in ms. @default 5000 */
  readonly connectTimeoutMs?: number;
}

const DEFAULTS = Object.freeze({ maxPoolSize: 4, connectTimeoutMs: 5_000 });

export class PostgresSourceConnection implements SourceConnection {
  readonly dialect: SourceDialect;
  readonly location: string;
  readonly #name: string;
  readonly #pool: pg.Pool;
  #closing: Promise<void> | undefined = undefined;

  constructor(options: PostgresSourceConnectionOptions) {
    const settings = { ...DEFAULTS, ...options };
    this.dialect = settings.dialect;
    this.#name = settings.name;
    this.location = location(settings.connectionString);
    this.#pool = new pg.Pool({ connectionString: settings.connectionString, max: settings.maxPoolSize, connectionTimeoutMillis: settings.connectTimeoutMs });
    // An idle client whose server went away emits 'error' on the pool: the next query reports it, naming the source.
    this.#pool.on('error', () => undefined);
  }

  async query(statement: SqlStatement, operation: string): Promise<readonly SourceRow[]> {
    try {
      const result = await this.#pool.query({ text: statement.text, values: [...statement.values], types: TYPES });
      // pg returns one object per row, keyed by column name.
      return result.rows as SourceRow[];
    } catch (error) {
      throw this.#explain(error, operation);
    }
  }

  async listen(channel: string, onNotify: () => void, onError: (error: unknown) => void): Promise<() => Promise<void>> {
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw this.#explain(error, `listen on ${channel}`);
    });
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      onError(this.#explain(error, `listen on ${channel}`));
    };
    client.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    client.on('error', fail);
    try {
      await client.query(`LISTEN ${this.dialect.quoteIdentifier(channel)}`);
    } catch (error) {
      client.release(true);
      throw this.#explain(error, `listen on ${channel}`);
    }
    return async () => {
      client.removeAllListeners('notification');
      // Destroyed, not returned: a pooled connection must not keep listening.
      client.release(true);
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }

  #explain(error: unknown, operation: string): unknown {
    if (error instanceof PlayheadError) return error;
    if (isUnavailable(error)) {
      return new PlayheadError('store_unavailable', `source ${this.#name} could not ${operation}${this.location}: ${describeDriverError(error)}`, { cause: error });
    }
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (SHAPE_CHANGED.has(code)) {
      return new PlayheadError('invalid_source',
        `source ${this.#name} could not ${operation}: ${(error as Error).message} (the table changed since it was mounted: fix it, or mount the source again)`, { cause: error });
    }
    return error;
  }
}

/** " at host:port/db", never the password. */
function location(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return ` at ${url.host}${url.pathname}`;
  } catch {
    return '';
  }
}
