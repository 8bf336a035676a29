/**
 * What a mounted source is: the parsed URL (`SourceSpec`), and the table as
 * its introspector found it (`TableShape`). Both are frozen once at mount.
 */
import type { TimeCodec } from './time-codec.js';

export const SOURCE_KINDS = ['postgres', 'redshift', 'sqlite'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface SourceSpec {
  /** The channel name, or the prefix of `NAME/key=value` channels. */
  readonly name: string;
  readonly kind: SourceKind;
  /** What the driver connects to: a postgres:// URL or a SQLite file path. */
  readonly connection: string;
  /** The URL as given, with any password replaced by `***`. */
  readonly displayUrl: string;
  /** Schema (PostgreSQL, Redshift) or attached database (SQLite); undefined means the default. */
  readonly schema: string | undefined;
  readonly table: string;
  readonly timeColumn: string;
  /** Integer column that orders rows of equal time; undefined: the primary key (or SQLite's rowid). */
  readonly idColumn: string | undefined;
  /** Column whose values split the table into channels `NAME/column=value`. */
  readonly keyColumn: string | undefined;
  /** Unit of an integer time column; undefined: guessed from the values. */
  readonly timeUnit: 's' | 'ms' | 'us' | undefined;
  /** How often live polls the table for new rows, in ms; 0 turns polling off. @default 1000 */
  readonly pollIntervalMs: number;
  /** How far behind the newest time a row may arrive and still be sent live, in ms. @default 5000 */
  readonly lateWindowMs: number;
  /** PostgreSQL: a NOTIFY channel that a trigger on the table signals; each notification polls at once (docs/sources.md). */
  readonly notifyChannel: string | undefined;
}

export const SOURCE_DEFAULTS = Object.freeze({ pollIntervalMs: 1_000, lateWindowMs: 5_000 });

/** What every source spec has: its name, its URL for display, and its live settings. */
export type LiveSpec = Pick<SourceSpec, 'name' | 'displayUrl' | 'pollIntervalMs' | 'lateWindowMs' | 'notifyChannel'>;

/**
 * `dynamodb://REGION/TABLE?...` (docs/sources.md): a DynamoDB table whose items are events. The
 * partition key names the channels, the time attribute (the sort key, for Query) orders them.
 */
export interface DynamoDbSourceSpec extends LiveSpec {
  readonly kind: 'dynamodb';
  /** AWS region; `local` means `endpoint` with placeholder credentials. */
  readonly region: string;
  /** DynamoDB Local, dynalite; undefined: AWS's own. */
  readonly endpoint: string | undefined;
  readonly table: string;
  /** A global secondary index to Query instead of the table (its keys are then the partition and sort). */
  readonly index: string | undefined;
  /** Expected partition key: checked against the table's, which is used when undefined. */
  readonly partition: string | undefined;
  /** Expected sort key: checked against the table's. */
  readonly sort: string | undefined;
  /** The time attribute; undefined: the sort key. A non-key attribute is read by Scan (the documented fallback). */
  readonly timeAttribute: string | undefined;
  /** A number attribute that orders items of equal time (Scan only); undefined: seq is the time in microseconds. */
  readonly idAttribute: string | undefined;
  readonly timeUnit: 's' | 'ms' | 'us' | undefined;
}

/** Any parsed source URL. */
export type AnySourceSpec = SourceSpec | DynamoDbSourceSpec;

/** One column as the introspector read it. */
export interface ColumnShape {
  readonly name: string;
  /** The database's own type name (`timestamp with time zone`, `INTEGER`, ...). */
  readonly type: string;
  /** How `data` receives the value: as the driver gives it, or a timestamp made ISO-8601. */
  readonly decode: 'value' | 'timestamp';
}

export interface IndexReport {
  /** True when an index (or sort key) leads with the key column, if any, then the time column. */
  readonly usable: boolean;
  /** Its name, when usable. */
  readonly name: string | null;
  /** The statement to run when not usable (`CREATE INDEX ...` or `ALTER TABLE ... ALTER SORTKEY ...`). */
  readonly advice: string | null;
}

export interface TableShape {
  /** The quoted, schema-qualified table name for SQL. */
  readonly sqlName: string;
  /** The same unquoted, for messages. */
  readonly displayName: string;
  readonly time: ColumnShape;
  readonly codec: TimeCodec;
  /** The id column (`rowid` on SQLite when none is named). */
  readonly id: ColumnShape;
  readonly key: ColumnShape | undefined;
  /** Every other column: the event's `data` object. */
  readonly data: readonly ColumnShape[];
  readonly index: IndexReport;
}
