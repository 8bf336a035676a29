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
    /**
     * $1 feed ids, then item id, time and data arrays ((feed, id) pairs
     * unique): upserts, and answers the rows it replaced. Every part of one
     * statement reads the same snapshot, so `previous` sees the items before
     * the upsert: one round trip instead of two.
     */
    upsertPairsReturningPrevious: `WITH batch AS (
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[]) AS b (feed_id, item_id, time, data)),
      previous AS (
        SELECT i.feed_id, i.item_id, i.time, i.data FROM batch b JOIN ${s}.feed_items i ON i.feed_id = b.feed_id AND i.item_id = b.item_id),
      upsert AS (
        INSERT INTO ${s}.feed_items (feed_id, item_id, time, data) SELECT feed_id, item_id, time, data FROM batch
        ON CONFLICT (feed_id, item_id) DO UPDATE SET time = excluded.time, data = excluded.data)
      SELECT feed_id AS "feedId", item_id AS id, time, data AS "dataJson" FROM previous`,
    /**
     * $1 feed ids, $2 how many of each go (the oldest); $3 feed ids, $4
     * counts, $5 versions: trims and writes the feed rows in one round trip,
     * answering the trimmed positions. The oldest go by row address (ctid, a
     * TID scan): a join on (feed_id, item_id) was planned as a hash join over
     * each feed's rows (60-98 ms for 100 feeds here, ~7 ms this way). The rows
     * cannot move meanwhile: their feeds are locked (lockFeeds).
     */
    trimAndUpdateFeeds: `WITH trimmed AS (
        DELETE FROM ${s}.feed_items d WHERE d.ctid = ANY(ARRAY(
          SELECT o.ctid FROM unnest($1::bigint[], $2::int[]) AS t (feed_id, excess)
          CROSS JOIN LATERAL (SELECT ctid FROM ${s}.feed_items WHERE feed_id = t.feed_id ORDER BY time ASC, item_id ASC LIMIT t.excess) o))
        RETURNING d.feed_id, d.item_id, d.time),
      updated AS (
        UPDATE ${s}.feeds f SET count = u.count, version = u.version
        FROM unnest($3::bigint[], $4::int[], $5::bigint[]) AS u (id, count, version) WHERE f.id = u.id)
      SELECT feed_id AS "feedId", item_id AS id, time FROM trimmed`,
    /** $1 feed ids, $2 bounds (null: the default), $3 counts, $4 versions. */
    updateFeedsFull: `UPDATE ${s}.feeds f SET max_items = u.max_items, count = u.count, version = u.version
      FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[]) AS u (id, max_items, count, version) WHERE f.id = u.id`,
    rulePosition: `SELECT seq FROM ${s}.feed_rule_positions WHERE rule = $1`,
    setRulePosition: `INSERT INTO ${s}.feed_rule_positions (rule, seq) VALUES ($1, $2) ON CONFLICT (rule) DO UPDATE SET seq = excluded.seq`,
    forgetRule: `DELETE FROM ${s}.feed_rule_positions WHERE rule = $1`,
  });
}
