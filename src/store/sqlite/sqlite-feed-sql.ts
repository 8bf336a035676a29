/**
 * Every statement of the SQLite feed store. Pages use the row-value bound
 * `(time, item_id) < (?, ?)`, one range scan of the (feed_id, time, item_id) index.
 */

export const FEED_SQL = Object.freeze({
  createFeed: 'INSERT INTO feeds (key) VALUES (?) ON CONFLICT (key) DO NOTHING',
  feedByKey: 'SELECT id AS feedId, max_items AS maxItems, count, version FROM feeds WHERE key = ?',
  updateFeed: 'UPDATE feeds SET max_items = ?, count = ?, version = ? WHERE id = ?',
  itemById: 'SELECT item_id AS id, time, data AS dataJson FROM feed_items WHERE feed_id = ? AND item_id = ?',
  upsertItem: `INSERT INTO feed_items (feed_id, item_id, time, data) VALUES (?, ?, ?, ?)
    ON CONFLICT (feed_id, item_id) DO UPDATE SET time = excluded.time, data = excluded.data`,
  deleteItem: 'DELETE FROM feed_items WHERE feed_id = ? AND item_id = ? RETURNING item_id AS id, time, data AS dataJson',
  oldestItems: 'SELECT item_id AS id, time, data AS dataJson FROM feed_items WHERE feed_id = ? ORDER BY time ASC, item_id ASC LIMIT ?',
  deleteAll: 'DELETE FROM feed_items WHERE feed_id = ? RETURNING item_id AS id, time, data AS dataJson',
  page: `SELECT item_id AS id, time, data AS dataJson FROM feed_items
    WHERE feed_id = ? AND (time, item_id) < (?, ?) AND (time, item_id) > (?, ?)
    ORDER BY time DESC, item_id DESC LIMIT ?`,
  rulePosition: 'SELECT seq FROM feed_rule_positions WHERE rule = ?',
  setRulePosition: 'INSERT INTO feed_rule_positions (rule, seq) VALUES (?, ?) ON CONFLICT (rule) DO UPDATE SET seq = excluded.seq',
  forgetRule: 'DELETE FROM feed_rule_positions WHERE rule = ?',
});
