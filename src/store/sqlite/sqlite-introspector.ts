/**
 * Reads a mounted SQLite table's shape (STYLE: an adapter's
 * `-introspector.ts`): columns, the id (named, the INTEGER PRIMARY KEY, or
 * the rowid), the time column's encoding from its newest and oldest values
 * (SQLite has no timestamp type: integers are epochs, text is ISO-8601), and
 * whether an index leads with (key, time).
 */
import type { SourceConnection } from '../sources/source-connection.js';
import type { ColumnShape, SourceSpec, TableShape } from '../sources/source-spec.js';
import { checkNames, indexReport, integerIdError, requireColumn, sourceError, type CatalogColumn } from '../sources/shape-checks.js';
import { DEFAULT_ISO_TEXT_FORMAT, guessEpochUnit, isoTextFormat, timeCodec, type IsoTextFormat, type TimeEncoding } from '../sources/time-codec.js';

const ROWID: CatalogColumn = Object.freeze({ name: 'rowid', type: 'INTEGER (rowid)' });
const INTEGER_TYPE = /INT/i;
const WITHOUT_ROWID = /WITHOUT\s+ROWID/i;

export class SqliteIntrospector {
  readonly #connection: SourceConnection;
  readonly #spec: SourceSpec;

  constructor(connection: SourceConnection, spec: SourceSpec) {
    this.#connection = connection;
    this.#spec = spec;
  }

