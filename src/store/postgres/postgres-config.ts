/**
 * Options of the PostgreSQL store, and the small part of `pg` it calls (STYLE
 * "depend only on the part of the driver you use; accept a client"), so a
 * caller may hand over an existing pool.
 */

/** One statement as the store sends it; `pg`'s `QueryConfig` satisfies it. */
export interface PostgresQuery {
  /** Prepares the statement once per connection under this name, and reuses it after (`pg`'s named statements). */
  readonly name?: string;
  readonly text: string;
  readonly values?: unknown[];
  /** Type parsers for this query only (the store never touches `pg.types`). */
  readonly types?: { getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown };
}

export interface PostgresQueryResult {
  readonly rows: readonly unknown[];
}

/**
 * A statement that drives the connection itself, as `pg` runs it: a
 * pg-copy-streams `COPY ... FROM STDIN` stream is one.
 */
export interface PostgresSubmittable {
  submit(connection: unknown): void;
}

/** A connection checked out of the pool: used for transactions. */
export interface PostgresPoolClient {
  query(query: PostgresQuery): Promise<PostgresQueryResult>;
  /** Starts `stream` on this connection and returns it (`pg`'s `Submittable` overload): how a COPY is run. */
  query<S extends PostgresSubmittable>(stream: S): S;
  /** Returns the client; passing an error destroys it instead (it may be broken). */
  release(error?: Error | boolean): void;
}

/** The `pg.Pool` methods the store calls. */
export interface PostgresPool {
  connect(): Promise<PostgresPoolClient>;
  query(query: PostgresQuery): Promise<PostgresQueryResult>;
  end(): Promise<void>;
}

export interface PostgresStoreConfig {
  /** `postgres://user:password@host:5432/db`. Required unless `pool` is given. */
  readonly connectionString?: string;
  /** An existing pool to use instead of `connectionString`; the store will not end it. */
  readonly pool?: PostgresPool;
  /** PostgreSQL schema that holds the store's tables; created if missing. @default "public" */
  readonly schema?: string;
  /** Most connections the store's own pool opens (ignored with `pool`), in connections. @default 10 */
  readonly maxPoolSize?: number;
  /** How long the store's own pool waits to connect before failing, in ms (ignored with `pool`). @default 10000 */
  readonly connectTimeoutMs?: number;
}

export const POSTGRES_DEFAULTS = Object.freeze({
  schema: 'public',
  maxPoolSize: 10,
  connectTimeoutMs: 10_000,
});

/** PostgreSQL truncates longer identifiers silently, which would merge two schemas' names. */
const MAX_IDENTIFIER_BYTES = 63;

export interface ResolvedPostgresConfig {
  readonly connectionString: string | undefined;
  readonly pool: PostgresPool | undefined;
  readonly schema: string;
  readonly maxPoolSize: number;
  readonly connectTimeoutMs: number;
}

/** Merges the defaults, checks every option once and freezes the result (STYLE "options are merged, checked and frozen once"). */
export function resolvePostgresConfig(config: PostgresStoreConfig): ResolvedPostgresConfig {
  const resolved = { ...POSTGRES_DEFAULTS, connectionString: undefined, pool: undefined, ...withoutUndefined(config) };
  if ((resolved.connectionString === undefined) === (resolved.pool === undefined)) {
    throw new TypeError('PostgresStoreConfig needs exactly one of connectionString or pool');
  }
  if (resolved.connectionString !== undefined && typeof resolved.connectionString !== 'string') {
    throw new TypeError(`PostgresStoreConfig.connectionString must be a string, got ${typeof resolved.connectionString}`);
  }
  const schemaBytes = typeof resolved.schema === 'string' ? Buffer.byteLength(resolved.schema) : 0;
  if (schemaBytes === 0 || schemaBytes > MAX_IDENTIFIER_BYTES || resolved.schema.includes('\u0000')) {
    throw new RangeError(`PostgresStoreConfig.schema must be 1-${MAX_IDENTIFIER_BYTES} bytes without NUL, got ${JSON.stringify(resolved.schema)}`);
  }
  for (const field of ['maxPoolSize', 'connectTimeoutMs'] as const) {
    if (!Number.isSafeInteger(resolved[field]) || resolved[field] < 1) {
      throw new RangeError(`PostgresStoreConfig.${field} must be an integer >= 1, got ${String(resolved[field])}`);
    }
  }
  return Object.freeze(resolved);
}

/** `{ schema: undefined }` means "the default", as if the key were absent. */
function withoutUndefined(config: PostgresStoreConfig): PostgresStoreConfig {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
}
