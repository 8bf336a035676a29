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
