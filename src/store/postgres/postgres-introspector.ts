/**
 * Reads a mounted table's shape from the PostgreSQL catalog (STYLE: an
 * adapter's `-introspector.ts`): the table, its columns and their types, the
 * id (or the single-column integer primary key), how the time column is
 * encoded, and whether an index serves (key, time) scans. Redshift extends
 * this class and overrides only the index part (sort keys).
 */
import type { SourceConnection } from '../sources/source-connection.js';
import type { ColumnShape, IndexReport, SourceSpec, TableShape } from '../sources/source-spec.js';
import { checkNames, indexReport, integerIdError, requireColumn, sourceError, type CatalogColumn } from '../sources/shape-checks.js';
import { DEFAULT_ISO_TEXT_FORMAT, guessEpochUnit, isoTextFormat, timeCodec, type TimeEncoding } from '../sources/time-codec.js';

interface PgColumn extends CatalogColumn {
  readonly oid: number;
}

export interface FoundTable {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
}

const INTEGER_OIDS = new Set([20, 21, 23]);
const NUMERIC_OID = 1700;
const TEXT_OIDS = new Set([25, 1042, 1043]);
const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;

export class PostgresIntrospector {
  protected readonly connection: SourceConnection;
  protected readonly spec: SourceSpec;

  constructor(connection: SourceConnection, spec: SourceSpec) {
    this.connection = connection;
    this.spec = spec;
  }

  async introspect(): Promise<TableShape> {
    const spec = this.spec;
    const table = await this.findTable();
    const q = this.connection.dialect.quoteIdentifier;
    const sqlName = `${q(table.schema)}.${q(table.name)}`;
    const displayName = `${table.schema}.${table.name}`;
    const columns = await this.columns(table.oid);
    checkNames(spec, displayName, columns);
    const time = requireColumn(spec, displayName, columns, spec.timeColumn, 'time') as PgColumn;
    const id = (spec.idColumn === undefined ? await this.primaryKey(table, columns) : requireColumn(spec, displayName, columns, spec.idColumn, 'id')) as PgColumn;
    if (!INTEGER_OIDS.has(id.oid)) throw integerIdError(spec, displayName, id);
    const key = spec.keyColumn === undefined ? undefined : requireColumn(spec, displayName, columns, spec.keyColumn, 'key') as PgColumn;
    const encoding = await this.timeEncoding(sqlName, displayName, time);
    const named = new Set([time.name, id.name, key?.name]);
    return Object.freeze({
      sqlName,
      displayName,
      time: shapeOf(time),
      codec: timeCodec(encoding),
      id: shapeOf(id),
      key: key === undefined ? undefined : shapeOf(key),
      data: columns.filter((column) => !named.has(column.name)).map(shapeOf),
      index: await this.indexes(table, sqlName, id.name),
    });
  }

  protected async findTable(): Promise<FoundTable> {
    const { schema, table } = this.spec;
    const rows = await this.connection.query({
      text: `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND (n.nspname = $2 OR ($2::text IS NULL AND pg_table_is_visible(c.oid)))`,
      values: [table, schema ?? null],
    }, 'find the table');
    const found = rows[0];
    if (found === undefined) {
      const name = schema === undefined ? table : `${schema}.${table}`;
      throw sourceError(this.spec, `table ${name} does not exist${this.connection.location} (or is not visible to this user): fix table=`);
    }
    return { oid: Number(found.oid), schema: String(found.schema), name: String(found.name) };
  }

