/**
 * The SQLite feed store's writer thread: its own connection to the file,
 * where each group of writes is committed, fsync included, so the main
 * thread's event loop (and every reader on it) never waits for a disk flush.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isPlayheadError } from '../../core/errors.js';
import type { SqliteStoreConfig } from './sqlite-config.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { SqliteFeedWriter, type FeedWriteOutcome, type FeedWriteRequest } from './sqlite-feed-writer.js';

/** A group of writes to commit together (main thread to writer thread). */
export interface FeedWorkerRequest {
  readonly writes: readonly FeedWriteRequest[];
}

/** An error as it crosses the thread boundary: a PlayheadError keeps its code. */
export interface FeedWorkerError {
  readonly code: string | null;
  readonly message: string;
}

export type FeedWorkerOutcome =
  | { readonly ok: true; readonly changes: Extract<FeedWriteOutcome, { ok: true }>['changes'] }
  | { readonly ok: false; readonly error: FeedWorkerError };

/** One outcome per write of the request, in its order. */
export interface FeedWorkerReply {
  readonly outcomes: readonly FeedWorkerOutcome[];
}

/** Checkpoint every ~40 MB of WAL, whatever the page size (see below). */
const WAL_AUTOCHECKPOINT_BYTES = 40 << 20;
/** The writer's page cache, in KiB (SQLite's default is 2 MiB): with 100k feeds an add's pages are rarely in a small one. */
const WRITER_CACHE_KIB = 64 << 10;

function toWire(outcome: FeedWriteOutcome): FeedWorkerOutcome {
  if (outcome.ok) return outcome;
  const { error } = outcome;
  return { ok: false, error: { code: isPlayheadError(error) ? error.code : null, message: error instanceof Error ? error.message : String(error) } };
}

// workerData is the store's config minus `database` (a connection cannot cross threads).
const { database } = openSqliteDatabase(workerData as SqliteStoreConfig);
// Not SQLite's default ~4 MB: a group of 400 adds into full feeds dirties ~800 pages, so the default
// checkpointed at nearly every commit (measured: 16-19 us of system time per add, 12-14 after).
const pageSize = database.pragma('page_size', { simple: true }) as number;
database.pragma(`wal_autocheckpoint = ${Math.ceil(WAL_AUTOCHECKPOINT_BYTES / pageSize)}`);
database.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
const writer = new SqliteFeedWriter(database, { rememberFeeds: true });
const port = parentPort;
if (port === null) throw new TypeError('sqlite-feed-worker runs as a worker thread of SqliteFeedStore');
port.on('message', (request: FeedWorkerRequest) => {
  const reply: FeedWorkerReply = { outcomes: writer.writeGroup(request.writes).map(toWire) };
  port.postMessage(reply);
});
