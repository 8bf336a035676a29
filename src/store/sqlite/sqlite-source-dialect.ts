/**
 * The SQLite dialect of table sources: `?` placeholders, the row-value keyset
 * bound (SQLite >= 3.15 ranges an index on it), and epoch-ms arithmetic on
 * integers or ISO text through julianday().
 */
import { quoteWith, rowValueBound, type SourceDialect } from '../sources/source-dialect.js';
import type { TimeEncoding } from '../sources/time-codec.js';

const MS_PER_UNIT = { s: '1000', ms: '1', us: '0.001' } as const;
/** julianday('1970-01-01') and ms per day: julianday() counts days as a real number. */
const UNIX_EPOCH_JULIAN_DAY = '2440587.5';
const MS_PER_DAY = '86400000.0';

export const sqliteSourceDialect: SourceDialect = Object.freeze({
  name: 'sqlite',
  capabilities: Object.freeze({ hasIndexes: true, rowValues: true, listenNotify: false }),
  quoteIdentifier: quoteWith('"'),
  placeholder: () => '?',
  keysetBound: rowValueBound,
  epochMs(column: string, encoding: TimeEncoding): string {
    if (encoding.kind === 'epoch') return `(${column} * ${MS_PER_UNIT[encoding.unit]})`;
    // ISO text (SQLite has no timestamp type): julianday reads it, offsets included; rounding undoes the real's error.
    return `round((julianday(${column}) - ${UNIX_EPOCH_JULIAN_DAY}) * ${MS_PER_DAY})`;
  },
  // ms >= start (the WHERE clause), so truncation is floor; JS numbers bind as REAL, so the division is exact.
  bucketIndex: (ms: string, start: string, width: string) => `CAST((${ms} - ${start}) / ${width} AS INTEGER)`,
});
