/**
 * bench:sources: a large PostgreSQL table mounted as a source, beside the same
 * queries typed by hand through `pg` in the same run (DESIGN target: within
 * 1.5x). Seek: the first page (100 rows) of one vendor's channel from a random
 * time; window read: one vendor's rows over a long window, in pages of 1,000,
 * as rows per second. The two sides alternate which goes first. Loopback
 * only, bounded: loading dominates (~20 s for 5M rows on 2 shared cores).
 *
 *   npm run bench:sources -- [--rows 5000000] [--seeks 400] [--window-rows 300000]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openSource } from '../src/store/sources/open-source.js';
import { parseSourceUrl } from '../src/store/sources/parse-source-url.js';
import { cleanupOnSignals, onCleanup, runCleanup } from './support/cleanup.js';
import { randomInt, seededRandom } from './support/random.js';
import { round, summarize } from './support/stats.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000000' },
    seeks: { type: 'string', default: '400' },
    'window-rows': { type: 'string', default: '300000' },
    postgres: { type: 'string', default: process.env.PLAYHEAD_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const ROWS = Number(values.rows);
const SEEKS = Number(values.seeks);
const WINDOW_ROWS = Number(values['window-rows']);
const STEP_MS = 86;
const T0 = Date.UTC(2018, 2, 7);
const PAGE = 100;
const WINDOW_PAGE = 1_000;
const VENDORS = 3;
const schema = `playhead_bench_src_${process.pid}`;

const emit = (line: object) => process.stdout.write(`${JSON.stringify({ bench: 'sources', ...line })}\n`);

cleanupOnSignals();
const admin = new pg.Pool({ connectionString: values.postgres, max: 2 });
onCleanup('pool', () => admin.end());
try {
  const loading = performance.now();
  onCleanup('schema', async () => void (await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));
  await admin.query(`CREATE SCHEMA ${schema};
    CREATE UNLOGGED TABLE ${schema}.trips (trip_id bigint PRIMARY KEY, vendor_id int NOT NULL, pickup_at timestamptz NOT NULL, fare numeric(8,2), passengers int);
    INSERT INTO ${schema}.trips SELECT g, 1 + g % ${VENDORS}, timestamptz '2018-03-07 00:00:00+00' + g * interval '${STEP_MS} milliseconds', (g % 5000) / 100.0, 1 + g % 4
      FROM generate_series(1, ${ROWS}) g;
    CREATE INDEX trips_vendor_time ON ${schema}.trips (vendor_id, pickup_at, trip_id)`);
  // Its own statement: VACUUM cannot run inside the implicit transaction of a multi-statement query.
  await admin.query(`VACUUM ANALYZE ${schema}.trips`);
  emit({ metric: 'load', rows: ROWS, seconds: round((performance.now() - loading) / 1000, 1) });

  const source = await openSource(parseSourceUrl('trips', `${values.postgres}?table=${schema}.trips&time=pickup_at&id=trip_id&key=vendor_id&poll=0`));
  onCleanup('source', () => source.close());
  const raw = new pg.Pool({ connectionString: values.postgres, max: 4 });
  onCleanup('raw pool', () => raw.end());
  const channel = 'trips/vendor_id=2';
  // By hand: what a developer would type for the same page, through pg with its default parsers.
  const columns = 'trip_id, vendor_id, pickup_at, fare, passengers';
  const seekByHand = (from: number) => raw.query(
    `SELECT ${columns} FROM ${schema}.trips WHERE vendor_id = 2 AND pickup_at >= $1 ORDER BY pickup_at, trip_id LIMIT ${PAGE}`, [new Date(from)]);
  const seekOurs = async (from: number) => {
    for await (const page of source.scan({ channel, order: 'asc', start: from, pageSize: PAGE })) return page;
    return [];
  };

  const random = seededRandom(42);
  const times = Array.from({ length: SEEKS + 20 }, () => T0 + randomInt(random, 0, ROWS - 10 * PAGE) * STEP_MS);
  for (const from of times.slice(0, 20)) {
    const [ours, mine] = [await seekOurs(from), await seekByHand(from)];
    if (ours.length !== mine.rows.length || String(ours[0]?.id) !== String(mine.rows[0]?.trip_id)) throw new Error(`seek from ${from}: the source and the hand query disagree`);
  }
  const samples = { ours: [] as number[], hand: [] as number[] };
  for (const [index, from] of times.slice(20).entries()) {
    const order = index % 2 === 0 ? (['ours', 'hand'] as const) : (['hand', 'ours'] as const);
    for (const side of order) {
      const began = performance.now();
      await (side === 'ours' ? seekOurs(from) : seekByHand(from));
      samples[side].push(performance.now() - began);
    }
  }
  const [ours, hand] = [summarize(samples.ours), summarize(samples.hand)];
  emit({ metric: 'seek_first_page_ms', rows: ROWS, pageSize: PAGE, seeks: SEEKS, ours, byHand: hand, slowdownP50: round(ours.p50 / hand.p50, 2), slowdownP99: round(ours.p99 / hand.p99, 2) });

  // One vendor's rows over a window holding about WINDOW_ROWS of them.
  const windowStart = T0 + STEP_MS * Math.floor(ROWS / 10);
  const windowEnd = windowStart + WINDOW_ROWS * VENDORS * STEP_MS;
  const readOurs = async () => {
    let rows = 0;
    for await (const page of source.scan({ channel, order: 'asc', start: windowStart, end: windowEnd, pageSize: WINDOW_PAGE })) rows += page.length;
    return rows;
  };
  const readByHand = async () => {
    let rows = 0;
    let after: [unknown, unknown] | undefined;
    for (;;) {
      const { rows: page } = after === undefined
        ? await raw.query(`SELECT ${columns} FROM ${schema}.trips WHERE vendor_id = 2 AND pickup_at >= $1 AND pickup_at < $2 ORDER BY pickup_at, trip_id LIMIT ${WINDOW_PAGE}`, [new Date(windowStart), new Date(windowEnd)])
        : await raw.query(`SELECT ${columns} FROM ${schema}.trips WHERE vendor_id = 2 AND (pickup_at, trip_id) > ($1, $2) AND pickup_at < $3 ORDER BY pickup_at, trip_id LIMIT ${WINDOW_PAGE}`, [after[0], after[1], new Date(windowEnd)]);
      rows += page.length;
      if (page.length < WINDOW_PAGE) return rows;
      const last = page[page.length - 1] as { pickup_at: Date; trip_id: string };
      after = [last.pickup_at, last.trip_id];
    }
  };
  const rates = { ours: [] as number[], hand: [] as number[] };
  for (let round_ = 0; round_ < 4; round_ += 1) {
    for (const side of round_ % 2 === 0 ? (['ours', 'hand'] as const) : (['hand', 'ours'] as const)) {
      const began = performance.now();
      const rows = await (side === 'ours' ? readOurs() : readByHand());
      rates[side].push(rows / ((performance.now() - began) / 1000));
    }
  }
  const best = (list: number[]) => Math.round(Math.max(...list.slice(1))); // the first round of each warms the cache
  emit({ metric: 'window_read_rows_per_s', windowRows: WINDOW_ROWS, pageSize: WINDOW_PAGE, ours: best(rates.ours), byHand: best(rates.hand), slowdown: round(best(rates.hand) / best(rates.ours), 2) });
} finally {
  await runCleanup();
}
