/**
 * The naive peer on SQLite (better-sqlite3): the events in one table on a
 * file in a fresh temp folder (WAL, synchronous=FULL, as the store is
 * served), data as JSON text read with json_extract, no index but the key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { onCleanup } from '../support/cleanup.js';
import type { NaivePeer, PeerBatch } from './naive-peer.js';
import type { TopEditorRow } from './top-editors.js';

export const SQLITE_TOP_EDITORS = `SELECT json_extract(data, '$.user') AS user, count(*) AS edits FROM events
  WHERE json_extract(data, '$.bot') = false GROUP BY json_extract(data, '$.user') ORDER BY edits DESC, user LIMIT 10`;

export function openSqlitePeer(): NaivePeer {
  const directory = mkdtempSync(join(tmpdir(), 'playhead-bench-views-sqlite-'));
  const removeDirectory = onCleanup(`remove ${directory}`, () => rmSync(directory, { recursive: true, force: true }));
  const database = new Database(join(directory, 'peer.db'));
  const closeDatabase = onCleanup('close the sqlite peer', () => {
    database.close();
  });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, id TEXT, data TEXT NOT NULL)');
  const insert = database.prepare<[number, string | null, string]>('INSERT INTO events (ts, id, data) VALUES (?, ?, ?)');
  const insertBatch = database.transaction((batch: PeerBatch) => {
    for (let index = 0; index < batch.ts.length; index += 1) insert.run(batch.ts[index] as number, batch.ids[index] as string | null, batch.dataJson[index] as string);
  });
  const query = database.prepare<[], TopEditorRow>(SQLITE_TOP_EDITORS);
  return {
    name: 'sqlite_group_by',
    async insert(batch) {
      insertBatch(batch);
    },
    async query() {
      return query.all();
    },
    async close() {
      await closeDatabase();
      await removeDirectory();
    },
  };
}
