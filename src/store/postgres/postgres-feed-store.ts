/**
 * Feeds in PostgreSQL. A write is one READ COMMITTED transaction that locks
 * the rows of the feeds it touches (in key order, so two multi-feed writes
 * never deadlock), upserts, trims to the bound and commits; a read is one
 * statement, so it sees one snapshot and never a feed above its bound.
 */
import { FeedChangeTracker, lastById, toFeedItem, type FeedRow, type FeedState } from '../feed-change-tracker.js';
import {
  FEED_NEWEST, FEED_OLDEST,
  type FeedChange, type FeedOperation, type FeedPage, type FeedReadRequest, type FeedStore, type FeedWriteOptions,
} from '../feed-store.js';
import {
  resolvePostgresConfig, type PostgresPool, type PostgresPoolClient, type PostgresStoreConfig,
} from './postgres-config.js';
import { postgresFeedStatements, type PostgresFeedStatements } from './postgres-feed-sql.js';
import { migratePostgresFeeds } from './postgres-feed-schema.js';
import { createPool, guard, query, rollback } from './postgres-store.js';

interface FeedRecord {
  readonly feedId: number;
  readonly maxItems: number | null;
  readonly count: number;
  readonly version: number;
}

/** Item rows with `time` made a number: the store's query parsers keep float8 as text. */
async function feedRows(client: PostgresPoolClient, text: string, values: unknown[]): Promise<FeedRow[]> {
  const rows = await query<{ readonly id: string; readonly time: string; readonly dataJson: string | null }>(client, text, values);
  return rows.map((row) => ({ id: row.id, time: Number(row.time), dataJson: row.dataJson }));
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
  #closing: Promise<void> | undefined = undefined;

  /** Connects (or takes `config.pool`) and migrates the feed tables; rejects with `store_unavailable`. */
  static async open(config: PostgresStoreConfig): Promise<PostgresFeedStore> {
    const settings = resolvePostgresConfig(config);
    const store = new PostgresFeedStore(settings.pool ?? createPool(settings), settings.pool === undefined, settings.schema);
    try {
      await store.#transaction('migrate feed tables', (client) => migratePostgresFeeds(client, settings.schema));
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private constructor(pool: PostgresPool, ownsPool: boolean, schema: string) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#sql = postgresFeedStatements(schema);
  }

  write(operations: readonly FeedOperation[], options: FeedWriteOptions): Promise<readonly FeedChange[]> {
    return this.#transaction('write feeds', (client) => this.#apply(client, operations, options));
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
    const states = new Map<string, FeedState>();
    // Locks in key order; the changes come back in order of first touch.
    for (const key of [...new Set(operations.map((operation) => operation.key))].sort()) {
      const record = await this.#lockFeed(client, key);
      states.set(key, { key, ...record, tracker: new FeedChangeTracker() });
    }
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
    const changes: FeedChange[] = [];
    const touchOrder = [...new Set(operations.map((operation) => operation.key))];
    for (const key of touchOrder) {
      const state = states.get(key) as FeedState;
      await query(client, sql.updateFeed, [state.feedId, state.maxItems, state.count, state.version + 1]);
      changes.push(state.tracker.change(key, state.version, state.count));
    }
    return changes;
  }

  async #trim(client: PostgresPoolClient, state: FeedState, defaultMaxItems: number): Promise<void> {
    const limit = state.maxItems ?? defaultMaxItems;
    if (state.count <= limit) return;
    for (const row of await feedRows(client, this.#sql.trimOldest, [state.feedId, state.count - limit])) {
      state.tracker.touch(row.id, row, null);
    }
    state.count = limit;
  }

  /** Locks the feed's row until commit, creating it first if needed. */
  async #lockFeed(client: PostgresPoolClient, key: string): Promise<FeedRecord> {
    const [found] = await query<FeedRecord>(client, this.#sql.lockFeed, [key]);
    if (found !== undefined) return found;
    await query(client, this.#sql.createFeed, [key]);
    const [created] = await query<FeedRecord>(client, this.#sql.lockFeed, [key]);
    // Our INSERT created the row, or waited for a concurrent writer that committed it (READ COMMITTED sees it).
    return created as FeedRecord;
  }

  async #transaction<T>(operation: string, body: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
    return guard(operation, async () => {
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      try {
        await client.query({ text: 'BEGIN ISOLATION LEVEL READ COMMITTED' });
        const result = await body(client);
        await client.query({ text: 'COMMIT' });
        return result;
      } catch (error) {
        broken = await rollback(client);
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }
}
