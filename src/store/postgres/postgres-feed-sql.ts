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
    /** $1 feed ids, $2 item ids (pairs): the rows an upsert of several feeds will replace. */
    itemsByPairs: `SELECT i.feed_id AS "feedId", i.item_id AS id, i.time, i.data AS "dataJson" FROM unnest($1::bigint[], $2::text[]) AS b (feed_id, item_id)
      JOIN ${s}.feed_items i ON i.feed_id = b.feed_id AND i.item_id = b.item_id`,
    /** feed id, item id, time and data arrays; (feed, id) pairs unique. */
    upsertPairs: `INSERT INTO ${s}.feed_items (feed_id, item_id, time, data)
      SELECT * FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[])
      ON CONFLICT (feed_id, item_id) DO UPDATE SET time = excluded.time, data = excluded.data`,
    /**
     * $1 feed ids, $2 how many of each go: the oldest, by row address (ctid).
     * A join on (feed_id, item_id) planned a hash join over each feed's rows:
     * 60-98 ms for 100 feeds here, against ~7 ms for this TID scan. The rows
     * cannot move meanwhile: their feeds are locked (lockFeeds).
     */
    trimFeeds: `DELETE FROM ${s}.feed_items d WHERE d.ctid = ANY(ARRAY(
        SELECT o.ctid FROM unnest($1::bigint[], $2::int[]) AS t (feed_id, excess)
        CROSS JOIN LATERAL (SELECT ctid FROM ${s}.feed_items WHERE feed_id = t.feed_id ORDER BY time ASC, item_id ASC LIMIT t.excess) o))
      RETURNING d.feed_id AS "feedId", d.item_id AS id, d.time`,
    /** $1 feed ids, $2 bounds (null: the default), $3 counts, $4 versions. */
    updateFeedsFull: `UPDATE ${s}.feeds f SET max_items = u.max_items, count = u.count, version = u.version
      FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[]) AS u (id, max_items, count, version) WHERE f.id = u.id`,
    /** $1 feed ids, $2 counts, $3 versions. */
    updateFeeds: `UPDATE ${s}.feeds f SET count = u.count, version = u.version
      FROM unnest($1::bigint[], $2::int[], $3::bigint[]) AS u (id, count, version) WHERE f.id = u.id`,
    rulePosition: `SELECT seq FROM ${s}.feed_rule_positions WHERE rule = $1`,
    setRulePosition: `INSERT INTO ${s}.feed_rule_positions (rule, seq) VALUES ($1, $2) ON CONFLICT (rule) DO UPDATE SET seq = excluded.seq`,
    forgetRule: `DELETE FROM ${s}.feed_rule_positions WHERE rule = $1`,
  });
}
