/** Feeds in their own SQLite file beside the events': small pages, and feed tables moved out of an older events file. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openFeedStore } from '../../src/store/open-store.js';
import { feedFilePath, prepareFeedFile } from '../../src/store/sqlite/sqlite-feed-file.js';
import { FEED_PAGE_SIZE } from '../../src/store/sqlite/sqlite-feed-schema.js';
import { SqliteFeedStore } from '../../src/store/sqlite/sqlite-feed-store.js';

const folder = mkdtempSync(join(tmpdir(), 'playhead-feed-file-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const options = { defaultMaxItems: 100 };

function tables(path: string): string[] {
  const database = new Database(path, { readonly: true });
  try {
    return (database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
  } finally {
    database.close();
  }
}

/** An events file as earlier versions left it: the feed tables inside, at SQLite's page size. */
async function eventsFileWithFeeds(name: string): Promise<string> {
  const path = join(folder, name);
  new Database(path).exec('CREATE TABLE events (seq INTEGER PRIMARY KEY)').close();
  const store = SqliteFeedStore.open({ path, pageSize: 4096 });
  await store.write([{ kind: 'add', key: 'user:ada', items: [{ id: 'a', time: 1, dataJson: null }, { id: 'b', time: 2, dataJson: '{"x":1}' }] }], {
    ...options, checkpoint: { rule: 'r1', seq: 42 },
  });
  await store.write([{ kind: 'configure', key: 'user:ada', maxItems: 5 }], options);
  await store.close();
  return path;
}

describe('the SQLite feed file', () => {
  it('sits beside the events file, named after it', () => {
    assert.equal(feedFilePath('/data/playhead.db'), '/data/playhead.feeds.db');
    assert.equal(feedFilePath('/data/events'), '/data/events.feeds');
    assert.equal(prepareFeedFile(':memory:'), ':memory:');
  });

  it('is created with small pages, which an add rewrites fewer bytes of', async () => {
    const path = join(folder, 'fresh.db');
    new Database(path).exec('CREATE TABLE events (seq INTEGER PRIMARY KEY)').close();
    const store = await openFeedStore(`sqlite:${path}`);
    await store.write([{ kind: 'add', key: 'k', items: [{ id: '1', time: 1, dataJson: null }] }], options);
    await store.close();
    const feeds = new Database(feedFilePath(path), { readonly: true });
    assert.equal(feeds.pragma('page_size', { simple: true }), FEED_PAGE_SIZE);
    feeds.close();
    assert.deepEqual(tables(path), ['events'], 'the events file gets no feed table');
  });

  it('takes the feeds, their bounds and rule positions out of an older events file, and leaves the events', async () => {
    const eventsPath = await eventsFileWithFeeds('old.db');
    // A move that died before its rename left this behind; it must not be taken for the result.
    writeFileSync(`${feedFilePath(eventsPath)}.moving`, 'half a file');
    const store = SqliteFeedStore.open({ path: prepareFeedFile(eventsPath) });
    try {
      assert.deepEqual(await store.read('user:ada', { limit: 10 }), {
        items: [{ id: 'b', time: 2, data: { x: 1 } }, { id: 'a', time: 1 }], version: 2, count: 2, maxItems: 5,
      });
      assert.equal(await store.rulePosition('r1'), 42);
    } finally {
      await store.close();
    }
    assert.deepEqual(tables(eventsPath), ['events']);
    assert.equal(existsSync(`${feedFilePath(eventsPath)}.moving`), false);
    assert.equal(prepareFeedFile(eventsPath), feedFilePath(eventsPath), 'a second open finds nothing left to move');
  });

  it('finishes a move that stopped after its rename: the feed file wins and the old tables go', async () => {
    const eventsPath = await eventsFileWithFeeds('renamed.db');
    const moved = SqliteFeedStore.open({ path: feedFilePath(eventsPath) });
    await moved.write([{ kind: 'add', key: 'user:ada', items: [{ id: 'moved', time: 9, dataJson: null }] }], options);
    await moved.close();
    const store = SqliteFeedStore.open({ path: prepareFeedFile(eventsPath) });
    try {
      assert.deepEqual((await store.read('user:ada', { limit: 10 })).items.map((item) => item.id), ['moved']);
    } finally {
      await store.close();
    }
    assert.deepEqual(tables(eventsPath), ['events']);
  });
});
