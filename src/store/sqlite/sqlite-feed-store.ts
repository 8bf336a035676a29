/**
 * Feeds in SQLite. Reads run on the store's connection on the calling
 * thread. Writes that arrive while the previous group commits (or in the
 * same turn of the event loop) are committed together in one IMMEDIATE
 * transaction (group commit: one fsync for all of them, DESIGN "feeds: batch
 * and group-commit"), and each caller is answered only after that commit.
 * For a file, the writes run in a writer thread on a second connection, so
 * a commit's fsync never blocks the event loop and readers never wait for it
 * (WAL: readers see the last commit, never a partial one).
 */
import { extname } from 'node:path';
import { setImmediate } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { PlayheadError, type ErrorCode } from '../../core/errors.js';
import { toFeedItem, type FeedRow } from '../feed-change-tracker.js';
import {
  FEED_NEWEST, FEED_OLDEST,
  type FeedChange, type FeedOperation, type FeedPage, type FeedReadRequest, type FeedStore, type FeedWriteOptions,
} from '../feed-store.js';
import type { SqliteStoreConfig } from './sqlite-config.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { FEED_SQL } from './sqlite-feed-sql.js';
import { FEED_PAGE_SIZE, migrateSqliteFeeds } from './sqlite-feed-schema.js';
import type { FeedWorkerReply, FeedWorkerRequest } from './sqlite-feed-worker.js';
import type { FeedRecord } from '../feed-change-tracker.js';
import { guard, SqliteFeedWriter, type FeedWriteOutcome, type FeedWriteRequest, type Statement } from './sqlite-feed-writer.js';


