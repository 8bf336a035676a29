/**
 * The reader half of the EventStore conformance suite, run against table
 * sources: PostgreSQL (timestamptz, timestamp, epoch ms and us columns, each in
 * a fresh schema) and SQLite (ISO text and epoch ms). Skips name their reason.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { formatTime } from '../../../src/core/time.js';
import { openSource } from '../../../src/store/sources/open-source.js';
import { parseSourceUrl } from '../../../src/store/sources/parse-source-url.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../../support/services.js';
import { runEventStoreConformance } from '../conformance.js';
import { FIXTURE_SOURCE, SOURCE_SKIPS, sourceAsStore } from './source-fixture.js';

const skip = await serviceSkip('PostgreSQL', POSTGRES_TEST_URL);

const PG_TIME_TYPES = {
  timestamptz: { type: 'timestamptz', value: (ts: number) => formatTime(ts) },
  timestamp: { type: 'timestamp', value: (ts: number) => formatTime(ts).slice(0, -1) },
  'epoch ms': { type: 'bigint', value: (ts: number) => ts },
  'epoch us': { type: 'bigint', value: (ts: number) => ts * 1000 + 7 },
} as const;

describe('table sources against PostgreSQL', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 2 });
  after(() => admin.end());
  for (const [label, { type, value }] of Object.entries(PG_TIME_TYPES)) {
    runEventStoreConformance({
      name: `postgres source, time ${label}`,
      skip: SOURCE_SKIPS,
      open: async () => {
        const schema = `playhead_src_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
        await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.rows (id bigint PRIMARY KEY, at ${type} NOT NULL, ch text NOT NULL, payload json);
          CREATE INDEX ON ${schema}.rows (ch, at, id)`);
        const url = `${POSTGRES_TEST_URL}?table=${schema}.rows&time=at&key=ch${label === 'epoch us' ? '&unit=us' : label === 'epoch ms' ? '&unit=ms' : ''}`;
        return sourceAsStore(
          async () => openSource(parseSourceUrl(FIXTURE_SOURCE, url)),
          async (rows) => {
            await admin.query(`INSERT INTO ${schema}.rows (id, at, ch, payload) SELECT * FROM unnest($1::bigint[], $2::${type}[], $3::text[], $4::json[])`,
              [rows.map((r) => r.id), rows.map((r) => value(r.ts)), rows.map((r) => r.channel), rows.map((r) => r.payload)]);
          },
          async () => void (await admin.query(`DROP SCHEMA ${schema} CASCADE`)),
        );
      },
    });
  }
});

const SQLITE_TIME_TYPES = {
  'ISO text': { type: 'TEXT', value: (ts: number) => formatTime(ts), unit: '' },
  'epoch ms': { type: 'INTEGER', value: (ts: number) => ts, unit: '&unit=ms' },
} as const;

describe('table sources on SQLite', () => {
  for (const [label, { type, value, unit }] of Object.entries(SQLITE_TIME_TYPES)) {
    runEventStoreConformance({
      name: `sqlite source, time ${label}`,
      skip: SOURCE_SKIPS,
      open: async () => {
        const folder = mkdtempSync(join(tmpdir(), 'playhead-source-'));
        const path = join(folder, 'rows.db');
        const writer = new Database(path);
        writer.pragma('journal_mode = WAL');
        writer.exec(`CREATE TABLE rows (id INTEGER PRIMARY KEY, at ${type} NOT NULL, ch TEXT NOT NULL, payload TEXT); CREATE INDEX rows_ch_at ON rows (ch, at)`);
        // The source reads payload as text: the fixture's reader half parses it back (see sourceAsStore).
        const insert = writer.prepare('INSERT INTO rows (id, at, ch, payload) VALUES (?, ?, ?, json(?))');
        return sourceAsStore(
          async () => openSource(parseSourceUrl(FIXTURE_SOURCE, `sqlite:${path}?table=rows&time=at&key=ch${unit}`)),
          async (rows) => {
            writer.transaction(() => {
              for (const row of rows) insert.run(row.id, value(row.ts), row.channel, row.payload);
            })();
          },
          async () => {
            writer.close();
            rmSync(folder, { recursive: true, force: true });
          },
        );
      },
    });
  }
});
