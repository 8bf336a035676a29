/**
 * Mounts a PostgreSQL table as a source: connects, introspects, and returns
 * the reader. Loaded lazily by open-source.ts, so a sqlite user never loads `pg`.
 */
import type { SourceDialect } from '../sources/source-dialect.js';
import type { SourceSpec } from '../sources/source-spec.js';
import { TableSource } from '../sources/table-source.js';
import { PostgresIntrospector } from './postgres-introspector.js';
import { PostgresSourceConnection } from './postgres-source-connection.js';
import { postgresSourceDialect } from './postgres-source-dialect.js';

export type IntrospectorClass = new (connection: PostgresSourceConnection, spec: SourceSpec) => PostgresIntrospector;

export async function openPostgresSource(
  spec: SourceSpec, dialect: SourceDialect = postgresSourceDialect, Introspector: IntrospectorClass = PostgresIntrospector,
): Promise<TableSource> {
  const connection = new PostgresSourceConnection({ name: spec.name, connectionString: spec.connection, dialect });
  try {
    const shape = await new Introspector(connection, spec).introspect();
    return new TableSource(spec, shape, connection);
  } catch (error) {
    await connection.close();
    throw error;
  }
}
