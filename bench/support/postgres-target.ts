/**
 * The PostgreSQL store in a fresh schema made for the run (dropped by
 * `dispose`), and a bare `pg` pool for the raw queries on the same tables.
 */
import pg from 'pg';
import { ManagedStore } from '../../src/store/managed-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import type { BenchTarget, RawSeekResult, SkippedTarget } from './bench-target.js';
import { onCleanup } from './cleanup.js';

export async function openPostgresTarget(connectionString: string): Promise<BenchTarget | SkippedTarget> {
  const pool = new pg.Pool({ connectionString, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // an idle client dropped by the server: the next query reports it
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    return { kind: 'postgres', skipped: `PostgreSQL unreachable at ${redact(connectionString)}: ${describe(error)}` };
  }
  const schema = `playhead_bench_${process.pid}_${Date.now().toString(36)}`;
  const s = quoteIdentifier(schema);
  let store: ManagedStore | undefined;
  const dispose = onCleanup(`drop schema ${schema}`, async () => {
    try {
      await store?.close();
      await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    } finally {
      await pool.end();
    }
  });
  try {
    store = new ManagedStore(await PostgresStore.open({ connectionString, schema }), 'postgres');
  } catch (error) {
    await dispose();
    throw error;
  }
  const seekText = `SELECT seq, ts, id, data FROM ${s}.events WHERE channel_id = $1 AND (ts, seq) > ($2, 0) ORDER BY ts, seq LIMIT $3`;
  const histogramText = `SELECT (ts - $1) / $2 AS bucket, count(*) AS count FROM ${s}.events
    WHERE channel_id = $3 AND ts >= $1 AND ts < $4 GROUP BY 1`;
  return {
    kind: 'postgres',
    store,
    location: `${redact(connectionString)} schema ${schema}`,
    raw: {
      async channelId(name) {
        const { rows } = await pool.query<{ id: number }>(`SELECT id FROM ${s}.channels WHERE name = $1`, [name]);
        if (rows[0] === undefined) throw new Error(`postgres has no channel ${name}`);
        return rows[0].id;
      },
      async seek(id, start, limit, _decode): Promise<RawSeekResult> {
        const { rows } = await pool.query<{ seq: string }>(seekText, [id, start, limit]);
        return { rows: rows.length, firstSeq: rows[0] === undefined ? null : Number(rows[0].seq) };
      },
      async histogram(id, start, end, bucketMs) {
        const { rows } = await pool.query<{ count: string }>(histogramText, [start, bucketMs, id, end]);
        return rows.reduce((sum, row) => sum + Number(row.count), 0);
      },
    },
    async settle() {
      // What autovacuum does to a table after a bulk load, done now so it does not run during the timed reads.
      for (const table of ['events', 'histogram_counts', 'channels']) await pool.query(`VACUUM ANALYZE ${s}.${quoteIdentifier(table)}`);
    },
    dispose,
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'the configured PostgreSQL';
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  const code = 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? code : error.name;
}