  protected async columns(oid: number): Promise<readonly PgColumn[]> {
    const rows = await this.connection.query({
      text: `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, atttypid::int8 AS oid FROM pg_attribute
        WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      values: [oid],
    }, 'read the columns');
    return rows.map((row) => ({ name: String(row.name), type: String(row.type), oid: Number(row.oid) }));
  }

  protected async primaryKey(table: FoundTable, columns: readonly PgColumn[]): Promise<CatalogColumn> {
    const rows = await this.connection.query({
      text: `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = $1 AND i.indisprimary`,
      values: [table.oid],
    }, 'read the primary key');
    const only = rows.length === 1 ? columns.find((column) => column.name === rows[0]?.name) : undefined;
    if (only === undefined || !INTEGER_OIDS.has(only.oid)) {
      throw sourceError(this.spec, `table ${table.schema}.${table.name} has no single-column integer primary key: name its integer id column with id=`);
    }
    return only;
  }

  /** Index (or sort key) on (key, time): see IndexReport. */
  protected async indexes(table: FoundTable, sqlName: string, idColumn: string): Promise<IndexReport> {
    const rows = await this.connection.query({
      text: `SELECT ic.relname AS name, (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, ord)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
        WHERE i.indrelid = $1 AND i.indpred IS NULL AND am.amname = 'btree' ORDER BY ic.relname`,
      values: [table.oid],
    }, 'read the indexes');
    const indexes = rows.map((row) => ({ name: String(row.name), columns: (row.columns ?? []) as string[] }));
    return indexReport(this.spec, indexes, this.indexAdvice(sqlName, idColumn));
  }

  protected indexAdvice(sqlName: string, idColumn: string): string {
    const q = this.connection.dialect.quoteIdentifier;
    const { keyColumn, timeColumn } = this.spec;
    const columns = [keyColumn, timeColumn, idColumn].filter((name) => name !== undefined).map(q);
    return `CREATE INDEX ON ${sqlName} (${columns.join(', ')})`;
  }

  protected async timeEncoding(sqlName: string, table: string, column: PgColumn): Promise<TimeEncoding> {
    const spec = this.spec;
    if (column.oid === TIMESTAMPTZ_OID) return this.checked({ kind: 'timestamptz' }, sqlName, column);
    if (column.oid === TIMESTAMP_OID) return this.checked({ kind: 'timestamp' }, sqlName, column);
    const [newest, oldest] = await this.extremes(sqlName, column);
    if (INTEGER_OIDS.has(column.oid) || column.oid === NUMERIC_OID) {
      const unit = spec.timeUnit ?? guessEpochUnit(newest, oldest);
      return { kind: 'epoch', unit };
    }
    if (TEXT_OIDS.has(column.oid)) {
      // Nothing to read the format from: assume JavaScript's (docs/sources.md).
      if (newest === undefined) return { kind: 'iso-text', format: DEFAULT_ISO_TEXT_FORMAT };
      const formats = [newest, oldest].map((value) => ({ value, format: isoTextFormat(String(value)) }));
      for (const { value, format } of formats) {
        if (format === undefined) throw sourceError(spec, `time column ${column.name} of ${table} holds ${JSON.stringify(value)}, which is not ISO-8601 like 2018-03-07T16:16:17Z: fix the rows or mount a view that converts them`);
        if (format === 'not-utc') throw sourceError(spec, `time column ${column.name} of ${table} holds ${JSON.stringify(value)}: text times sort by time only in UTC (Z, +00:00 or no offset); mount a view that converts them to timestamptz`);
      }
      const [a, b] = formats.map(({ format }) => JSON.stringify(format));
      if (a !== b) throw sourceError(spec, `time column ${column.name} of ${table} mixes formats (${JSON.stringify(newest)} and ${JSON.stringify(oldest)}): text times sort by time only in one format`);
      return { kind: 'iso-text', format: isoTextFormat(String(newest)) as Exclude<ReturnType<typeof isoTextFormat>, 'not-utc' | undefined> };
    }
    throw sourceError(spec, `time column ${column.name} of ${table} is ${column.type}: use a timestamp, timestamptz, integer epoch (s, ms or us) or ISO-8601 text column`);
  }

  /** Timestamps whose newest or oldest value is not a time (infinity) are refused at mount. */
  protected async checked(encoding: TimeEncoding, sqlName: string, column: PgColumn): Promise<TimeEncoding> {
    const codec = timeCodec(encoding);
    for (const value of await this.extremes(sqlName, column)) {
      if (value !== undefined && codec.decode(value) === undefined) {
        throw sourceError(this.spec, `time column ${column.name} holds ${JSON.stringify(value)}, which is not a time Playhead can play: mount a view that filters it out`);
      }
    }
    return encoding;
  }

  /** The newest and oldest non-null time values (one index probe each when there is an index). */
  protected async extremes(sqlName: string, column: PgColumn): Promise<readonly [unknown, unknown]> {
    const q = this.connection.dialect.quoteIdentifier(column.name);
    const read = async (order: string) => (await this.connection.query({
      text: `SELECT ${q} AS value FROM ${sqlName} WHERE ${q} IS NOT NULL ORDER BY ${q} ${order} LIMIT 1`, values: [],
    }, 'read the newest and oldest times'))[0]?.value;
    return [await read('DESC'), await read('ASC')];
  }
}

function shapeOf(column: PgColumn): ColumnShape {
  const decode = column.oid === TIMESTAMP_OID || column.oid === TIMESTAMPTZ_OID ? 'timestamp' : 'value';
  return Object.freeze({ name: column.name, type: column.type, decode });
}
