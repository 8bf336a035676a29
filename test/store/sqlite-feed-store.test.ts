/** The SQLite feed store: the feed conformance suite, with eight connections to one file for the concurrency case. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteFeedStore } from '../../src/store/sqlite/sqlite-feed-store.js';
import { runFeedStoreConformance } from './feed-conformance.js';

const folder = mkdtempSync(join(tmpdir(), 'playhead-feeds-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;
const paths = new WeakMap<object, string>();

runFeedStoreConformance({
  name: 'sqlite',
  numRuns: 100,
  open: async () => {
    const path = join(folder, `feeds-${(files += 1)}.db`);
    const store = SqliteFeedStore.open({ path });
    paths.set(store, path);
    return store;
  },
  openPeer: async (first) => SqliteFeedStore.open({ path: paths.get(first) as string }),
});

// In memory (or on a caller's connection) writes commit on the calling thread: the same contract.
runFeedStoreConformance({
  name: 'sqlite in memory, writes on the calling thread',
  numRuns: 50,
  open: async () => SqliteFeedStore.open({ path: ':memory:' }),
});

describe('SqliteFeedStore migrations', () => {
  it('keeps the items of a file written by the first schema (items keyed by id, then an order index)', async () => {
    const path = join(folder, 'feeds-v1.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE playhead_feed_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
      INSERT INTO playhead_feed_migrations VALUES (1, 0);
      CREATE TABLE feeds (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, max_items INTEGER, count INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE feed_items (feed_id INTEGER NOT NULL, item_id TEXT NOT NULL, time REAL NOT NULL, data TEXT, PRIMARY KEY (feed_id, item_id)) WITHOUT ROWID;
      CREATE INDEX feed_items_order ON feed_items (feed_id, time, item_id);
      CREATE TABLE feed_rule_positions (rule TEXT PRIMARY KEY, seq INTEGER NOT NULL);
      INSERT INTO feeds (id, key, max_items, count, version) VALUES (1, 'k', 2, 2, 7);
      INSERT INTO feed_items VALUES (1, 'a', 1, NULL), (1, 'b', 2, '{"x":1}');`);
    old.close();
    const store = SqliteFeedStore.open({ path });
    try {
      assert.deepEqual(await store.read('k', { limit: 10 }), { items: [{ id: 'b', time: 2, data: { x: 1 } }, { id: 'a', time: 1 }], version: 7, count: 2, maxItems: 2 });
      const [change] = await store.write([{ kind: 'add', key: 'k', items: [{ id: 'c', time: 3, dataJson: null }] }], { defaultMaxItems: 5 });
      assert.deepEqual(change?.removed, [{ id: 'a', time: 1 }]);
      assert.deepEqual((await store.read('k', { limit: 10 })).items.map((item) => item.id), ['c', 'b']);
    } finally {
      await store.close();
    }
  });
});

// Two stores on one caller's connection: neither may trust what it remembers of a feed row.
const shared = new WeakMap<object, Database.Database>();
runFeedStoreConformance({
  name: "sqlite on a caller's connection, shared by two stores",
  numRuns: 20,
  open: async () => {
    const database = new Database(':memory:');
    const store = SqliteFeedStore.open({ database });
    shared.set(store, database);
    const close = store.close.bind(store);
    return Object.assign(store, { close: async () => {
      await close();
      database.close();
    } });
  },
  openPeer: async (first) => SqliteFeedStore.open({ database: shared.get(first) as Database.Database }),
});
