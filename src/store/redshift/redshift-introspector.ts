/**
 * The PostgreSQL introspector with Redshift's one catalog difference: no
 * indexes, so the (key, time) check reads the compound sort key from
 * `pg_attribute.attsortkeyord`, and the advice is `ALTER ... SORTKEY`.
 */
import { PostgresIntrospector, type FoundTable } from '../postgres/postgres-introspector.js';
import { indexReport } from '../sources/shape-checks.js';
import type { IndexReport } from '../sources/source-spec.js';

/** $1 table oid: the compound sort key's columns in order (interleaved keys have negative ordinals and do not count). */
export const SORT_KEY_QUERY = 'SELECT attname AS name FROM pg_attribute WHERE attrelid = $1 AND attsortkeyord > 0 ORDER BY attsortkeyord';

export class RedshiftIntrospector extends PostgresIntrospector {
  protected override async indexes(table: FoundTable, sqlName: string, idColumn: string): Promise<IndexReport> {
    const rows = await this.connection.query({ text: SORT_KEY_QUERY, values: [table.oid] }, 'read the sort key');
    const sortKey = rows.map((row) => String(row.name));
    return indexReport(this.spec, sortKey.length === 0 ? [] : [{ name: 'sort key', columns: sortKey }], this.indexAdvice(sqlName, idColumn));
  }

  protected override indexAdvice(sqlName: string, idColumn: string): string {
    const q = this.connection.dialect.quoteIdentifier;
    const { keyColumn, timeColumn } = this.spec;
    const columns = [keyColumn, timeColumn, idColumn].filter((name) => name !== undefined).map(q);
    return `ALTER TABLE ${sqlName} ALTER COMPOUND SORTKEY (${columns.join(', ')})`;
  }
}