interface PendingWrite extends FeedWriteRequest {
  readonly resolve: (changes: readonly FeedChange[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Where a group of writes is committed: on this thread, or in the writer thread. */
interface WriteChannel {
  /** Commits the group; resolves with one outcome per write once committed. */
  commit(writes: readonly FeedWriteRequest[]): FeedWriteOutcome[] | Promise<readonly FeedWriteOutcome[]>;
  close(): Promise<void>;
}

export class SqliteFeedStore implements FeedStore {
  readonly #database: Database.Database;
  readonly #ownsDatabase: boolean;
  readonly #feedByKey: Statement;
  readonly #page: Statement;
  readonly #rulePosition: Statement;
  readonly #forgetRule: Statement;
  readonly #read: (key: string, request: FeedReadRequest) => FeedPage;
  readonly #channel: WriteChannel;
  readonly #inline: boolean;
  #queue: PendingWrite[] = [];
  #scheduled = false;
  #committing: Promise<void> | undefined = undefined;
  #closed = false;

  /** A file created here gets small pages (FEED_PAGE_SIZE) unless `config.pageSize` says otherwise. */
  static open(config: SqliteStoreConfig): SqliteFeedStore {
    return new SqliteFeedStore({ pageSize: FEED_PAGE_SIZE, ...config });
  }

  private constructor(config: SqliteStoreConfig) {
    const { database, owned } = openSqliteDatabase(config);
    this.#ownsDatabase = owned;
    this.#database = database;
    migrateSqliteFeeds(this.#database);
    this.#feedByKey = database.prepare(FEED_SQL.feedByKey);
    this.#page = database.prepare(FEED_SQL.page);
    this.#rulePosition = database.prepare(FEED_SQL.rulePosition);
    this.#forgetRule = database.prepare(FEED_SQL.forgetRule);
    // A read transaction: the feed's version and its page come from one snapshot.
    this.#read = database.transaction((key: string, request: FeedReadRequest) => this.#readNow(key, request));
    // A caller's connection or an in-memory database cannot be opened again from another thread.
    this.#inline = config.database !== undefined || config.path === undefined || config.path === ':memory:' || config.path === '';
    this.#channel = this.#inline ? inlineChannel(database, config.database === undefined) : workerChannel(config);
  }

  write(operations: readonly FeedOperation[], options: FeedWriteOptions): Promise<readonly FeedChange[]> {
    if (this.#closed) return Promise.reject(new Error('the sqlite feed store is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ operations, options, resolve, reject });
      if (this.#scheduled || this.#committing !== undefined) return;
      this.#scheduled = true;
      // setImmediate, not a microtask: requests parsed in other I/O callbacks of this loop turn join the group.
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    });
  }

  async read(key: string, request: FeedReadRequest): Promise<FeedPage> {
    // Inline, commits what waits first: a reader that never yields to the event loop must not starve the writers.
    if (this.#inline && this.#queue.length > 0 && this.#committing === undefined) this.#flush();
    return guard(`read feed ${key}`, () => this.#read(key, request));
  }

  async rulePosition(rule: string): Promise<number> {
    const row = guard(`read rule ${rule}`, () => this.#rulePosition.get(rule) as { seq: number } | undefined);
    return row?.seq ?? 0;
  }

  async forgetRule(rule: string): Promise<void> {
    // After the writes already asked for, so a checkpoint still queued cannot bring the rule's position back.
    await this.#settle();
    guard(`forget rule ${rule}`, () => this.#forgetRule.run(rule));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#settle();
    await this.#channel.close();
    if (this.#ownsDatabase) this.#database.close();
  }

  /** Resolves when every write asked for so far is committed (or failed). */
  async #settle(): Promise<void> {
    while (this.#committing !== undefined || this.#queue.length > 0) {
      if (this.#committing === undefined) this.#flush();
      await this.#committing;
    }
  }

  /** Commits every queued write as one group; writes queued meanwhile form the next group. */
  #flush(): void {
    const writes = this.#queue;
    this.#queue = [];
    if (writes.length === 0) return;
    const settle = (outcomes: readonly FeedWriteOutcome[]) => writes.forEach((write, index) => {
      const outcome = outcomes[index] as FeedWriteOutcome;
      if (outcome.ok) write.resolve(outcome.changes);
      else write.reject(outcome.error);
    });
    let outcomes: FeedWriteOutcome[] | Promise<readonly FeedWriteOutcome[]>;
    try {
      outcomes = this.#channel.commit(writes);
    } catch (error) {
      for (const write of writes) write.reject(error);
      return;
    }
    if (Array.isArray(outcomes)) return settle(outcomes);
    this.#committing = (outcomes as Promise<readonly FeedWriteOutcome[]>).then(settle, (error: unknown) => {
      for (const write of writes) write.reject(error);
    }).finally(() => {
      this.#committing = undefined;
      // What arrived during the commit goes at once: it has waited a whole commit already.
      if (this.#queue.length > 0) this.#flush();
    });
  }

  #readNow(key: string, request: FeedReadRequest): FeedPage {
    const record = this.#feedByKey.get(key) as FeedRecord | undefined;
    if (record === undefined) return { items: [], version: 0, count: 0, maxItems: null };
    const before = request.before ?? FEED_NEWEST;
    const after = request.after ?? FEED_OLDEST;
    const rows = this.#page.all(record.feedId, before.time, before.id, after.time, after.id, request.limit) as FeedRow[];
    return { items: rows.map(toFeedItem), version: record.version, count: record.count, maxItems: record.maxItems };
  }
}

function inlineChannel(database: Database.Database, rememberFeeds: boolean): WriteChannel {
  const writer = new SqliteFeedWriter(database, { rememberFeeds });
  return {
    commit: (writes) => writer.writeGroup(writes),
    close: async () => undefined,
  };
}

/** The writer thread's file: the compiled .js, or the .ts source when run through tsx (tests, benchmarks). */
function workerScript(): URL {
  const extension = extname(fileURLToPath(import.meta.url));
  const script = new URL(`./sqlite-feed-worker${extension}`, import.meta.url);
  if (extension !== '.ts') return script;
  // A worker does not inherit tsx's loader: register it first, then load the source.
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
    register();
    await import(${JSON.stringify(script.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

function workerChannel(config: SqliteStoreConfig): WriteChannel {
  const { database: _, ...settings } = config;
  const worker = new Worker(workerScript(), { workerData: settings });
  // Referenced only while a commit is in flight: an idle store does not keep the process alive.
  worker.unref();
  let waiting: { resolve: (outcomes: readonly FeedWriteOutcome[]) => void; reject: (error: unknown) => void } | undefined;
  let failure: PlayheadError | undefined;
  const fail = (error: PlayheadError) => {
    failure ??= error;
    waiting?.reject(failure);
    waiting = undefined;
  };
  worker.on('message', (reply: FeedWorkerReply) => {
    const current = waiting;
    waiting = undefined;
    worker.unref();
    current?.resolve(reply.outcomes.map((outcome) => (outcome.ok ? outcome : {
      ok: false,
      error: new PlayheadError((outcome.error.code ?? 'store_unavailable') as ErrorCode, outcome.error.message),
    })));
  });
  worker.on('error', (error) => fail(new PlayheadError('store_unavailable', `sqlite feed writer thread failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => fail(new PlayheadError('store_unavailable', `sqlite feed writer thread exited (code ${code})`)));
  return {
    commit: (writes) => {
      if (failure !== undefined) throw failure;
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        worker.ref();
        const request: FeedWorkerRequest = { writes: writes.map(({ operations, options }) => ({ operations, options })) };
        worker.postMessage(request);
      });
    },
    close: async () => {
      failure ??= new PlayheadError('store_unavailable', 'the sqlite feed store is closed');
      await worker.terminate();
    },
  };
}
