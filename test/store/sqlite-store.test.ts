import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { SQL } from '../../src/store/sqlite/sqlite-sql.js';
import { storeSelected } from '../support/services.js';
import { collect, event, runEventStoreConformance } from './conformance.js';

if (storeSelected('sqlite')) {
  runEventStoreConformance({ name: 'sqlite', open: () => openStore('sqlite::memory:') });

  describe('SqliteStore on a file', () => {
    it('keeps events and the schema version across reopen', async (t) => {
      const folder = mkdtempSync(join(tmpdir(), 'playhead-sqlite-'));
      t.after(() => rmSync(folder, { recursive: true, force: true }));
      const url = `sqlite:${join(folder, 'nested', 'p.db')}`;
      const first = await openStore(url);
      await first.append('a', [event(1), event(2)]);
      await first.close();
      const second = await openStore(url);
      t.after(() => second.close());
      assert.equal((await second.getChannel('a'))?.count, 2);
      const versions = new Database(join(folder, 'nested', 'p.db')).prepare('SELECT count(*) AS n FROM playhead_migrations').get();
      assert.deepEqual(versions, { n: 1 });
    });

    it('stores long batches of id-less events (several rows per statement) mixed with ids and duplicates, in order', async (t) => {
      const store = await openStore('sqlite::memory:');
      t.after(() => store.close());
      await store.append('a', [event(1, 0, 'dup')]);
      // 120 id-less, a duplicate, 49 id-less, a new id, 60 id-less: runs longer and shorter than one statement's rows.
      const batch = [
        ...Array.from({ length: 120 }, (_, i) => event(10 + i, i)), event(200, 'dup', 'dup'),
        ...Array.from({ length: 49 }, (_, i) => event(300 + i, 120 + i)), event(400, 'new', 'new'),
        ...Array.from({ length: 60 }, (_, i) => event(500 + i, 169 + i)),
      ];
      const result = await store.append('a', batch);
      assert.deepEqual([result.accepted, result.duplicates, result.firstSeq, result.lastSeq], [230, 1, 2, 231]);
      assert.deepEqual(result.stored.map((e) => e.seq), Array.from({ length: 230 }, (_, i) => i + 2));
      const stored = await collect(store, { channel: 'a', order: 'asc' });
      const expected = [0, ...Array.from({ length: 169 }, (_, i) => i), 'new', ...Array.from({ length: 60 }, (_, i) => 169 + i)];
      assert.deepEqual(stored.map((e) => e.data), expected);
      assert.deepEqual(stored.map((e) => e.seq), Array.from({ length: 231 }, (_, i) => i + 1));
      assert.equal((await store.getChannel('a'))?.count, 231);
    });

    it('groups raw histogram counts by bucket, not by timestamp (white-box: counts alone cannot show it)', () => {
      const database = new Database(':memory:');
      database.exec('CREATE TABLE events (channel_id INTEGER, seq INTEGER, ts INTEGER, id TEXT, data TEXT)');
      const insert = database.prepare('INSERT INTO events VALUES (1, ?, ?, NULL, 0)');
      for (let i = 0; i < 1_000; i += 1) insert.run(i + 1, 5_000 + i);
      const rows = database.prepare(SQL.histogramRaw).all(5_000, 5_000, 100, 100, 1, 5_000, 6_000) as { time: number; count: number }[];
      assert.equal(rows.length, 10);
      assert.deepEqual(rows[1], { time: 5_100, count: 100 });
    });

    it('seeks with a range scan of the replay-order index', () => {
      const database = new Database(':memory:');
      database.exec('CREATE TABLE events (channel_id, seq, ts, id, data); CREATE INDEX events_replay_order ON events (channel_id, ts, seq)');
      const detail = (sql: string) => (database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1, 0, 0, 10, 10, 10) as { detail: string }[])[0]?.detail;
      assert.equal(detail(SQL.scanAsc), 'SEARCH events USING INDEX events_replay_order (channel_id=? AND (ts,seq)>(?,?) AND ts<?)');
      assert.equal(detail(SQL.scanDesc), 'SEARCH events USING INDEX events_replay_order (channel_id=? AND ts>? AND (ts,seq)<(?,?))');
    });
  });
}
