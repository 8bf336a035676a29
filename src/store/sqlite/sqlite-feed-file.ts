/**
 * Where the feeds of a SQLite event store live: their own file beside the
 * events' (`playhead.db` -> `playhead.feeds.db`), created with small pages
 * (FEED_PAGE_SIZE). A file written before feeds moved out holds the feed
 * tables itself; the first open moves them.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { extname } from 'node:path';
import Database from 'better-sqlite3';
import { FEED_PAGE_SIZE, migrateSqliteFeeds } from './sqlite-feed-schema.js';

/** The tables the feed store owns, its migration table last. */
const FEED_TABLES = ['feeds', 'feed_items', 'feed_rule_positions', 'playhead_feed_migrations'] as const;

export function feedFilePath(eventsPath: string): string {
  const extension = extname(eventsPath);
  return `${eventsPath.slice(0, eventsPath.length - extension.length)}.feeds${extension}`;
}

/** The path to open the feed store of `eventsPath` with, after moving feed tables out of it if it still has them. */
export function prepareFeedFile(eventsPath: string): string {
  if (eventsPath === ':memory:' || eventsPath === '') return eventsPath;
  const feedsPath = feedFilePath(eventsPath);
  if (existsSync(eventsPath)) moveFeedTablesOut(eventsPath, feedsPath);
  return feedsPath;
}

/**
 * Copies the feed tables into a new file, renames it into place (the move's
 * commit point: a crash before it leaves the old tables authoritative), then
 * drops them from the events file.
 */
function moveFeedTablesOut(eventsPath: string, feedsPath: string): void {
  const events = new Database(eventsPath);
  try {
    const hasFeeds = events.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'playhead_feed_migrations'").get() !== undefined;
    if (!hasFeeds) return;
    if (!existsSync(feedsPath)) copyFeedTables(events, feedsPath);
    events.transaction(() => {
      for (const table of FEED_TABLES) events.exec(`DROP TABLE IF EXISTS ${table}`);
    }).immediate();
  } finally {
    events.close();
  }
}

function copyFeedTables(events: Database.Database, feedsPath: string): void {
  const movingPath = `${feedsPath}.moving`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${movingPath}${suffix}`, { force: true });
  // Both at the latest schema, so the tables copy column for column.
  migrateSqliteFeeds(events);
  const moving = new Database(movingPath);
  moving.pragma(`page_size = ${FEED_PAGE_SIZE}`);
  migrateSqliteFeeds(moving);
  moving.close();
  events.prepare('ATTACH DATABASE ? AS moving').run(movingPath);
  try {
    events.transaction(() => {
      for (const table of FEED_TABLES) {
        events.exec(`DELETE FROM moving.${table}; INSERT INTO moving.${table} SELECT * FROM main.${table}`);
      }
    })();
  } finally {
    events.exec('DETACH DATABASE moving');
  }
  renameSync(movingPath, feedsPath);
}
