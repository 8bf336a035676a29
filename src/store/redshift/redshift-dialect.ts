/**
 * Redshift as a dialect of the PostgreSQL source code (STYLE: a dialect
 * extends its parent and overrides only the differences; docs/sources.md has
 * the table). Redshift speaks PostgreSQL's wire protocol but has no indexes
 * (sort keys instead), no row-value comparison and no LISTEN; epoch
 * milliseconds come from DATEDIFF. Everything else is postgresSourceDialect's.
 */
import { postgresSourceDialect } from '../postgres/postgres-source-dialect.js';
import type { SourceDialect } from '../sources/source-dialect.js';
import type { TimeEncoding } from '../sources/time-codec.js';

/** The differences, one entry each: what PostgreSQL does, what Redshift does instead. */
export const REDSHIFT_DIFFERENCES = Object.freeze([
  { topic: 'indexes', postgres: 'CREATE INDEX on (key, time, id)', redshift: 'ALTER TABLE ... ALTER COMPOUND SORTKEY (key, time, id); read from pg_attribute.attsortkeyord' },
  { topic: 'keyset bound', postgres: '(time, id) > ($1, $2)', redshift: '(time > $1 OR (time = $1 AND id > $2)) AND time >= $1: no row values; the leading range lets zone maps skip blocks' },
  { topic: 'epoch ms', postgres: 'extract(epoch from time) * 1000', redshift: "DATEDIFF(millisecond, TIMESTAMP '1970-01-01 00:00:00', time)" },
  { topic: 'change notification', postgres: 'LISTEN/NOTIFY from a trigger (notify=)', redshift: 'none: polled; notify= is refused' },
] as const);

const MS_PER_UNIT = { s: '1000', ms: '1', us: '0.001' } as const;
const EPOCH = "TIMESTAMP '1970-01-01 00:00:00'";
const EPOCH_TZ = "TIMESTAMPTZ '1970-01-01 00:00:00+00'";

export const redshiftSourceDialect: SourceDialect = Object.freeze({
  ...postgresSourceDialect,
  name: 'redshift',
  capabilities: Object.freeze({ hasIndexes: false, rowValues: false, listenNotify: false }),
  keysetBound(time: string, id: string, order: 'asc' | 'desc', timeValue: string, idValue: string): string {
    const [strict, edge] = order === 'asc' ? ['>', '>='] : ['<', '<='];
    return `${time} ${edge} ${timeValue} AND (${time} ${strict} ${timeValue} OR ${id} ${strict} ${idValue})`;
  },
  epochMs(column: string, encoding: TimeEncoding): string {
    switch (encoding.kind) {
      case 'timestamptz':
        return `DATEDIFF(millisecond, ${EPOCH_TZ}, ${column})`;
      case 'timestamp':
        return `DATEDIFF(millisecond, ${EPOCH}, ${column})`;
      case 'epoch':
        return `(${column} * ${MS_PER_UNIT[encoding.unit]})`;
      case 'iso-text':
        return `DATEDIFF(millisecond, ${EPOCH}, ${column}::timestamp)`;
    }
  },
});
