/**
 * Feeds in SQLite. Writes that arrive in the same turn of the event loop
 * (the HTTP requests of one poll phase included) are committed together in
 * one IMMEDIATE transaction (group commit: one fsync for all of them, DESIGN
 * "feeds: batch and group-commit"), and each caller is answered only after
 * that commit.
 */
import { setImmediate } from 'node:timers';
import Database from 'better-sqlite3';
import { PlayheadError } from '../../core/errors.js';
import { FeedChangeTracker, lastById, toFeedItem, type FeedRow, type FeedState } from '../feed-change-tracker.js';
import {
  FEED_NEWEST, FEED_OLDEST,
  type FeedChange, type FeedOperation, type FeedPage, type FeedReadRequest, type FeedStore, type FeedWriteOptions,
} from '../feed-store.js';
import type { SqliteStoreConfig } from './sqlite-config.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { FEED_SQL } from './sqlite-feed-sql.js';
import { migrateSqliteFeeds } from './sqlite-feed-schema.js';

type Statement = Database.Statement<unknown[], unknown>;

interface FeedRecord {
  readonly feedId: number;
  readonly maxItems: number | null;
  readonly count: number;
  readonly version: number;
}

interface PendingWrite {
  readonly operations: readonly FeedOperation[];
  readonly options: FeedWriteOptions;
  readonly resolve: (changes: readonly FeedChange[]) => void;
  readonly reject: (error: unknown) => void;
}

export class SqliteFeedStore implements FeedStore {
  readonly #database: Database.Database;
  readonly #ownsDatabase: boolean;
  readonly #s: Record<keyof typeof FEED_SQL, Statement>;
  readonly #group: (writes: readonly PendingWrite[]) => (readonly FeedChange[])[];
  readonly #read: (key: string, request: FeedReadRequest) => FeedPage;
  #queue: PendingWrite[] = [];
  #closed = false;

  static open(config: SqliteStoreConfig): SqliteFeedStore {
    return new SqliteFeedStore(config);
  }

