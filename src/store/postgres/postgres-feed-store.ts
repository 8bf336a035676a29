/**
 * Feeds in PostgreSQL. A write is one READ COMMITTED transaction that locks
 * the rows of the feeds it touches (in key order, so two multi-feed writes
 * never deadlock), upserts, trims to the bound and commits; a read is one
 * statement, so it sees one snapshot and never a feed above its bound.
 * Concurrent add-only writes to distinct feeds are merged into one call of
 * the playhead_feed_add function (group commit: one statement, one round
 * trip and one fsync however many feeds), at most two at once (and at most
 * half of `maxPoolSize`), so reads find a free connection and a free CPU
 * while writes go on. The add and the page are named statements, parsed
 * once per connection.
 */
import { FeedChangeTracker, lastById, toFeedItem, type FeedRecord, type FeedRow, type FeedState } from '../feed-change-tracker.js';
import {
  FEED_NEWEST, FEED_OLDEST, type FeedItemInput,
  type FeedChange, type FeedOperation, type FeedPage, type FeedReadRequest, type FeedStore, type FeedWriteOptions,
} from '../feed-store.js';
import {
  resolvePostgresConfig, type PostgresPool, type PostgresPoolClient, type PostgresStoreConfig,
} from './postgres-config.js';
import { postgresFeedStatements, type PostgresFeedStatements } from './postgres-feed-sql.js';
import { migratePostgresFeeds } from './postgres-feed-schema.js';
import { createPool, guard, inTransaction, query } from './postgres-store.js';


/** Item rows with `time` made a number: the store's query parsers keep float8 as text. */
async function feedRows(client: PostgresPoolClient, text: string, values: unknown[]): Promise<FeedRow[]> {
  const rows = await query<{ readonly id: string; readonly time: string; readonly dataJson: string | null }>(client, text, values);
  return rows.map((row) => ({ id: row.id, time: Number(row.time), dataJson: row.dataJson }));
}

type AddOperation = Extract<FeedOperation, { kind: 'add' }>;

