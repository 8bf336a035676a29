/** Options of the embedded SQLite store. */
import type Database from 'better-sqlite3';

export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteStoreConfig {
  /** File path, or ":memory:". Parent folders are created. Required unless `database` is given. */
  readonly path?: string;
  /** An open better-sqlite3 database to use instead of `path`; the store will not close it. */
  readonly database?: Database.Database;
  /**
   * `full` fsyncs the WAL at every commit, so an acknowledged batch survives a
   * power cut; `normal` survives a process crash only. @default "full"
   */
  readonly synchronous?: SqliteSynchronous;
  /** How long a write waits for another process's lock, in ms. @default 5000 */
  readonly busyTimeoutMs?: number;
  /** Bytes per page of a file created now; a file that exists keeps its own. @default 4096 (SQLite's) */
  readonly pageSize?: number;
}

export const SQLITE_DEFAULTS = Object.freeze({
  synchronous: 'full' as SqliteSynchronous,
  busyTimeoutMs: 5_000,
});
