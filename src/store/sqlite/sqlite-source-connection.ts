/**
 * A table source's read-only handle on a SQLite file (least privilege: the
 * file is opened `readonly`, and must exist). Statements are prepared once
 * per text; errors name the source.
 */
import Database from 'better-sqlite3';
import { PlayheadError } from '../../core/errors.js';
import type { SourceConnection, SourceRow } from '../sources/source-connection.js';
import type { SqlStatement } from '../sources/source-sql.js';
import { sqliteSourceDialect } from './sqlite-source-dialect.js';

type Statement = Database.Statement<unknown[], unknown>;

/** How long a read waits for a writer's lock, in ms. */
const BUSY_TIMEOUT_MS = 5_000;
/** Messages that mean the table or a column changed under the mount. */
const SHAPE_CHANGED = /no such (table|column)/;

export class SqliteSourceConnection implements SourceConnection {
  readonly dialect = sqliteSourceDialect;
  readonly location: string;
  readonly #name: string;
  readonly #database: Database.Database;
  readonly #statements = new Map<string, Statement>();
  #closed = false;

  /** Throws `invalid_source` when the file does not exist or is not a database. */
  constructor(name: string, path: string) {
    this.#name = name;
    this.location = ` at ${path}`;
    try {
      this.#database = new Database(path, { readonly: true, fileMustExist: true });
      this.#database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.#database.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (error) {
      throw new PlayheadError('invalid_source', `source ${name}: cannot open the SQLite database ${path}: ${(error as Error).message}: fix the path after sqlite:`, { cause: error });
    }
  }

  async query(statement: SqlStatement, operation: string): Promise<readonly SourceRow[]> {
    try {
      let prepared = this.#statements.get(statement.text);
      if (prepared === undefined) {
        prepared = this.#database.prepare(statement.text);
        this.#statements.set(statement.text, prepared);
      }
      // Rows of a SELECT are plain objects keyed by column name.
      return prepared.all(...statement.values) as SourceRow[];
    } catch (error) {
      throw this.#explain(error, operation);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#database.close();
  }

  #explain(error: unknown, operation: string): unknown {
    if (!(error instanceof Error)) return error;
    if (SHAPE_CHANGED.test(error.message)) {
      return new PlayheadError('invalid_source',
        `source ${this.#name} could not ${operation}: ${error.message} (the table changed since it was mounted: fix it, or mount the source again)`, { cause: error });
    }
    if (error instanceof Database.SqliteError || error.message.includes('database connection is not open')) {
      return new PlayheadError('store_unavailable', `source ${this.#name} could not ${operation}${this.location}: ${error.message}`, { cause: error });
    }
    return error;
  }
}
