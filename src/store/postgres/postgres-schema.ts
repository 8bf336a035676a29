/**
 * Versioned migrations of the PostgreSQL store, applied in order at open under
 * an advisory lock, so several nodes starting at once on one database
 * (DESIGN "Multi-node") migrate it once and never race.
 */
import type { PostgresPoolClient } from './postgres-config.js';
import { quoteIdentifier } from './postgres-sql.js';

/** Version n is MIGRATIONS[n - 1]; a released entry never changes, new versions are appended. */
const MIGRATIONS: readonly ((schema: string) => string)[] = [
  // json, not jsonb: it keeps the producer's text (key order, "\u0000" in
  // strings). No foreign key on events.channel_id: its per-row trigger slows
  // ingest, and rows are only written under the channel's lock.
  (s) => `
    CREATE TABLE ${s}.channels (
      id serial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      last_seq bigint NOT NULL DEFAULT 0,
      count bigint NOT NULL DEFAULT 0,
      first_ts bigint,
      last_ts bigint
    );
    CREATE TABLE ${s}.events (
      channel_id int NOT NULL,
      seq bigint NOT NULL,
      ts bigint NOT NULL,
      id text,
      data json NOT NULL,
      PRIMARY KEY (channel_id, seq)
    );
    CREATE INDEX events_replay_order ON ${s}.events (channel_id, ts, seq);
    CREATE UNIQUE INDEX events_id ON ${s}.events (channel_id, id) WHERE id IS NOT NULL;
    CREATE TABLE ${s}.histogram_counts (
      channel_id int NOT NULL,
      level_ms int NOT NULL,
      granule_start bigint NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (channel_id, level_ms, granule_start)
    );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** First key of the two-key advisory lock: "plhd", so it stays apart from other applications' locks. */
const MIGRATION_LOCK_CLASS = 0x706c6864;

/**
 * Brings `schema` to SCHEMA_VERSION. The caller runs this inside a
 * transaction: the lock is held until it ends, and a failed migration leaves
 * nothing behind.
 */
export async function migratePostgres(client: PostgresPoolClient, schema: string): Promise<void> {
  await applyPostgresMigrations(client, schema, { table: 'playhead_migrations', lockClass: MIGRATION_LOCK_CLASS, what: 'schema', migrations: MIGRATIONS });
}

/** Runs the `migrations` after the last one `table` records, under the advisory lock of `lockClass` (the event store's and the feed store's). */
export async function applyPostgresMigrations(
  client: PostgresPoolClient,
  schema: string,
  plan: { readonly table: string; readonly lockClass: number; readonly what: string; readonly migrations: readonly ((schema: string) => string)[] },
): Promise<void> {
  const s = quoteIdentifier(schema);
  // The lock comes before CREATE SCHEMA: two IF NOT EXISTS creations running
  // at once can still both try to insert the name and one fails.
  await client.query({ text: 'SELECT pg_advisory_xact_lock($1::int, hashtext($2))', values: [plan.lockClass, schema] });
  await client.query({
    text: `CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.${plan.table} (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
  });
  const { rows } = await client.query({ text: `SELECT coalesce(max(version), 0)::int AS version FROM ${s}.${plan.table}` });
  // The statement selects exactly one row with one int column.
  const current = (rows[0] as { readonly version: number }).version;
  if (current > plan.migrations.length) {
    throw new Error(`${plan.what} ${s} is at version ${current}, newer than this Playhead's ${plan.migrations.length}: upgrade Playhead`);
  }
  for (const [offset, migration] of plan.migrations.slice(current).entries()) {
    await client.query({ text: migration(s) });
    await client.query({ text: `INSERT INTO ${s}.${plan.table} (version) VALUES ($1)`, values: [current + offset + 1] });
  }
}
