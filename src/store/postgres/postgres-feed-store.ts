/**
 * Feeds in PostgreSQL. A write is one READ COMMITTED transaction that locks
 * the rows of the feeds it touches (in key order, so two multi-feed writes
 * never deadlock), upserts, trims to the bound and commits; a read is one
 * statement, so it sees one snapshot and never a feed above its bound.
 * Concurrent add-only writes to distinct feeds are merged into one
 * transaction of set-based statements (group commit: one fsync, a fixed
 * number of round trips however many feeds), at most half of `maxPoolSize`
 * at once, so reads find a free connection while writes go on.
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

/** Add-only, each feed once: writes like these can share a transaction with others on other feeds. */
function mergeable(operations: readonly FeedOperation[]): operations is readonly AddOperation[] {
  if (operations.length === 0 || operations.some((operation) => operation.kind !== 'add')) return false;
  return new Set(operations.map((operation) => operation.key)).size === operations.length;
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
  readonly #maxInFlight: number;
  readonly #pending: PendingAdd[] = [];
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
    this.#maxInFlight = Math.max(1, Math.floor(maxPoolSize / 2));
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#sql = postgresFeedStatements(schema);
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
    const run = (writes: readonly PendingAdd[]) => this.#transaction('write feeds',
      (client) => this.#applyAdds(client, writes.flatMap((write) => write.operations), defaultMaxItems));
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

  /** Add-only, each feed once: a fixed number of set-based statements for any number of feeds. */
  async #applyAdds(client: PostgresPoolClient, operations: readonly AddOperation[], defaultMaxItems: number): Promise<Map<string, FeedChange>> {
    const sql = this.#sql;
    const states = await this.#lockFeeds(client, operations.map((operation) => operation.key));
    const writes = operations.map((operation) => [states.get(operation.key) as FeedState, lastById(operation.items)] as const);
    const feedIds: number[] = [];
    const ids: string[] = [];
    const times: number[] = [];
    const data: (string | null)[] = [];
    for (const [state, items] of writes) {
      for (const item of items) {
        feedIds.push(state.feedId);
        ids.push(item.id);
        times.push(item.time);
        data.push(item.dataJson);
      }
    }
    const previous = new Map<string, FeedRow>();
    const replaced = await query<{ feedId: number; id: string; time: string; dataJson: string | null }>(client, sql.upsertPairsReturningPrevious, [feedIds, ids, times, data]);
    for (const row of replaced) previous.set(`${row.feedId}\u0000${row.id}`, { id: row.id, time: Number(row.time), dataJson: row.dataJson });
    for (const [state, items] of writes) {
      for (const item of items as readonly FeedItemInput[]) {
        const before = previous.get(`${state.feedId}\u0000${item.id}`) ?? null;
        if (before === null) state.count += 1;
        state.tracker.touch(item.id, before, item);
      }
    }
    const all = [...states.values()];
    const over = all.filter((state) => state.count > (state.maxItems ?? defaultMaxItems));
    const excess = over.map((state) => state.count - (state.maxItems ?? defaultMaxItems));
    for (const state of over) state.count = state.maxItems ?? defaultMaxItems;
    const byId = new Map(all.map((state) => [state.feedId, state]));
    const trimmed = await query<{ feedId: number; id: string; time: string }>(client, sql.trimAndUpdateFeeds, [
      over.map((state) => state.feedId), excess,
      all.map((state) => state.feedId), all.map((state) => state.count), all.map((state) => state.version + 1),
    ]);
    for (const row of trimmed) (byId.get(row.feedId) as FeedState).tracker.touch(row.id, { id: row.id, time: Number(row.time), dataJson: null }, null);
    return new Map(all.map((state) => [state.key, state.tracker.change(state.key, state.version, state.count)]));
  }

  async read(key: string, request: FeedReadRequest): Promise<FeedPage> {
    const before = request.before ?? FEED_NEWEST;
    const after = request.after ?? FEED_OLDEST;
    const rows = await guard(`read feed ${key}`, () => query<PageRow>(this.#pool, this.#sql.page,
      [key, before.time, before.id, after.time, after.id, request.limit]));
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
    for (const row of await feedRows(client, this.#sql.trimOldest, [state.feedId, state.count - limit])) {
      state.tracker.touch(row.id, row, null);
    }
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
