/**
 * The PostgreSQL dialect of table sources: `$n` placeholders, the row-form
 * keyset bound `(time, id) > ($1, $2)` (DESIGN: the form PostgreSQL turns into
 * an index range), `extract(epoch ...)` for the histogram. Redshift extends it.
 */
import { quoteWith, rowValueBound, type SourceDialect } from '../sources/source-dialect.js';
import type { TimeEncoding } from '../sources/time-codec.js';

const MS_PER_UNIT = { s: '1000', ms: '1', us: '0.001' } as const;

export const postgresSourceDialect: SourceDialect = Object.freeze({
  name: 'postgres',
  capabilities: Object.freeze({ hasIndexes: true, rowValues: true, listenNotify: true }),
  quoteIdentifier: quoteWith('"'),
  placeholder: (index: number) => `$${index}`,
  keysetBound: rowValueBound,
  epochMs(column: string, encoding: TimeEncoding): string {
    switch (encoding.kind) {
      case 'timestamptz':
      case 'timestamp':
        return `(extract(epoch from ${column}) * 1000)`;
      case 'epoch':
        return `(${column} * ${MS_PER_UNIT[encoding.unit]})`;
      case 'iso-text':
        // No suffix means UTC: read as timestamp, whose epoch is its UTC wall time whatever the session zone.
        return `(extract(epoch from ${column}::${encoding.format.suffix === '' ? 'timestamp' : 'timestamptz'}) * 1000)`;
    }
  },
  bucketIndex: (ms: string, start: string, width: string) => `floor((${ms} - ${start}) / ${width})`,
});
