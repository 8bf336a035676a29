/** The SQLite store on a temp file (durable settings, as served), and a second better-sqlite3 connection for the raw queries. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManagedStore } from '../../src/store/managed-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { BenchTarget, RawSeekResult } from './bench-target.js';
import { onCleanup } from './cleanup.js';

interface SeekRow {
  readonly seq: number;
  readonly data: string;
}

export function openSqliteTarget(): BenchTarget {
  const directory = mkdtempSync(join(tmpdir(), 'playhead-bench-'));
  const path = join(directory, 'store.db');
  const removeDirectory = onCleanup(`remove ${directory}`, () => rmSync(directory, { recursive: true, force: true }));
  const store = new ManagedStore(SqliteStore.open({ path }), 'sqlite');
  const closeStore = onCleanup('close the sqlite store', () => store.close());
  const database = new Database(path);
  const closeDatabase = onCleanup('close the raw sqlite connection', () => {
    database.close();
  });
  const dispose = async () => {
    await closeDatabase();
    await closeStore();
    await removeDirectory();
  };
  const seek = database.prepare<[number, number, number], SeekRow>(
    'SELECT seq, ts, id, data FROM events WHERE channel_id = ? AND (ts, seq) > (?, 0) ORDER BY ts, seq LIMIT ?',
  );
  // better-sqlite3 binds every JS number as REAL: without the casts `/` divides
  // as floats and GROUP BY makes one group per distinct ts.
  const histogram = database.prepare<[number, number, number, number, number], { count: number }>(
    `SELECT (ts - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS bucket, count(*) AS count FROM events
     WHERE channel_id = ? AND ts >= ? AND ts < ? GROUP BY 1`,
  );
  const channelId = database.prepare<[string], { id: number }>('SELECT id FROM channels WHERE name = ?');
  return {
    kind: 'sqlite',
    store,
    location: path,
    raw: {
      async channelId(name) {
        const row = channelId.get(name);
        if (row === undefined) throw new Error(`sqlite has no channel ${name}`);
        return row.id;
      },
      async seek(id, start, limit, decode): Promise<RawSeekResult> {
        const rows = seek.all(id, start, limit);
        if (decode) for (const row of rows) JSON.parse(row.data);
        return { rows: rows.length, firstSeq: rows[0]?.seq ?? null };
      },
      async histogram(id, start, end, bucketMs) {
        return histogram.all(start, bucketMs, id, start, end).reduce((sum, row) => sum + row.count, 0);
      },
    },
    async settle() {
      // Nothing: the store never runs ANALYZE itself, so a served file has no statistics either.
    },
    dispose,
  };
}
