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
  // One round trip for a group of adds (src/store/postgres/postgres-feed-store.ts): create and lock the
  // feeds, upsert, trim and bump the versions inside one call. plpgsql gives each statement a new snapshot
  // in READ COMMITTED, so after waiting for a feed's lock the upsert and the trim see what its holder
  // committed, as separate statements did. Creating before locking, in key order, never deadlocks: an
  // insert waits only for another writer's insert of the same key, never while that writer waits for it.
  // The lock is FOR UPDATE, not a no-op update: one row version per write instead of two. No sequential
  // scans: a plan cached while a new schema's tables were small kept scanning them whole once they were
  // full (645 batched adds/s). Cached plans with seqscan off, not a plan per call (force_custom_plan): planning
  // the five statements was ~1 ms of a ~2 ms single add.
  (s) => `
    CREATE FUNCTION ${s}.playhead_feed_add(p_keys text[], p_key_of int[], p_ids text[], p_times float8[], p_data text[], p_default_max_items int)
    RETURNS TABLE (kind "char", feed_id bigint, feed_key text, item_id text, item_time float8, item_data text, item_count int, feed_version bigint)
    LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
    #variable_conflict use_column
    DECLARE
      feed_ids bigint[];
      previous_feeds bigint[];
      previous_ids text[];
      previous_times float8[];
      previous_data text[];
    BEGIN
      IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'playhead_feed_add needs READ COMMITTED, not %', current_setting('transaction_isolation')
          USING ERRCODE = 'PLF01';
      END IF;
      INSERT INTO ${s}.feeds (key) SELECT k FROM unnest(p_keys) AS k ORDER BY k COLLATE "C" ON CONFLICT (key) DO NOTHING;
      WITH locked AS (SELECT f.id, f.key FROM ${s}.feeds f WHERE f.key = ANY(p_keys) ORDER BY f.key FOR UPDATE)
      SELECT array_agg(l.id ORDER BY k.ord) INTO feed_ids
        FROM unnest(p_keys) WITH ORDINALITY AS k (key, ord) JOIN locked l ON l.key = k.key;
      -- Every part of one statement reads one snapshot: previous holds the rows before the upsert.
      WITH batch AS (
          SELECT feed_ids[b.k] AS feed_id, b.id, b.time, b.data FROM unnest(p_key_of, p_ids, p_times, p_data) AS b (k, id, time, data)),
        previous AS (
          SELECT i.feed_id, i.item_id, i.time, i.data FROM batch b JOIN ${s}.feed_items i ON i.feed_id = b.feed_id AND i.item_id = b.id),
        upsert AS (
          INSERT INTO ${s}.feed_items (feed_id, item_id, time, data) SELECT b.feed_id, b.id, b.time, b.data FROM batch b
          ON CONFLICT (feed_id, item_id) DO UPDATE SET time = excluded.time, data = excluded.data)
      SELECT array_agg(p.feed_id), array_agg(p.item_id), array_agg(p.time), array_agg(p.data)
        INTO previous_feeds, previous_ids, previous_times, previous_data FROM previous p;
      RETURN QUERY SELECT 'p'::"char", p.feed_id, NULL::text, p.item_id, p.time, p.data, NULL::int, NULL::bigint
        FROM unnest(previous_feeds, previous_ids, previous_times, previous_data) AS p (feed_id, item_id, time, data);
      RETURN QUERY WITH added AS (
          SELECT feed_ids[k] AS feed_id, count(*)::int AS n FROM unnest(p_key_of) AS k GROUP BY k),
        replaced AS (
          SELECT r.feed_id, count(*)::int AS n FROM unnest(previous_feeds) AS r (feed_id) GROUP BY r.feed_id),
        counted AS (
          SELECT f.id, f.count + coalesce(a.n, 0) - coalesce(r.n, 0) AS count, coalesce(f.max_items, p_default_max_items) AS bound
          FROM ${s}.feeds f LEFT JOIN added a ON a.feed_id = f.id LEFT JOIN replaced r ON r.feed_id = f.id WHERE f.id = ANY(feed_ids)),
        trimmed AS (
          DELETE FROM ${s}.feed_items d WHERE d.ctid = ANY(ARRAY(
            SELECT o.ctid FROM counted c CROSS JOIN LATERAL (
              SELECT ctid FROM ${s}.feed_items WHERE feed_id = c.id ORDER BY time ASC, item_id ASC LIMIT greatest(c.count - c.bound, 0)) o))
          RETURNING d.feed_id, d.item_id, d.time),
        updated AS (
          UPDATE ${s}.feeds f SET count = least(c.count, c.bound), version = f.version + 1 FROM counted c WHERE f.id = c.id
          RETURNING f.id, f.key, f.count, f.version)
        SELECT 't'::"char", t.feed_id, NULL::text, t.item_id, t.time, NULL::text, NULL::int, NULL::bigint FROM trimmed t
        UNION ALL
        SELECT 'f'::"char", u.id, u.key, NULL::text, NULL::float8, NULL::text, u.count, u.version FROM updated u;
    END
    $fn$;`,
];

/** First key of the advisory lock: "plfd", apart from the event store's "plhd". */
const FEED_MIGRATION_LOCK_CLASS = 0x706c6664;

/** Brings the feed tables of `schema` to the latest version; run inside a transaction. */
export async function migratePostgresFeeds(client: PostgresPoolClient, schema: string): Promise<void> {
  await applyPostgresMigrations(client, schema, { table: 'playhead_feed_migrations', lockClass: FEED_MIGRATION_LOCK_CLASS, what: 'feed tables of schema', migrations: MIGRATIONS });
}
