/**
 * Every statement of the PostgreSQL feed store, for one schema. Pages use the
 * row form `(time, item_id) < ($2, $3)`, an index range scan (DESIGN).
 */
import { quoteIdentifier } from './postgres-sql.js';

export type PostgresFeedStatements = ReturnType<typeof postgresFeedStatements>;

export function postgresFeedStatements(schema: string) {
  const s = quoteIdentifier(schema);
  const item = 'item_id AS id, time, data AS "dataJson"';
  return Object.freeze({
    /**
     * $1 keys, $2 each item's key (1-based into $1), $3 ids, $4 times, $5
     * data ((key, id) pairs unique), $6 the default bound: a whole group of
     * adds in one round trip (migration 2). Rows: 'p' an item it replaced,
     * 't' one it trimmed, 'f' a feed's count and version after.
     */
    addItems: `SELECT kind, feed_id AS "feedId", feed_key AS key, item_id AS id, item_time AS time, item_data AS "dataJson",
      item_count AS count, feed_version AS version FROM ${s}.playhead_feed_add($1::text[], $2::int[], $3::text[], $4::float8[], $5::text[], $6::int)`,
    /** $1 feed id, $2 max_items, $3 count, $4 version. */
    updateFeed: `UPDATE ${s}.feeds SET max_items = $2, count = $3, version = $4 WHERE id = $1`,
    /** $1 feed id, $2 ids: the rows an upsert will replace. */
    itemsByIds: `SELECT ${item} FROM ${s}.feed_items WHERE feed_id = $1 AND item_id = ANY($2::text[])`,
    /** $1 feed id, then id, time and data arrays (ids unique within the batch). */
    upsertItems: `INSERT INTO ${s}.feed_items (feed_id, item_id, time, data)
      SELECT $1, id, time, data FROM unnest($2::text[], $3::float8[], $4::text[]) AS batch (id, time, data)
      ON CONFLICT (feed_id, item_id) DO UPDATE SET time = excluded.time, data = excluded.data`,
    /** $1 feed id, $2 ids. */
    deleteItems: `DELETE FROM ${s}.feed_items WHERE feed_id = $1 AND item_id = ANY($2::text[]) RETURNING ${item}`,
    /**
     * $1 feed id, $2 how many: the oldest go, by row address (ctid, a TID
     * scan). The rows' data is not read back: a removal carries its position only.
     */
    trimOldest: `DELETE FROM ${s}.feed_items WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM ${s}.feed_items WHERE feed_id = $1 ORDER BY time ASC, item_id ASC LIMIT $2)) RETURNING item_id AS id, time, NULL AS "dataJson"`,
    /** $1 feed id. */
    deleteAll: `DELETE FROM ${s}.feed_items WHERE feed_id = $1 RETURNING ${item}`,
    /**
     * $1 key, $2/$3 before (time, id), $4/$5 after, $6 limit. One statement, so
     * the version and the page come from one snapshot; a feed with no items
     * still gives one row (LEFT JOIN) carrying its version.
     */
    page: `SELECT f.version, f.count, f.max_items AS "maxItems", i.id, i.time, i."dataJson"
      FROM ${s}.feeds f LEFT JOIN LATERAL (
        SELECT ${item} FROM ${s}.feed_items
        WHERE feed_id = f.id AND (time, item_id) < ($2::float8, $3::text) AND (time, item_id) > ($4::float8, $5::text)
        ORDER BY time DESC, item_id DESC LIMIT $6) i ON true
      WHERE f.key = $1`,
    /**
     * $1 keys, sorted. Creates the feeds that are missing and locks every row
     * until commit, all in key order in one statement, so writers that share
     * feeds never deadlock (a lock-then-create in two steps did, under test).
     */
    lockFeeds: `INSERT INTO ${s}.feeds AS f (key) SELECT key FROM unnest($1::text[]) AS batch (key) ORDER BY key
      ON CONFLICT (key) DO UPDATE SET key = f.key
      RETURNING id AS "feedId", key, max_items AS "maxItems", count, version`,
    /** $1 feed ids, $2 bounds (null: the default), $3 counts, $4 versions. */
    updateFeedsFull: `UPDATE ${s}.feeds f SET max_items = u.max_items, count = u.count, version = u.version
      FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[]) AS u (id, max_items, count, version) WHERE f.id = u.id`,
    rulePosition: `SELECT seq FROM ${s}.feed_rule_positions WHERE rule = $1`,
    setRulePosition: `INSERT INTO ${s}.feed_rule_positions (rule, seq) VALUES ($1, $2) ON CONFLICT (rule) DO UPDATE SET seq = excluded.seq`,
    forgetRule: `DELETE FROM ${s}.feed_rule_positions WHERE rule = $1`,
  });
}
