/**
 * Every statement a table source runs, built from its shape and dialect.
 * The first page of a scan is bounded from a `Position` (epoch ms, seq) in
 * the column's own type; every later page from the last row's native
 * (time, id), in the dialect's keyset form, so a page never rereads a row.
 */
import type { SourceDialect } from './source-dialect.js';
import type { TableShape } from './source-spec.js';

export interface SqlStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** Where a page starts. */
export type PageStart =
  /** From the window edge only. */
  | { readonly kind: 'edge' }
  /** Strictly after (asc) or before (desc) an event position: `lo`/`hi` are the column values where its millisecond starts and ends. */
  | { readonly kind: 'position'; readonly lo: unknown; readonly hi: unknown; readonly seq: number }
  /** Strictly after (asc) or before (desc) the native (time, id) of the previous page's last row. */
  | { readonly kind: 'cursor'; readonly time: unknown; readonly id: unknown };

export interface PageRequest {
  readonly order: 'asc' | 'desc';
  /** Only rows of this key value; undefined: every row (the live poller). */
  readonly key: unknown;
  /** Inclusive lower and exclusive upper bound, as column values. */
  readonly from: unknown;
  readonly until: unknown;
  readonly start: PageStart;
  readonly maxId: number | undefined;
  readonly limit: number;
}

/** Column aliases of a scanned row; a table column of the same name is refused at mount. */
export const ROW_ALIASES = Object.freeze({ time: 'playhead_time', id: 'playhead_id', key: 'playhead_key' });

class Values {
  readonly list: unknown[] = [];
  readonly #dialect: SourceDialect;

  constructor(dialect: SourceDialect) {
    this.#dialect = dialect;
  }

  add(value: unknown): string {
    this.list.push(value);
    return this.#dialect.placeholder(this.list.length);
  }
}

export class SourceSql {
  readonly #dialect: SourceDialect;
  readonly #shape: TableShape;
  readonly #time: string;
  readonly #id: string;
  readonly #key: string | undefined;
  readonly #columns: string;

  constructor(shape: TableShape, dialect: SourceDialect) {
    const q = (name: string) => dialect.quoteIdentifier(name);
    this.#dialect = dialect;
    this.#shape = shape;
    this.#time = q(shape.time.name);
    // SQLite's rowid is a keyword, not a column: quoted it would name a column "rowid".
    this.#id = shape.id.name === 'rowid' && dialect.name === 'sqlite' ? 'rowid' : q(shape.id.name);
    this.#key = shape.key === undefined ? undefined : q(shape.key.name);
    this.#columns = [
      `${this.#time} AS ${q(ROW_ALIASES.time)}`,
      `${this.#id} AS ${q(ROW_ALIASES.id)}`,
      ...(this.#key === undefined ? [] : [`${this.#key} AS ${q(ROW_ALIASES.key)}`]),
      ...shape.data.map((column) => q(column.name)),
    ].join(', ');
  }

  page(request: PageRequest): SqlStatement {
    const v = new Values(this.#dialect);
    const t = this.#time;
    const id = this.#id;
    const where = [`${t} IS NOT NULL`];
    if (request.key !== undefined && this.#key !== undefined) where.push(`${this.#key} = ${v.add(request.key)}`);
    if (request.from !== undefined) where.push(`${t} >= ${v.add(request.from)}`);
    if (request.until !== undefined) where.push(`${t} < ${v.add(request.until)}`);
    const start = request.start;
    const asc = request.order === 'asc';
    if (start.kind === 'position') {
      // Rows of the position's millisecond pass on id alone: the column may hold finer times than ms.
      where.push(asc
        ? `${t} >= ${v.add(start.lo)} AND NOT (${t} < ${v.add(start.hi)} AND ${id} <= ${v.add(start.seq)})`
        : `${t} < ${v.add(start.hi)} AND NOT (${t} >= ${v.add(start.lo)} AND ${id} >= ${v.add(start.seq)})`);
    } else if (start.kind === 'cursor') {
      where.push(this.#dialect.keysetBound(t, id, request.order, v.add(start.time), v.add(start.id)));
    }
    if (request.maxId !== undefined) where.push(`${id} <= ${v.add(request.maxId)}`);
    const direction = asc ? '' : ' DESC';
    const text = `SELECT ${this.#columns} FROM ${this.#shape.sqlName} WHERE ${where.join(' AND ')}`
      + ` ORDER BY ${t}${direction}, ${id}${direction} LIMIT ${v.add(request.limit)}`;
    return { text, values: v.list };
  }

  /** Count, first and last time and largest id, of one key's rows or (key undefined) of all. */
  stats(key: unknown): SqlStatement {
    const v = new Values(this.#dialect);
    const keyed = key !== undefined && this.#key !== undefined ? ` AND ${this.#key} = ${v.add(key)}` : '';
    return { text: `${this.#statsColumns()} FROM ${this.#shape.sqlName} WHERE ${this.#time} IS NOT NULL${keyed}`, values: v.list };
  }

  /** The same per key value: one row per channel of a keyed source. */
  statsByKey(): SqlStatement {
    const k = this.#key;
    if (k === undefined) throw new TypeError('statsByKey needs a key column');
    const q = this.#dialect.quoteIdentifier(ROW_ALIASES.key);
    return {
      text: `${this.#statsColumns()}, ${k} AS ${q} FROM ${this.#shape.sqlName} WHERE ${this.#time} IS NOT NULL AND ${k} IS NOT NULL GROUP BY ${k}`,
      values: [],
    };
  }

  /** Rows per bucket of width `bucketMs` from `startMs`, over the column range [from, until). */
  histogram(key: unknown, from: unknown, until: unknown, startMs: number, bucketMs: number): SqlStatement {
    const v = new Values(this.#dialect);
    const ms = this.#dialect.epochMs(this.#time, this.#shape.codec.encoding);
    const bucket = this.#dialect.bucketIndex(ms, v.add(startMs), v.add(bucketMs));
    const where = [`${this.#time} >= ${v.add(from)}`, `${this.#time} < ${v.add(until)}`];
    if (key !== undefined && this.#key !== undefined) where.push(`${this.#key} = ${v.add(key)}`);
    return { text: `SELECT ${bucket} AS bucket, count(*) AS n FROM ${this.#shape.sqlName} WHERE ${where.join(' AND ')} GROUP BY 1`, values: v.list };
  }

  #statsColumns(): string {
    return `SELECT count(*) AS n, min(${this.#time}) AS lo, max(${this.#time}) AS hi, max(${this.#id}) AS last`;
  }
}
