/**
 * The naive peer on PostgreSQL (pg): the events in one table of a schema
 * made for the run (dropped at the end), data as jsonb, no index but the
 * key. `user` ties sort by COLLATE "C" (code-point order), as the reference does.
 */
import pg from 'pg';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { onCleanup } from '../support/cleanup.js';
import type { NaivePeer } from './naive-peer.js';
import type { TopEditorRow } from './top-editors.js';

export type PeerOrSkip = { readonly peer: NaivePeer } | { readonly skipped: string };

export async function openPostgresPeer(connectionString: string): Promise<PeerOrSkip> {
  const pool = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // an idle client dropped by the server: the next query reports it
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    return { skipped: `PostgreSQL unreachable at ${connectionString.replace(/:[^:@/]*@/, ':***@')}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const schema = quoteIdentifier(`playhead_bench_views_${process.pid}_${Date.now().toString(36)}`);
  const dispose = onCleanup(`drop schema ${schema}`, async () => {
    try {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await pool.end();
    }
  });
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${schema}.events (seq bigserial PRIMARY KEY, ts bigint NOT NULL, id text, data jsonb NOT NULL)`);
  // One JSON array per batch, built by concatenation: pg's escaping of a text[] of ~1 KB documents costs more than the insert.
  const insertText = `INSERT INTO ${schema}.events (ts, id, data)
    SELECT (e->>0)::bigint, e->>1, e->2 FROM jsonb_array_elements($1::jsonb) AS e`;
  const queryText = `SELECT data->>'user' AS "user", count(*)::int AS edits FROM ${schema}.events
    WHERE data->'bot' = 'false'::jsonb GROUP BY 1 ORDER BY 2 DESC, (data->>'user') COLLATE "C" LIMIT 10`;
  return {
    peer: {
      name: 'postgres_group_by',
      async insert(batch) {
        const rows = batch.dataJson.map((data, index) => `[${batch.ts[index] as number},${JSON.stringify(batch.ids[index])},${data}]`);
        await pool.query(insertText, [`[${rows.join(',')}]`]);
      },
      async query() {
        return (await pool.query<TopEditorRow>(queryText)).rows;
      },
      close: dispose,
    },
  };
}