  private constructor(config: SqliteStoreConfig) {
    const { database, owned } = openSqliteDatabase(config);
    this.#ownsDatabase = owned;
    this.#database = database;
    migrateSqliteFeeds(this.#database);
    this.#s = Object.fromEntries(
      Object.entries(FEED_SQL).map(([name, sql]) => [name, this.#database.prepare(sql)]),
    ) as Record<keyof typeof FEED_SQL, Statement>;
    const group = this.#database.transaction((writes: readonly PendingWrite[]) => writes.map((w) => this.#apply(w.operations, w.options)));
    this.#group = (writes) => group.immediate(writes);
    // A read transaction: the feed's version and its page come from one snapshot.
    this.#read = this.#database.transaction((key: string, request: FeedReadRequest) => this.#readNow(key, request));
  }

  write(operations: readonly FeedOperation[], options: FeedWriteOptions): Promise<readonly FeedChange[]> {
    if (this.#closed) return Promise.reject(new Error('the sqlite feed store is closed'));
    return new Promise((resolve, reject) => {
      // setImmediate, not a microtask: requests parsed in other I/O callbacks of this loop turn join the group.
      if (this.#queue.length === 0) setImmediate(() => this.#flush());
      this.#queue.push({ operations, options, resolve, reject });
    });
  }

  async read(key: string, request: FeedReadRequest): Promise<FeedPage> {
    // Commits what waits first: a reader that never yields to the event loop must not starve the writers.
    if (this.#queue.length > 0) this.#flush();
    return guard(`read feed ${key}`, () => this.#read(key, request));
  }

  async rulePosition(rule: string): Promise<number> {
    const row = guard(`read rule ${rule}`, () => this.#s.rulePosition.get(rule) as { seq: number } | undefined);
    return row?.seq ?? 0;
  }

  async forgetRule(rule: string): Promise<void> {
    guard(`forget rule ${rule}`, () => this.#s.forgetRule.run(rule));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    if (this.#ownsDatabase) this.#database.close();
  }

  #flush(): void {
    const writes = this.#queue;
    this.#queue = [];
    if (writes.length === 0) return;
    try {
      const results = guard('write feeds', () => this.#group(writes));
      writes.forEach((write, index) => write.resolve(results[index] as readonly FeedChange[]));
      return;
    } catch (error) {
      if (writes.length === 1) return (writes[0] as PendingWrite).reject(error);
    }
    // The group failed as a whole: each write gets its own transaction, so one failure fails only its caller.
    for (const write of writes) {
      try {
        write.resolve((guard('write feeds', () => this.#group([write])))[0] as readonly FeedChange[]);
      } catch (error) {
        write.reject(error);
      }
    }
  }

  #apply(operations: readonly FeedOperation[], options: FeedWriteOptions): FeedChange[] {
    const s = this.#s;
    const states = new Map<string, FeedState>();
    const stateOf = (key: string): FeedState => {
      const known = states.get(key);
      if (known !== undefined) return known;
      let record = s.feedByKey.get(key) as FeedRecord | undefined;
      if (record === undefined) {
        s.createFeed.run(key);
        record = s.feedByKey.get(key) as FeedRecord;
      }
      const state: FeedState = { key, ...record, tracker: new FeedChangeTracker() };
      states.set(key, state);
      return state;
    };
    for (const operation of operations) {
      const state = stateOf(operation.key);
      switch (operation.kind) {
        case 'add':
          for (const item of lastById(operation.items)) {
            const previous = (s.itemById.get(state.feedId, item.id) as FeedRow | undefined) ?? null;
            s.upsertItem.run(state.feedId, item.id, item.time, item.dataJson);
            if (previous === null) state.count += 1;
            state.tracker.touch(item.id, previous, item);
          }
          this.#trim(state, options.defaultMaxItems);
          break;
        case 'delete':
          for (const id of new Set(operation.ids)) {
            const row = s.deleteItem.get(state.feedId, id) as FeedRow | undefined;
            if (row === undefined) continue;
            state.count -= 1;
            state.tracker.touch(id, row, null);
          }
          break;
        case 'configure':
          state.maxItems = operation.maxItems;
          this.#trim(state, options.defaultMaxItems);
          break;
        case 'drop':
          for (const row of s.deleteAll.all(state.feedId) as FeedRow[]) state.tracker.touch(row.id, row, null);
          state.count = 0;
          state.maxItems = null;
          break;
        default:
          operation satisfies never;
      }
    }
    if (options.checkpoint !== undefined) s.setRulePosition.run(options.checkpoint.rule, options.checkpoint.seq);
    return [...states.values()].map((state) => {
      s.updateFeed.run(state.maxItems, state.count, state.version + 1, state.feedId);
      return state.tracker.change(state.key, state.version, state.count);
    });
  }

  /** Drops the oldest items past the bound, in the same transaction as the write that overfilled it. */
  #trim(state: FeedState, defaultMaxItems: number): void {
    const limit = state.maxItems ?? defaultMaxItems;
    if (state.count <= limit) return;
    const rows = this.#s.oldestItems.all(state.feedId, state.count - limit) as FeedRow[];
    // By primary key, row by row: a row-value range DELETE was measured slower here (most trims remove one item).
    for (const row of rows) {
      this.#s.deleteItem.run(state.feedId, row.id);
      state.tracker.touch(row.id, row, null);
    }
    state.count = limit;
  }

  #readNow(key: string, request: FeedReadRequest): FeedPage {
    const record = this.#s.feedByKey.get(key) as FeedRecord | undefined;
    if (record === undefined) return { items: [], version: 0, count: 0, maxItems: null };
    const before = request.before ?? FEED_NEWEST;
    const after = request.after ?? FEED_OLDEST;
    const rows = this.#s.page.all(record.feedId, before.time, before.id, after.time, after.id, request.limit) as FeedRow[];
    return { items: rows.map(toFeedItem), version: record.version, count: record.count, maxItems: record.maxItems };
  }
}


function guard<T>(operation: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof Database.SqliteError) {
      throw new PlayheadError('store_unavailable', `sqlite feed store could not ${operation}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