  async introspect(): Promise<TableShape> {
    const spec = this.#spec;
    const q = this.#connection.dialect.quoteIdentifier;
    const schema = spec.schema ?? 'main';
    const [table] = await this.#connection.query({
      text: `SELECT type, name, sql FROM ${q(schema)}.sqlite_master WHERE type IN ('table', 'view') AND name = ?`, values: [spec.table],
    }, 'find the table');
    if (table === undefined) throw sourceError(spec, `table ${spec.table} does not exist${this.#connection.location}: fix table=`);
    const sqlName = `${q(schema)}.${q(spec.table)}`;
    const columns = (await this.#connection.query({ text: 'SELECT name, type, pk FROM pragma_table_info(?, ?) ORDER BY cid', values: [spec.table, schema] }, 'read the columns'))
      .map((row) => ({ name: String(row.name), type: String(row.type), pk: Number(row.pk) }));
    checkNames(spec, spec.table, columns);
    const time = requireColumn(spec, spec.table, columns, spec.timeColumn, 'time');
    const hasRowid = table.type === 'table' && !WITHOUT_ROWID.test(String(table.sql));
    let id: CatalogColumn;
    if (spec.idColumn !== undefined) {
      id = spec.idColumn === 'rowid' && hasRowid ? ROWID : requireColumn(spec, spec.table, columns, spec.idColumn, 'id');
      if (!INTEGER_TYPE.test(id.type)) throw integerIdError(spec, spec.table, id);
    } else {
      const keys = columns.filter((column) => column.pk > 0);
      const integerKey = keys.length === 1 && INTEGER_TYPE.test(keys[0]?.type ?? '') ? keys[0] : undefined;
      if (integerKey !== undefined) id = integerKey;
      else if (hasRowid) id = ROWID;
      else throw sourceError(spec, `${spec.table} has no rowid and no integer primary key: name its integer id column with id=`);
    }
    const key = spec.keyColumn === undefined ? undefined : requireColumn(spec, spec.table, columns, spec.keyColumn, 'key');
    const encoding = await this.#timeEncoding(sqlName, time);
    const named = new Set([time.name, id.name, key?.name]);
    return Object.freeze({
      sqlName,
      displayName: spec.schema === undefined ? spec.table : `${spec.schema}.${spec.table}`,
      time: shapeOf(time),
      codec: timeCodec(encoding),
      id: shapeOf(id),
      key: key === undefined ? undefined : shapeOf(key),
      data: columns.filter((column) => !named.has(column.name)).map(shapeOf),
      index: await this.#indexes(schema, id),
    });
  }

  async #indexes(schema: string, id: CatalogColumn) {
    const spec = this.#spec;
    const q = this.#connection.dialect.quoteIdentifier;
    const list = await this.#connection.query({ text: 'SELECT name, partial FROM pragma_index_list(?, ?)', values: [spec.table, schema] }, 'read the indexes');
    const indexes = [];
    for (const row of list.filter((index) => Number(index.partial) === 0)) {
      const info = await this.#connection.query({ text: 'SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno', values: [String(row.name), schema] }, 'read the indexes');
      indexes.push({ name: String(row.name), columns: info.map((column) => String(column.name)) });
    }
    // Every SQLite index ends with the rowid: naming it again would only widen the index.
    const columns = [spec.keyColumn, spec.timeColumn, id === ROWID ? undefined : id.name].filter((name) => name !== undefined);
    const advice = `CREATE INDEX ${q(`${spec.table}_${columns.join('_')}`)} ON ${q(spec.table)} (${columns.map(q).join(', ')})`;
    return indexReport(spec, indexes, advice);
  }

  async #timeEncoding(sqlName: string, column: CatalogColumn): Promise<TimeEncoding> {
    const spec = this.#spec;
    const q = this.#connection.dialect.quoteIdentifier(column.name);
    const read = async (order: string) => (await this.#connection.query({
      text: `SELECT ${q} AS value, typeof(${q}) AS kind FROM ${sqlName} WHERE ${q} IS NOT NULL ORDER BY ${q} ${order} LIMIT 1`, values: [],
    }, 'read the newest and oldest times'))[0];
    // SQLite sorts numbers before text: the two ends show whether the column mixes them.
    const [newest, oldest] = [await read('DESC'), await read('ASC')];
    if (newest === undefined || oldest === undefined) {
      // Nothing to read the encoding from: the declared type and unit= decide (docs/sources.md).
      if (INTEGER_TYPE.test(column.type)) return { kind: 'epoch', unit: spec.timeUnit ?? 'ms' };
      return { kind: 'iso-text', format: DEFAULT_ISO_TEXT_FORMAT };
    }
    const kinds = new Set([newest.kind, oldest.kind]);
    if (kinds.has('blob')) throw sourceError(spec, `time column ${column.name} of ${spec.table} holds blobs: use integer epochs or ISO-8601 text`);
    if (kinds.size > 1) {
      throw sourceError(spec, `time column ${column.name} of ${spec.table} holds both numbers (${String(oldest.value)}) and text (${JSON.stringify(newest.value)}): use one encoding for every row`);
    }
    if (newest.kind !== 'text') return { kind: 'epoch', unit: spec.timeUnit ?? guessEpochUnit(newest.value, oldest.value) };
    const formats = [newest.value, oldest.value].map((value) => {
      const format = isoTextFormat(String(value));
      if (format === undefined) throw sourceError(spec, `time column ${column.name} of ${spec.table} holds ${JSON.stringify(value)}, which is not ISO-8601 like 2018-03-07T16:16:17Z: fix the rows or mount a view that converts them`);
      if (format === 'not-utc') throw sourceError(spec, `time column ${column.name} of ${spec.table} holds ${JSON.stringify(value)}: text times sort by time only in UTC (Z, +00:00 or no offset)`);
      return format;
    }) as IsoTextFormat[];
    if (JSON.stringify(formats[0]) !== JSON.stringify(formats[1])) {
      throw sourceError(spec, `time column ${column.name} of ${spec.table} mixes formats (${JSON.stringify(newest.value)} and ${JSON.stringify(oldest.value)}): text times sort by time only in one format`);
    }
    return { kind: 'iso-text', format: formats[0] as IsoTextFormat };
  }
}

function shapeOf(column: CatalogColumn): ColumnShape {
  return Object.freeze({ name: column.name, type: column.type, decode: 'value' });
}
