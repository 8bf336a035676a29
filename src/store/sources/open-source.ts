/**
 * Turns a parsed source spec into a mounted, introspected `TableSource`.
 * Drivers load lazily here, as in open-store.ts: a sqlite source never loads `pg`.
 */
import type { SourceSpec } from './source-spec.js';
import type { TableSource } from './table-source.js';

export async function openSource(spec: SourceSpec): Promise<TableSource> {
  switch (spec.kind) {
    case 'postgres': {
      const { openPostgresSource } = await import('../postgres/postgres-source.js');
      return openPostgresSource(spec);
    }
    case 'redshift': {
      const { openRedshiftSource } = await import('../redshift/redshift-source.js');
      return openRedshiftSource(spec);
    }
    case 'sqlite': {
      const { openSqliteSource } = await import('../sqlite/sqlite-source.js');
      return openSqliteSource(spec);
    }
  }
}
