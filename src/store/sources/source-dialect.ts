/**
 * What differs between the SQL databases a source reads (STYLE "a dialect
 * overrides only the differences"): quoting, placeholders, the keyset bound,
 * epoch-ms arithmetic for the histogram, and capabilities. PostgreSQL,
 * Redshift and SQLite each give one object; source-sql.ts builds every
 * statement from it.
 */
import type { TimeEncoding } from './time-codec.js';

export interface SourceDialectCapabilities {
  /** The database has secondary indexes (Redshift has sort keys instead). */
  readonly hasIndexes: boolean;
  /** Row-value comparison `(a, b) > (x, y)` is supported, and used as the keyset bound. */
  readonly rowValues: boolean;
  /** `LISTEN/NOTIFY` exists, so a trigger can wake the live poller. */
  readonly listenNotify: boolean;
}

export interface SourceDialect {
  readonly name: string;
  readonly capabilities: SourceDialectCapabilities;
  quoteIdentifier(name: string): string;
  /** The placeholder of the `index`-th value (1-based). */
  placeholder(index: number): string;
  /**
   * Rows strictly after (asc) or before (desc) the native position (time, id): the keyset bound of every
   * page after the first. The row form where supported (DESIGN: the only form PostgreSQL turns into an index range).
   */
  keysetBound(time: string, id: string, order: 'asc' | 'desc', timeValue: string, idValue: string): string;
  /** The time column as epoch milliseconds (a number), for the histogram's GROUP BY. */
  epochMs(column: string, encoding: TimeEncoding): string;
  /** `floor((ms - start) / width)` as an integer, where ms >= start. */
  bucketIndex(ms: string, start: string, width: string): string;
}

/** Doubles the quote character: any name is one identifier and never SQL. */
export function quoteWith(quote: string): (name: string) => string {
  return (name) => `${quote}${name.replaceAll(quote, quote + quote)}${quote}`;
}

/** `(t, i) > (x, y)`: one range condition on an index of (t, i). */
export function rowValueBound(time: string, id: string, order: 'asc' | 'desc', timeValue: string, idValue: string): string {
  return `(${time}, ${id}) ${order === 'asc' ? '>' : '<'} (${timeValue}, ${idValue})`;
}
