/**
 * Versioned migrations of the feed tables in a SQLite file, kept in their own
 * version table so they never collide with the event store's migrations.
 */
import type Database from 'better-sqlite3';
import { applySqliteMigrations } from './sqlite-schema.js';

/**
 * Feeds take random small writes: an add rewrites the pages that hold its
 * feed's newest and oldest items, its id index entries and its feed row, and
 * every such page goes to the WAL whole at each commit (and again to the file
 * at the checkpoint). 1 KiB pages write ~3.5 KB per add where SQLite's 4 KiB
 * wrote ~8.8 KB (bench/README.md, feeds), so feeds live in their own file.
 */
export const FEED_PAGE_SIZE = 1024;

const MIGRATIONS: readonly string[] = [
  // max_items NULL: the server default applies. Ids compare by bytes (BINARY), as the order promises.
  `CREATE TABLE feeds (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     max_items INTEGER,
     count INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE feed_items (
     feed_id INTEGER NOT NULL,
     item_id TEXT NOT NULL,
     time REAL NOT NULL,
     data TEXT,
     PRIMARY KEY (feed_id, item_id)
   ) WITHOUT ROWID;
   CREATE INDEX feed_items_order ON feed_items (feed_id, time, item_id);
   CREATE TABLE feed_rule_positions (
     rule TEXT PRIMARY KEY,
     seq INTEGER NOT NULL
   );`,
  // Items clustered in feed order, data inline: a page is one range scan with no lookup per row (it was
  // ~4 us a row through the old index), and the oldest items to trim are the range's first rows.
  // Lookups by id go through the unique index, which holds the order key too.
  `CREATE TABLE feed_items_ordered (
     feed_id INTEGER NOT NULL,
     time REAL NOT NULL,
     item_id TEXT NOT NULL,
     data TEXT,
     PRIMARY KEY (feed_id, time, item_id)
   ) WITHOUT ROWID;
   INSERT INTO feed_items_ordered (feed_id, time, item_id, data) SELECT feed_id, time, item_id, data FROM feed_items;
   DROP TABLE feed_items;
   ALTER TABLE feed_items_ordered RENAME TO feed_items;
   CREATE UNIQUE INDEX feed_items_id ON feed_items (feed_id, item_id);`,
];

/** Brings the feed tables to the latest version in one transaction. */
export function migrateSqliteFeeds(database: Database.Database): void {
  applySqliteMigrations(database, 'playhead_feed_migrations', MIGRATIONS);
}
