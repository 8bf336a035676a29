/**
 * Versioned migrations of the feed tables in a PostgreSQL schema, in their
 * own version table and under their own advisory lock, so they never collide
 * with the event store's migrations.
 */
import type { PostgresPoolClient } from './postgres-config.js';
import { quoteIdentifier } from './postgres-sql.js';

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
  const s = quoteIdentifier(schema);
  await client.query({ text: 'SELECT pg_advisory_xact_lock($1::int, hashtext($2))', values: [FEED_MIGRATION_LOCK_CLASS, schema] });
  await client.query({
    text: `CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.playhead_feed_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
  });
  const { rows } = await client.query({ text: `SELECT coalesce(max(version), 0)::int AS version FROM ${s}.playhead_feed_migrations` });
  // The statement selects exactly one row with one int column.
  const current = (rows[0] as { readonly version: number }).version;
  if (current > MIGRATIONS.length) {
    throw new Error(`feed tables of schema ${s} are at version ${current}, newer than this Playhead's ${MIGRATIONS.length}: upgrade Playhead`);
  }
  for (const [offset, migration] of MIGRATIONS.slice(current).entries()) {
    await client.query({ text: migration(s) });
    await client.query({ text: `INSERT INTO ${s}.playhead_feed_migrations (version) VALUES ($1)`, values: [current + offset + 1] });
  }
}
