import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { SQL } from '../../src/store/sqlite/sqlite-sql.js';
import { storeSelected } from '../support/services.js';
import { event, runEventStoreConformance } from './conformance.js';

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

    it('seeks with a range scan of the replay-order index', () => {
      const database = new Database(':memory:');
      database.exec('CREATE TABLE events (channel_id, seq, ts, id, data); CREATE INDEX events_replay_order ON events (channel_id, ts, seq)');
      const detail = (sql: string) => (database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1, 0, 0, 10, 10, 10) as { detail: string }[])[0]?.detail;
      assert.equal(detail(SQL.scanAsc), 'SEARCH events USING INDEX events_replay_order (channel_id=? AND (ts,seq)>(?,?) AND ts<?)');
      assert.equal(detail(SQL.scanDesc), 'SEARCH events USING INDEX events_replay_order (channel_id=? AND ts>? AND (ts,seq)<(?,?))');
    });
  });
}
