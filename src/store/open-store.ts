/**
 * Turns a store URL into an open, migrated store. Drivers are imported
 * lazily here, so a `sqlite:` user never loads `pg` (STYLE "drivers stay in
 * their folders").
 */
import type { EventStore } from './event-store.js';
import type { FeedStore } from './feed-store.js';
import { ManagedStore } from './managed-store.js';

export const DEFAULT_STORE_URL = 'sqlite:./data/playhead.db';

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

/** `?schema=` is ours, not libpq's: taken off before the driver reads the URL. */
export function splitPostgresUrl(url: string): { readonly connectionString: string; readonly schema: string | undefined } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

export async function openStore(url: string): Promise<EventStore> {
  if (url.startsWith('sqlite:')) {
    const { SqliteStore } = await import('./sqlite/sqlite-store.js');
    return new ManagedStore(SqliteStore.open({ path: url.slice('sqlite:'.length) }), 'sqlite');
  }
  if (isPostgresUrl(url)) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return new ManagedStore(await PostgresStore.open(splitPostgresUrl(url)), 'postgres');
  }
  if (url.startsWith('dynamodb://')) {
    const [{ DynamoDbStore }, { parseDynamoDbUrl }] = await Promise.all([import('./dynamodb/dynamodb-store.js'), import('./dynamodb/dynamodb-config.js')]);
    return new ManagedStore(await DynamoDbStore.open(parseDynamoDbUrl(url)), 'dynamodb');
  }
  throw new Error(`unsupported store URL ${JSON.stringify(url)}: use sqlite:PATH, sqlite::memory:, postgres://user@host:5432/db [?schema=NAME] or dynamodb://REGION (dynamodb://local?endpoint=http://127.0.0.1:8000)`);
}

/**
 * Opens the feed tables beside the event store named by the same URL (the
 * server's `--store`): their own SQLite file next to the events' (see
 * sqlite-feed-file.ts), or the same PostgreSQL database.
 */
export async function openFeedStore(url: string): Promise<FeedStore> {
  if (url.startsWith('sqlite:')) {
    const [{ SqliteFeedStore }, { prepareFeedFile }] = await Promise.all([import('./sqlite/sqlite-feed-store.js'), import('./sqlite/sqlite-feed-file.js')]);
    return SqliteFeedStore.open({ path: prepareFeedFile(url.slice('sqlite:'.length)) });
  }
  if (isPostgresUrl(url)) {
    const { PostgresFeedStore } = await import('./postgres/postgres-feed-store.js');
    return PostgresFeedStore.open(splitPostgresUrl(url));
  }
  throw new Error(`unsupported store URL ${JSON.stringify(url)}: use sqlite:PATH, sqlite::memory: or postgres://user@host:5432/db`);
}