interface PendingAdd {
  readonly operations: readonly AddOperation[];
  readonly defaultMaxItems: number;
  readonly items: number;
  readonly resolve: (changes: readonly FeedChange[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Most items one merged transaction carries. */
const MAX_GROUP_ITEMS = 2_000;
/**
 * Most merged writes at once. Two, not half the pool: with five, the server's
 * backends took the CPU from reads (first-page p50 4.4 ms, p99 16 ms while
 * writes went on; with two 1.6 / 9.5 ms, and single adds 1.4x, in one pair of
 * bench runs on 2 shared cores). Fewer groups at once means larger groups.
 */
const MAX_MERGED_IN_FLIGHT = 2;

/** Add-only, each feed once: writes like these can share a transaction with others on other feeds. */
function mergeable(operations: readonly FeedOperation[]): operations is readonly AddOperation[] {
  if (operations.length === 0 || operations.some((operation) => operation.kind !== 'add')) return false;
  return new Set(operations.map((operation) => operation.key)).size === operations.length;
}

/** A row of playhead_feed_add: 'p' an item it replaced, 't' one it trimmed, 'f' a feed after the write. */
interface AddedFeedRow {
  readonly kind: 'p' | 't' | 'f';
  readonly feedId: number;
  readonly key: string | null;
  readonly id: string | null;
  readonly time: string | null;
  readonly dataJson: string | null;
  readonly count: number | null;
  readonly version: number | null;
}

/** The SQLSTATE playhead_feed_add raises outside READ COMMITTED (migration 2 of postgres-feed-schema.ts). */
const ISOLATION_REFUSED = 'PLF01';

function isIsolationRefusal(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === ISOLATION_REFUSED;
}

interface PageRow {
  readonly version: number;
  readonly count: number;
  readonly maxItems: number | null;
  readonly id: string | null;
  readonly time: string | null;
  readonly dataJson: string | null;
}

export class PostgresFeedStore implements FeedStore {
  readonly #pool: PostgresPool;
  readonly #ownsPool: boolean;
  readonly #sql: PostgresFeedStatements;
  readonly #statementNames: { readonly addItems: string; readonly page: string };
  readonly #maxInFlight: number;
  readonly #pending: PendingAdd[] = [];
  #addNeedsTransaction = false;
  #inFlight = 0;
  #closing: Promise<void> | undefined = undefined;

  /** Connects (or takes `config.pool`) and migrates the feed tables; rejects with `store_unavailable`. */
  static async open(config: PostgresStoreConfig): Promise<PostgresFeedStore> {
    const settings = resolvePostgresConfig(config);
    const store = new PostgresFeedStore(settings.pool ?? createPool(settings), settings.pool === undefined, settings.schema, settings.maxPoolSize);
    try {
      await store.#transaction('migrate feed tables', (client) => migratePostgresFeeds(client, settings.schema));
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private constructor(pool: PostgresPool, ownsPool: boolean, schema: string, maxPoolSize: number) {
    // Merged writes take at most half the pool: the rest stays free for reads, and groups grow instead.
    this.#maxInFlight = Math.max(1, Math.min(MAX_MERGED_IN_FLIGHT, Math.floor(maxPoolSize / 2)));
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#sql = postgresFeedStatements(schema);
    // Per schema: two stores on one pool must not share a name for different texts.
    this.#statementNames = Object.freeze({ addItems: `playhead.feeds.${schema}.add`, page: `playhead.feeds.${schema}.page` });
  }

  write(operations: readonly FeedOperation[], options: FeedWriteOptions): Promise<readonly FeedChange[]> {
    if (options.checkpoint !== undefined || !mergeable(operations)) {
      return this.#transaction('write feeds', (client) => this.#apply(client, operations, options));
    }
    return new Promise((resolve, reject) => {
      const items = operations.reduce((n, operation) => n + operation.items.length, 0);
      this.#pending.push({ operations, defaultMaxItems: options.defaultMaxItems, items, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#pending.length > 0) {
      const group = this.#takeGroup();
      this.#inFlight += 1;
      void this.#runGroup(group).finally(() => {
        this.#inFlight -= 1;
        this.#pump();
      });
    }
  }

  /** The oldest pending write, and after it those on other feeds with the same default bound, up to MAX_GROUP_ITEMS. */
  #takeGroup(): PendingAdd[] {
    const first = this.#pending.shift() as PendingAdd;
    const group = [first];
    const keys = new Set(first.operations.map((operation) => operation.key));
    let items = first.items;
    for (let index = 0; index < this.#pending.length && items < MAX_GROUP_ITEMS;) {
      const candidate = this.#pending[index] as PendingAdd;
      if (candidate.defaultMaxItems !== first.defaultMaxItems || candidate.operations.some((operation) => keys.has(operation.key))) {
        index += 1;
        continue;
      }
      this.#pending.splice(index, 1);
      for (const operation of candidate.operations) keys.add(operation.key);
      items += candidate.items;
      group.push(candidate);
    }
    return group;
  }

  async #runGroup(group: readonly PendingAdd[]): Promise<void> {
    const defaultMaxItems = (group[0] as PendingAdd).defaultMaxItems;
    const run = (writes: readonly PendingAdd[]) => this.#addItems(writes.flatMap((write) => write.operations), defaultMaxItems);
    try {
      const changes = await run(group);
      for (const write of group) write.resolve(write.operations.map((operation) => changes.get(operation.key) as FeedChange));
    } catch (error) {
      if (group.length === 1) return (group[0] as PendingAdd).reject(error);
      // One write may be what failed the group: each alone, so only its caller hears of it.
      for (const write of group) {
        try {
          const changes = await run([write]);
          write.resolve(write.operations.map((operation) => changes.get(operation.key) as FeedChange));
        } catch (single) {
          write.reject(single);
        }
      }
    }
  }

  /** Add-only, each feed once: one call of playhead_feed_add, one round trip and one commit for any number of feeds. */
  async #addItems(operations: readonly AddOperation[], defaultMaxItems: number): Promise<Map<string, FeedChange>> {
    const batches = operations.map((operation) => lastById(operation.items));
    const keyOf: number[] = [];
    const ids: string[] = [];
    const times: number[] = [];
    const data: (string | null)[] = [];
    batches.forEach((items, index) => {
      for (const item of items) {
        keyOf.push(index + 1);
        ids.push(item.id);
        times.push(item.time);
        data.push(item.dataJson);
      }
    });
    const rows = await this.#callAddItems([operations.map((operation) => operation.key), keyOf, ids, times, data, defaultMaxItems]);
    const previous = new Map<string, FeedRow>();
    const trimmed = new Map<number, FeedRow[]>();
    const feeds = new Map<string, AddedFeedRow>();
    for (const row of rows) {
      if (row.kind === 'f') feeds.set(row.key as string, row);
      else if (row.kind === 'p') previous.set(`${row.feedId}\u0000${row.id}`, { id: row.id as string, time: Number(row.time), dataJson: row.dataJson });
      else trimmed.set(row.feedId, [...(trimmed.get(row.feedId) ?? []), { id: row.id as string, time: Number(row.time), dataJson: null }]);
    }
    return new Map(operations.map((operation, index) => {
      const feed = feeds.get(operation.key) as AddedFeedRow; // the function answers one 'f' row per key
      const tracker = new FeedChangeTracker();
      for (const item of batches[index] as readonly FeedItemInput[]) tracker.touch(item.id, previous.get(`${feed.feedId}\u0000${item.id}`) ?? null, item);
      for (const row of trimmed.get(feed.feedId) ?? []) tracker.trimmed(row);
      return [operation.key, tracker.change(operation.key, (feed.version as number) - 1, feed.count as number)];
    }));
  }

  /**
   * Autocommit: the call is its own transaction, so one round trip. Where the
   * server's default isolation is not READ COMMITTED the function refuses
   * (its lock-then-read needs it), and from then on it runs in a transaction that sets it.
   */
  async #callAddItems(values: unknown[]): Promise<readonly AddedFeedRow[]> {
    const { addItems } = this.#sql;
    const name = this.#statementNames.addItems;
    if (!this.#addNeedsTransaction) {
      try {
        return await guard('write feeds', () => query<AddedFeedRow>(this.#pool, addItems, values, name));
      } catch (error) {
        if (!isIsolationRefusal(error)) throw error;
        this.#addNeedsTransaction = true;
      }
    }
    return this.#transaction('write feeds', (client) => query<AddedFeedRow>(client, addItems, values, name));
  }

  async read(key: string, request: FeedReadRequest): Promise<FeedPage> {
    const before = request.before ?? FEED_NEWEST;
    const after = request.after ?? FEED_OLDEST;
    const rows = await guard(`read feed ${key}`, () => query<PageRow>(this.#pool, this.#sql.page,
      [key, before.time, before.id, after.time, after.id, request.limit], this.#statementNames.page));
    const first = rows[0];
    if (first === undefined) return { items: [], version: 0, count: 0, maxItems: null };
    const items = first.id === null ? [] : rows.map((row) => toFeedItem({ id: row.id as string, time: Number(row.time), dataJson: row.dataJson }));
    return { items, version: first.version, count: first.count, maxItems: first.maxItems };
  }

  async rulePosition(rule: string): Promise<number> {
    const rows = await guard(`read rule ${rule}`, () => query<{ seq: number }>(this.#pool, this.#sql.rulePosition, [rule]));
    return rows[0]?.seq ?? 0;
  }

  async forgetRule(rule: string): Promise<void> {
    await guard(`forget rule ${rule}`, () => query(this.#pool, this.#sql.forgetRule, [rule]));
  }

  close(): Promise<void> {
    this.#closing ??= this.#ownsPool ? this.#pool.end() : Promise.resolve();
    return this.#closing;
  }

  async #apply(client: PostgresPoolClient, operations: readonly FeedOperation[], options: FeedWriteOptions): Promise<FeedChange[]> {
    const sql = this.#sql;
    const states = await this.#lockFeeds(client, operations.map((operation) => operation.key));
    for (const operation of operations) {
      const state = states.get(operation.key) as FeedState; // locked above
      switch (operation.kind) {
        case 'add': {
          const items = lastById(operation.items);
          const ids = items.map((item) => item.id);
          const previous = new Map<string, FeedRow>();
          for (const row of await feedRows(client, sql.itemsByIds, [state.feedId, ids])) previous.set(row.id, row);
          await query(client, sql.upsertItems, [state.feedId, ids, items.map((item) => item.time), items.map((item) => item.dataJson)]);
          for (const item of items) {
            const before = previous.get(item.id) ?? null;
            if (before === null) state.count += 1;
            state.tracker.touch(item.id, before, item);
          }
          await this.#trim(client, state, options.defaultMaxItems);
          break;
        }
        case 'delete':
          for (const row of await feedRows(client, sql.deleteItems, [state.feedId, [...new Set(operation.ids)]])) {
            state.count -= 1;
            state.tracker.touch(row.id, row, null);
          }
          break;
        case 'configure':
          state.maxItems = operation.maxItems;
          await this.#trim(client, state, options.defaultMaxItems);
          break;
        case 'drop':
          for (const row of await feedRows(client, sql.deleteAll, [state.feedId])) state.tracker.touch(row.id, row, null);
          state.count = 0;
          state.maxItems = null;
          break;
        default:
          operation satisfies never;
      }
    }
    if (options.checkpoint !== undefined) await query(client, sql.setRulePosition, [options.checkpoint.rule, options.checkpoint.seq]);
    // One statement for every feed touched: a rule's batch fans out to many feeds.
    const touched = [...new Set(operations.map((operation) => operation.key))].map((key) => states.get(key) as FeedState);
    if (touched.length === 1) {
      const [state] = touched as [FeedState];
      await query(client, sql.updateFeed, [state.feedId, state.maxItems, state.count, state.version + 1]);
    } else {
      await query(client, sql.updateFeedsFull, [
        touched.map((state) => state.feedId), touched.map((state) => state.maxItems),
        touched.map((state) => state.count), touched.map((state) => state.version + 1),
      ]);
    }
    return touched.map((state) => state.tracker.change(state.key, state.version, state.count));
  }

  async #trim(client: PostgresPoolClient, state: FeedState, defaultMaxItems: number): Promise<void> {
    const limit = state.maxItems ?? defaultMaxItems;
    if (state.count <= limit) return;
    for (const row of await feedRows(client, this.#sql.trimOldest, [state.feedId, state.count - limit])) state.tracker.trimmed(row);
    state.count = limit;
  }

  /** Creates the missing feeds and locks them all, in key order, until commit. */
  async #lockFeeds(client: PostgresPoolClient, keys: readonly string[]): Promise<Map<string, FeedState>> {
    const states = new Map<string, FeedState>();
    const sorted = [...new Set(keys)].sort();
    for (const row of await query<FeedRecord & { readonly key: string }>(client, this.#sql.lockFeeds, [sorted])) {
      states.set(row.key, { key: row.key, feedId: row.feedId, maxItems: row.maxItems, count: row.count, version: row.version, tracker: new FeedChangeTracker() });
    }
    return states;
  }

  #transaction<T>(operation: string, body: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, operation, body);
  }
}
