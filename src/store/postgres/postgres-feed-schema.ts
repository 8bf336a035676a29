/**
 * Versioned migrations of the feed tables in a PostgreSQL schema, in their
 * own version table and under their own advisory lock, so they never collide
 * with the event store's migrations.
 */
import type { PostgresPoolClient } from './postgres-config.js';
import { applyPostgresMigrations } from './postgres-schema.js';

const MIGRATIONS: readonly ((schema: string) => string)[] = [
  // Keys and ids in COLLATE "C": byte order, the same total order as SQLite's BINARY.
  // data is text, not json: kept as the producer sent it and parsed once when read.
  (s) => `
    CREATE TABLE ${s}.feeds (
      id bigserial PRIMARY KEY,
      key text COLLATE "C" NOT NULL UNIQUE,
      max_items int,
      count int NOT NULL DEFAULT 0,
      version bigint NOT NULL DEFAULT 0
    );
    CREATE TABLE ${s}.feed_items (
      feed_id bigint NOT NULL,
      item_id text COLLATE "C" NOT NULL,
      time double precision NOT NULL,
      data text,
      PRIMARY KEY (feed_id, item_id)
    );
    CREATE INDEX feed_items_order ON ${s}.feed_items (feed_id, time, item_id);
    CREATE TABLE ${s}.feed_rule_positions (
      rule text PRIMARY KEY,
      seq bigint NOT NULL
    );`,
];

/** First key of the advisory lock: "plfd", apart from the event store's "plhd". */
const FEED_MIGRATION_LOCK_CLASS = 0x706c6664;

/** Brings the feed tables of `schema` to the latest version; run inside a transaction. */
export async function migratePostgresFeeds(client: PostgresPoolClient, schema: string): Promise<void> {
  await applyPostgresMigrations(client, schema, { table: 'playhead_feed_migrations', lockClass: FEED_MIGRATION_LOCK_CLASS, what: 'feed tables of schema', migrations: MIGRATIONS });
}
