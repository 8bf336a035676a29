/**
 * The write half of the SQLite feed store, on one connection: applies groups
 * of writes in one IMMEDIATE transaction (group commit, DESIGN "feeds: batch
 * and group-commit") and trims each feed to its bound before the commit.
 * Runs on the main thread (in-memory or caller-owned databases) or in the
 * store's writer thread (src/store/sqlite/sqlite-feed-worker.ts).
 */
import Database from 'better-sqlite3';
import { PlayheadError } from '../../core/errors.js';
import { FeedChangeTracker, lastById, type FeedRecord, type FeedRow, type FeedState } from '../feed-change-tracker.js';
import type { FeedChange, FeedOperation, FeedPosition, FeedWriteOptions } from '../feed-store.js';
import { FEED_SQL } from './sqlite-feed-sql.js';

export type Statement = Database.Statement<unknown[], unknown>;


export interface FeedWriteRequest {
  readonly operations: readonly FeedOperation[];
  readonly options: FeedWriteOptions;
}

/** What became of one write of a group: its changes, or the error that failed it alone. */
export type FeedWriteOutcome =
  | { readonly ok: true; readonly changes: readonly FeedChange[] }
  | { readonly ok: false; readonly error: unknown };

/** Feed rows remembered between groups; past this the memory is cleared. */
const MAX_CACHED_FEEDS = 100_000;

export class SqliteFeedWriter {
  readonly #s: Record<keyof typeof FEED_SQL, Statement>;
  readonly #group: (writes: readonly FeedWriteRequest[]) => FeedChange[][];
  readonly #dataVersion: Database.Statement<[], number>;
  /**
   * Each feed's row as this connection last committed it, so a write need
   * not read it again. Valid while no other connection commits, which
   * `PRAGMA data_version` tells at the start of every group.
   */
  readonly #committed = new Map<string, FeedRecord>();
  /** The rows the current group has written, merged into #committed once it commits. */
  readonly #written = new Map<string, FeedRecord>();
  #seenDataVersion = -1;

  readonly #rememberFeeds: boolean;

  /**
   * `rememberFeeds` false when other code may write feeds on this very
   * connection (a caller's database): data_version only sees other connections.
   */
  constructor(database: Database.Database, { rememberFeeds }: { readonly rememberFeeds: boolean }) {
    this.#rememberFeeds = rememberFeeds;
    this.#s = Object.fromEntries(
      Object.entries(FEED_SQL).map(([name, sql]) => [name, database.prepare(sql)]),
    ) as Record<keyof typeof FEED_SQL, Statement>;
    this.#dataVersion = database.prepare<[], number>('PRAGMA data_version').pluck();
    const group = database.transaction((writes: readonly FeedWriteRequest[]) => {
      const version = this.#dataVersion.get() as number;
      if (version !== this.#seenDataVersion) this.#committed.clear();
      this.#seenDataVersion = version;
      return writes.map((w) => this.#apply(w.operations, w.options));
    });
    this.#group = (writes) => {
      this.#written.clear();
      try {
        const changes = group.immediate(writes);
        if (this.#committed.size + this.#written.size > MAX_CACHED_FEEDS) this.#committed.clear();
        if (this.#rememberFeeds) for (const [key, record] of this.#written) this.#committed.set(key, record);
        return changes;
      } catch (error) {
        // Rolled back: what the group wrote never happened.
        this.#committed.clear();
        throw error;
      } finally {
        this.#written.clear();
      }
    };
  }

  /**
   * All writes in one transaction; when that fails, each write in its own,
   * so one bad write fails only its caller.
   */
  writeGroup(writes: readonly FeedWriteRequest[]): FeedWriteOutcome[] {
    if (writes.length === 0) return [];
    try {
      return guard('write feeds', () => this.#group(writes)).map((changes) => ({ ok: true, changes }));
    } catch (error) {
      if (writes.length === 1) return [{ ok: false, error }];
    }
    return writes.map((write) => {
      try {
        return { ok: true, changes: guard('write feeds', () => this.#group([write]))[0] as FeedChange[] };
      } catch (error) {
        return { ok: false, error };
      }
    });
  }

  #apply(operations: readonly FeedOperation[], options: FeedWriteOptions): FeedChange[] {
    const s = this.#s;
    const states = new Map<string, FeedState>();
    const stateOf = (key: string): FeedState => {
      const known = states.get(key);
      if (known !== undefined) return known;
      let record = this.#written.get(key) ?? this.#committed.get(key) ?? (s.feedByKey.get(key) as FeedRecord | undefined);
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
            if (s.insertItem.run(state.feedId, item.id, item.time, item.dataJson).changes === 1) {
              state.count += 1;
              state.tracker.touch(item.id, null, item);
              continue;
            }
            // The id was there: a move (or the same item again), so the change needs where it was.
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
      this.#written.set(state.key, { feedId: state.feedId, maxItems: state.maxItems, count: state.count, version: state.version + 1 });
      return state.tracker.change(state.key, state.version, state.count);
    });
  }

  /** Drops the oldest items past the bound, in the same transaction as the write that overfilled it. */
  #trim(state: FeedState, defaultMaxItems: number): void {
    const limit = state.maxItems ?? defaultMaxItems;
    const excess = state.count - limit;
    if (excess <= 0) return;
    const s = this.#s;
    // Positions only: a removal carries no data (FeedChange.removed), so the rows' data is never read.
    const rows = (excess === 1 ? s.oldestItem.all(state.feedId) : s.oldestItems.all(state.feedId, excess)) as FeedPosition[];
    for (const row of rows) {
      s.deleteAt.run(state.feedId, row.time, row.id);
      state.tracker.trimmed(row);
    }
    state.count = limit;
  }
}

export function guard<T>(operation: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof Database.SqliteError) {
      throw new PlayheadError('store_unavailable', `sqlite feed store could not ${operation}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
