/**
 * What one add costs the SQLite feed writer, counted where machine load
 * cannot move it: the WAL frames (pages written whole) per add, with the
 * writer on this thread (no worker handoff) and autocheckpoint off, after the
 * feeds are full and trimmed past their slack. CPU per add is printed too,
 * but that one the load does move.
 *
 *   npx tsx bench/feeds-support/sqlite-wal-frames.ts [--feeds N] [--groups G]
 *
 * Each group is 4 writes of 100 adds into random feeds, as bench/feeds.ts's
 * batched phase commits them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FeedOperation } from '../../src/store/feed-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { FEED_PAGE_SIZE, migrateSqliteFeeds } from '../../src/store/sqlite/sqlite-feed-schema.js';
import { SqliteFeedWriter, type FeedWriteRequest } from '../../src/store/sqlite/sqlite-feed-writer.js';
import { seededRandom } from '../support/random.js';

const MAX_ITEMS = 100;
const WRITES_PER_GROUP = 4;
const ADDS_PER_WRITE = 100;

const { values } = parseArgs({ options: { feeds: { type: 'string', default: '2000' }, groups: { type: 'string', default: '500' } } });
const feeds = Number(values.feeds);
const groups = Number(values.groups);

const folder = mkdtempSync(join(tmpdir(), 'playhead-feeds-wal-'));
const { database } = openSqliteDatabase({ path: join(folder, 'feeds.db'), pageSize: FEED_PAGE_SIZE });
migrateSqliteFeeds(database);
database.pragma('wal_autocheckpoint = 0');
database.pragma('cache_size = -65536'); // the writer thread's (sqlite-feed-worker.ts)
const writer = new SqliteFeedWriter(database, { rememberFeeds: true });
const random = seededRandom(42);
let next = 0;

function group(feedOf: (index: number) => number): FeedWriteRequest[] {
  return Array.from({ length: WRITES_PER_GROUP }, (_, w) => ({
    operations: Array.from({ length: ADDS_PER_WRITE }, (_, i): FeedOperation => {
      next += 1;
      return { kind: 'add', key: `f${feedOf(w * ADDS_PER_WRITE + i)}`, items: [{ id: `i${next}`, time: next, dataJson: null }] };
    }),
    options: { defaultMaxItems: MAX_ITEMS },
  }));
}

const randomFeed = () => Math.floor(random() * feeds);
const perGroup = WRITES_PER_GROUP * ADDS_PER_WRITE;
for (let written = 0; written < feeds * MAX_ITEMS; written += perGroup) writer.writeGroup(group((i) => (written + i) % feeds));
for (let g = 0; g < groups; g += 1) writer.writeGroup(group(randomFeed)); // the steady state: every feed trimming
database.pragma('wal_checkpoint(TRUNCATE)');

const began = performance.now();
const cpu = process.cpuUsage();
for (let g = 0; g < groups; g += 1) writer.writeGroup(group(randomFeed));
const used = process.cpuUsage(cpu);
const seconds = (performance.now() - began) / 1_000;
const [wal] = database.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
const adds = groups * perGroup;
database.close();
rmSync(folder, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({
  bench: 'feeds-sqlite-wal', feeds, max_items: MAX_ITEMS, adds,
  wal_frames_per_add: Number(((wal?.log ?? 0) / adds).toFixed(2)),
  adds_per_s: Math.round(adds / seconds),
  user_us_per_add: Number((used.user / adds).toFixed(1)), system_us_per_add: Number((used.system / adds).toFixed(1)),
})}\n`);
