/** Versioned migrations of the SQLite store, applied in order at open. */
import type Database from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE channels (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     last_seq INTEGER NOT NULL DEFAULT 0,
     count INTEGER NOT NULL DEFAULT 0,
     first_ts INTEGER,
     last_ts INTEGER
   );
   CREATE TABLE events (
     channel_id INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     id TEXT,
     data TEXT NOT NULL
   );
   CREATE INDEX events_replay_order ON events (channel_id, ts, seq);
   CREATE UNIQUE INDEX events_seq ON events (channel_id, seq);
   CREATE UNIQUE INDEX events_id ON events (channel_id, id) WHERE id IS NOT NULL;
   CREATE TABLE histogram_counts (
     channel_id INTEGER NOT NULL,
     level_ms INTEGER NOT NULL,
     granule_start INTEGER NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (channel_id, level_ms, granule_start)
   ) WITHOUT ROWID;`,
];

/** Brings the database to the latest schema version in one transaction. */
export function migrateSqlite(database: Database.Database): void {
  applySqliteMigrations(database, 'playhead_migrations', MIGRATIONS);
}

/** Runs the `migrations` after the last one `table` records, in one immediate transaction (the event store's and the feed store's). */
export function applySqliteMigrations(database: Database.Database, table: string, migrations: readonly string[]): void {
  database.exec(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
  const migrate = database.transaction(() => {
    const row = database.prepare(`SELECT max(version) AS version FROM ${table}`).get() as { version: number | null };
    const current = row.version ?? 0;
    migrations.slice(current).forEach((sql, offset) => {
      database.exec(sql);
      database.prepare(`INSERT INTO ${table} (version, applied_at) VALUES (?, ?)`).run(current + offset + 1, Date.now());
    });
  });
  migrate.immediate();
}
