/** Mounts a table of a SQLite file as a source (loaded lazily by open-source.ts). */
import type { SourceSpec } from '../sources/source-spec.js';
import { TableSource } from '../sources/table-source.js';
import { SqliteIntrospector } from './sqlite-introspector.js';
import { SqliteSourceConnection } from './sqlite-source-connection.js';

export async function openSqliteSource(spec: SourceSpec): Promise<TableSource> {
  const connection = new SqliteSourceConnection(spec.name, spec.connection);
  try {
    return new TableSource(spec, await new SqliteIntrospector(connection, spec).introspect(), connection);
  } catch (error) {
    await connection.close();
    throw error;
  }
}
