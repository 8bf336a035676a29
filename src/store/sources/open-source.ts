/**
 * Turns a parsed source spec into a mounted, introspected source.
 * Drivers load lazily here, as in open-store.ts: a sqlite source never loads `pg`.
 */
import type { MountedSource } from './mounted-source.js';
import type { AnySourceSpec } from './source-spec.js';

export async function openSource(spec: AnySourceSpec): Promise<MountedSource> {
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
    case 'dynamodb': {
      const { openDynamoDbSource } = await import('../dynamodb/dynamodb-source.js');
      return openDynamoDbSource(spec);
    }
  }
}
