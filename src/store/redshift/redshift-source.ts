/** Mounts a Redshift table as a source: the postgres source with the Redshift dialect and introspector. */
import { openPostgresSource } from '../postgres/postgres-source.js';
import type { SourceSpec } from '../sources/source-spec.js';
import type { TableSource } from '../sources/table-source.js';
import { redshiftSourceDialect } from './redshift-dialect.js';
import { RedshiftIntrospector } from './redshift-introspector.js';

export function openRedshiftSource(spec: SourceSpec): Promise<TableSource> {
  return openPostgresSource(spec, redshiftSourceDialect, RedshiftIntrospector);
}
