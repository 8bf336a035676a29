/**
 * Every statement of the PostgreSQL store, for one schema. Scans use only the
 * row form `(ts, seq) > ($2, $3)` as the keyset bound: DESIGN measured that
 * PostgreSQL turns it into an index range scan, and scans the whole channel
 * for `ts > $2 OR (ts = $2 AND seq > $3)`.
 */

/** Quotes a name as a PostgreSQL identifier, so any schema name is one name and never SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export type PostgresStatements = ReturnType<typeof postgresStatements>;

/** The statements for tables in `schema` (unquoted), built once per store. */
export function postgresStatements(schema: string) {
  const s = quoteIdentifier(schema);
  const channelId = `(SELECT id FROM ${s}.channels WHERE name = $1)`;
  return Object.freeze({
    /** $1 name. Locks the channel row: appends to one channel take turns, so seqs are contiguous. */
    lockChannel: `SELECT id, last_seq AS "lastSeq" FROM ${s}.channels WHERE name = $1 FOR UPDATE`,
    /** $1 name. Run only when lockChannel found nothing: an INSERT burns a serial value even on conflict. */
    createChannel: `INSERT INTO ${s}.channels (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
    /**
     * $1 channel id, $2 ids of the batch: which are stored. One index probe per
     * id (LIMIT 1 keeps the subquery per id): `id = ANY($2)` was planned as a
     * scan of the whole channel once it held ~10k-300k rows (13 ms per 1,000 ids at 100k, measured).
     */
    storedIds: `SELECT stored.id FROM unnest($2::text[]) AS batch (id)
      CROSS JOIN LATERAL (SELECT id FROM ${s}.events WHERE channel_id = $1 AND id = batch.id LIMIT 1) AS stored`,
    /**
     * The rows of an append, as COPY text (postgres-copy.ts writes them): DESIGN measured
     * COPY ~127k ev/s against ~67k for a multi-row INSERT. The column order is the rows'.
     */
    copyEvents: `COPY ${s}.events (channel_id, seq, ts, id, data) FROM STDIN`,
    /** $1 channel id, then level, granule start and increment arrays (one row per level and granule). */
    addHistogramCounts: `INSERT INTO ${s}.histogram_counts AS h (channel_id, level_ms, granule_start, count)
      SELECT $1, level_ms, granule_start, count FROM unnest($2::int[], $3::bigint[], $4::bigint[]) AS row (level_ms, granule_start, count)
      ON CONFLICT (channel_id, level_ms, granule_start) DO UPDATE SET count = h.count + excluded.count`,
    /** $1 channel id, $2 new last_seq, $3 events added, $4 smallest and $5 largest ts added. */
    updateChannel: `UPDATE ${s}.channels SET last_seq = $2, count = count + $3,
      first_ts = LEAST(first_ts, $4), last_ts = GREATEST(last_ts, $5) WHERE id = $1`,
    /** $1 name, exclusive keyset bound ($2 ts, $3 seq), $4 exclusive end, $5 maxSeq, $6 page size. */
    scanAsc: `SELECT seq, ts, id, data FROM ${s}.events
      WHERE channel_id = ${channelId} AND (ts, seq) > ($2, $3) AND ts < $4 AND seq <= $5
      ORDER BY ts, seq LIMIT $6`,
    /** $1 name, exclusive keyset bound ($2 ts, $3 seq), $4 inclusive start, $5 maxSeq, $6 page size. */
    scanDesc: `SELECT seq, ts, id, data FROM ${s}.events
      WHERE channel_id = ${channelId} AND (ts, seq) < ($2, $3) AND ts >= $4 AND seq <= $5
      ORDER BY ts DESC, seq DESC LIMIT $6`,
    /** $1 name, $2 exclusive seq bound, $3 limit: the primary key (channel_id, seq) in order. */
    readSince: `SELECT seq, ts, id, data FROM ${s}.events WHERE channel_id = ${channelId} AND seq > $2 ORDER BY seq LIMIT $3`,
    /** $1 name, $2 level, granules in [$3, $4). */
    histogramCounts: `SELECT granule_start AS time, count FROM ${s}.histogram_counts
      WHERE channel_id = ${channelId} AND level_ms = $2 AND granule_start >= $3 AND granule_start < $4`,
    /** $1 name, window [$2, $4), $3 bucket width; each row is a bucket's start and count. ts >= $2, so `/` is floor. */
    histogramRaw: `SELECT $2::bigint + (ts - $2::bigint) / $3::bigint * $3::bigint AS time, count(*) AS count FROM ${s}.events
      WHERE channel_id = ${channelId} AND ts >= $2 AND ts < $4 GROUP BY 1`,
    /** Byte order, like the sqlite store, whatever the database's collation. */
    listChannels: `SELECT name, count, first_ts AS "firstTs", last_ts AS "lastTs", last_seq AS "lastSeq"
      FROM ${s}.channels ORDER BY name COLLATE "C"`,
    /** $1 name. */
    getChannel: `SELECT name, count, first_ts AS "firstTs", last_ts AS "lastTs", last_seq AS "lastSeq"
      FROM ${s}.channels WHERE name = $1`,
    ping: 'SELECT 1',
  });
}
