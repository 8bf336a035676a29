/**
 * The write half of the SQLite feed store, on one connection: applies groups
 * of writes in one IMMEDIATE transaction (group commit, DESIGN "feeds: batch
 * and group-commit") and trims each feed to its bound before the commit.
 * Runs on the main thread (in-memory or caller-owned databases) or in the
 * store's writer thread (src/store/sqlite/sqlite-feed-worker.ts).
 */
import Database from 'better-sqlite3';
import { PlayheadError } from '../../core/errors.js';
import { compareFeedIds } from '../../protocol/feed-messages.js';
import { FeedChangeTracker, lastById, type FeedRecord, type FeedRow, type FeedState } from '../feed-change-tracker.js';
import { FEED_OLDEST, type FeedChange, type FeedItemInput, type FeedOperation, type FeedPosition, type FeedWriteOptions } from '../feed-store.js';
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
  readonly #committed = new Map<string, SqliteFeedRecord>();
  /** The rows the current group has written, merged into #committed once it commits. */
  readonly #written = new Map<string, SqliteFeedRecord>();
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
    const states = new Map<string, SqliteFeedState>();
    const stateOf = (key: string): SqliteFeedState => {
      const known = states.get(key);
      if (known !== undefined) return known;
      let record = this.#written.get(key) ?? this.#committed.get(key) ?? (s.feedByKey.get(key) as SqliteFeedRecord | undefined);
      if (record === undefined) {
        s.createFeed.run(key);
        record = s.feedByKey.get(key) as SqliteFeedRecord;
      }
      const { feedId, maxItems, count, version, hidden } = record;
      const state: SqliteFeedState = { key, feedId, maxItems, count, version, floor: floorOf(record), hidden, tracker: new FeedChangeTracker() };
      states.set(key, state);
      return state;
    };
    for (const operation of operations) {
      const state = stateOf(operation.key);
      const limit = () => state.maxItems ?? options.defaultMaxItems;
      switch (operation.kind) {
        case 'add':
          for (const item of lastById(operation.items)) this.#add(state, item);
          this.#trim(state, limit());
          break;
        case 'delete':
          for (const id of new Set(operation.ids)) {
            const row = s.deleteItem.get(state.feedId, id) as FeedRow | undefined;
            if (row === undefined) continue;
            if (underFloor(state, row)) state.hidden -= 1;
            else {
              state.count -= 1;
              state.tracker.touch(id, row, null);
            }
          }
          break;
        case 'configure':
          state.maxItems = operation.maxItems;
          this.#trim(state, limit());
          break;
        case 'drop':
          for (const row of s.deleteAll.all(state.feedId) as FeedRow[]) {
            if (!underFloor(state, row)) state.tracker.touch(row.id, row, null);
          }
          Object.assign(state, { count: 0, maxItems: null, floor: null, hidden: 0 });
          break;
        default:
          operation satisfies never;
      }
    }
    if (options.checkpoint !== undefined) s.setRulePosition.run(options.checkpoint.rule, options.checkpoint.seq);
    return [...states.values()].map((state) => {
      const record: SqliteFeedRecord = {
        feedId: state.feedId, maxItems: state.maxItems, count: state.count, version: state.version + 1,
        floorTime: state.floor?.time ?? null, floorId: state.floor?.id ?? null, hidden: state.hidden,
      };
      s.updateFeed.run(record.maxItems, record.count, record.version, record.floorTime, record.floorId, record.hidden, record.feedId);
      this.#written.set(state.key, record);
      return state.tracker.change(state.key, state.version, state.count);
    });
  }

  #add(state: SqliteFeedState, item: FeedItemInput): void {
    const s = this.#s;
    // Under the floor the item would be hidden, though the write's own trim may keep it: the trimmed rows go first.
    if (underFloor(state, item)) this.#deleteTrimmed(state);
    let previous: FeedRow | null = null;
    if (s.insertItem.run(state.feedId, item.id, item.time, item.dataJson).changes === 0) {
      // The id was there: a move (or the same item again), so the change needs where it was.
      previous = (s.itemById.get(state.feedId, item.id) as FeedRow | undefined) ?? null;
      s.upsertItem.run(state.feedId, item.id, item.time, item.dataJson);
      if (previous !== null && underFloor(state, previous)) {
        state.hidden -= 1; // a trimmed id added again is new to the feed
        previous = null;
      }
    }
    if (previous === null) state.count += 1;
    state.tracker.touch(item.id, previous, item);
  }

  /**
   * Trims past the bound in the same transaction as the write that overfilled
   * it, by moving the floor over the oldest items it shows: a read, not a page
   * write. The trimmed rows are deleted together once more than a quarter of
   * the bound has piled up, so an add into a full feed rewrites its newest
   * page, not its oldest too (bench/README.md, feeds).
   */
  #trim(state: SqliteFeedState, limit: number): void {
    const excess = state.count - limit;
    if (excess > 0) {
      const s = this.#s;
      const floor = state.floor ?? FEED_OLDEST;
      // Positions only: a removal carries no data (FeedChange.removed), so the rows' data is never read.
      const rows = (excess === 1 ? s.oldestItem.all(state.feedId, floor.time, floor.id) : s.oldestItems.all(state.feedId, floor.time, floor.id, excess)) as FeedPosition[];
      for (const row of rows) state.tracker.trimmed(row);
      state.floor = rows.at(-1) ?? state.floor;
      state.hidden += rows.length;
      state.count = limit;
    }
    if (state.hidden > Math.floor(limit / 4)) this.#deleteTrimmed(state);
  }

  #deleteTrimmed(state: SqliteFeedState): void {
    if (state.floor === null) return;
    this.#s.deleteToFloor.run(state.feedId, state.floor.time, state.floor.id);
    state.floor = null;
    state.hidden = 0;
  }
}

/** A feed's row in SQLite: the floor is the newest trimmed position, `hidden` how many trimmed rows are still stored. */
export interface SqliteFeedRecord extends FeedRecord {
  readonly floorTime: number | null;
  readonly floorId: string | null;
  readonly hidden: number;
}

export function floorOf(record: SqliteFeedRecord): FeedPosition | null {
  return record.floorTime === null || record.floorId === null ? null : { time: record.floorTime, id: record.floorId };
}

interface SqliteFeedState extends FeedState {
  floor: FeedPosition | null;
  hidden: number;
}

/** At or below the floor: trimmed, whatever is still stored. */
function underFloor({ floor }: SqliteFeedState, position: FeedPosition): boolean {
  if (floor === null || position.time > floor.time) return false;
  return position.time < floor.time || compareFeedIds(position.id, floor.id) <= 0;
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
