/**
 * Every statement of the SQLite store. Scans use the row-value keyset form
 * `(ts, seq) > (?, ?)` as the only lower (asc) or upper (desc) bound, so a
 * seek is one range scan of events_replay_order: with a separate `ts >= ?`
 * beside it SQLite ranges on `ts` alone and filters every earlier row.
 */

export const SQL = {
  channelByName: 'SELECT id, name, count, first_ts AS firstTs, last_ts AS lastTs, last_seq AS lastSeq FROM channels WHERE name = ?',
  listChannels: 'SELECT name, count, first_ts AS firstTs, last_ts AS lastTs, last_seq AS lastSeq FROM channels ORDER BY name',
  createChannel: 'INSERT INTO channels (name) VALUES (?) ON CONFLICT (name) DO NOTHING',
  /** A duplicate id hits the unique index events_id and is skipped (changes = 0), with no lookup first. */
  insertEvent: 'INSERT INTO events (channel_id, seq, ts, id, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  updateChannel: `UPDATE channels SET last_seq = ?, count = count + ?,
    first_ts = min(coalesce(first_ts, ?), ?), last_ts = max(coalesce(last_ts, ?), ?) WHERE id = ?`,
  addHistogramCount: `INSERT INTO histogram_counts (channel_id, level_ms, granule_start, count) VALUES (?, ?, ?, ?)
    ON CONFLICT (channel_id, level_ms, granule_start) DO UPDATE SET count = count + excluded.count`,
  scanAsc: `SELECT seq, ts, id, data FROM events
    WHERE channel_id = ? AND (ts, seq) > (?, ?) AND ts < ? AND seq <= ?
    ORDER BY ts, seq LIMIT ?`,
  scanDesc: `SELECT seq, ts, id, data FROM events
    WHERE channel_id = ? AND (ts, seq) < (?, ?) AND ts >= ? AND seq <= ?
    ORDER BY ts DESC, seq DESC LIMIT ?`,
  readSince: 'SELECT seq, ts, id, data FROM events WHERE channel_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  histogramCounts: `SELECT granule_start AS time, count FROM histogram_counts
    WHERE channel_id = ? AND level_ms = ? AND granule_start >= ? AND granule_start < ?`,
  // better-sqlite3 binds JS numbers as REAL: cast, or the division is fractional and groups every ts apart.
  histogramRaw: `SELECT CAST(? AS INTEGER) + ((ts - CAST(? AS INTEGER)) / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS time, count(*) AS count
    FROM events WHERE channel_id = ? AND ts >= ? AND ts < ? GROUP BY 1`,
  ping: 'SELECT 1',
} as const;

/**
 * `rows` events in one INSERT, for events without an id (no duplicate is
 * possible, so every row goes in). Only each row's ts and data are bound:
 * the channel and the seq before the first row are the named `@channel`
 * and `@lastSeq`, bound once, because better-sqlite3 reads each bound value
 * with its own property lookup (bench/README.md "The recording worker's cost per update, counted").
 */
export function insertEventsSql(rows: number): string {
  return `INSERT INTO events (channel_id, seq, ts, data) VALUES ${Array.from({ length: rows }, (_, row) => `(@channel, @lastSeq + ${row + 1}, ?, ?)`).join(', ')}`;
}
