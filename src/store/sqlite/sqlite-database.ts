/**
 * Opens (or takes) the SQLite database both SQLite stores use, with the
 * settings every connection needs: WAL, the configured fsync level and a
 * busy timeout, so the event store and the feed store on one file agree.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_DEFAULTS, type SqliteStoreConfig } from './sqlite-config.js';

export function openSqliteDatabase(config: SqliteStoreConfig): { readonly database: Database.Database; readonly owned: boolean } {
  const settings = { ...SQLITE_DEFAULTS, ...config };
  const database = config.database ?? newDatabase(settings.path);
  // Before WAL: switching the journal writes the first page of a new file, which fixes its page size.
  if (settings.pageSize !== undefined) database.pragma(`page_size = ${settings.pageSize}`);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${settings.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  database.pragma(`busy_timeout = ${settings.busyTimeoutMs}`);
  return { database, owned: config.database === undefined };
}

function newDatabase(path: string | undefined): Database.Database {
  if (path === undefined) throw new TypeError('SqliteStoreConfig needs a path or a database');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return new Database(path);
}
