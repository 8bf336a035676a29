/**
 * The one thing a table source needs from its driver: run a statement and
 * return plain rows. Each adapter folder implements it (pg, better-sqlite3),
 * so src/store/sources/ imports no driver (DESIGN "drivers stay in their folders").
 */
import type { SourceDialect } from './source-dialect.js';
import type { SqlStatement } from './source-sql.js';

export type SourceRow = Readonly<Record<string, unknown>>;

export interface SourceConnection {
  readonly dialect: SourceDialect;
  /** " at host:port/db" or " at ./file.db", for messages; never a password. */
  readonly location: string;
  /**
   * Runs one statement. Rejects with `store_unavailable` when the database cannot be
   * reached, `invalid_source` when the table or a column is gone, both naming the source and `operation`.
   */
  query(statement: SqlStatement, operation: string): Promise<readonly SourceRow[]>;
  /**
   * PostgreSQL only: LISTEN on `channel` on a dedicated connection and call `onNotify` for each notification.
   * Resolves with the function that stops listening; `onError` is told once if the connection is lost.
   */
  listen?(channel: string, onNotify: () => void, onError: (error: unknown) => void): Promise<() => Promise<void>>;
  /** Releases the connection or pool; safe to call twice. */
  close(): Promise<void>;
}
