/**
 * bench:sources: a large PostgreSQL table mounted as a source, beside the same
 * queries typed by hand through `pg` in the same run (DESIGN target: within
 * 1.5x). Seek: the first page (100 rows) of one vendor's channel from a random
 * time; window read: one vendor's rows over a long window, in pages of 1,000,
 * as rows per second. The two sides alternate which goes first. Loopback
 * only, bounded: loading dominates (~20 s for 5M rows on 2 shared cores).
 *
 * Then on dynalite (started here, port 0): the DynamoDB store's seek beside a
 * hand-written SDK `Query` of the same bucket, and a user's DynamoDB table
 * mounted as a source (partition device, sort key epoch ms) beside the
 * `Query` a developer would write for the same page.
 *
 * The table is generated inside PostgreSQL (generate_series), never from Node:
 * `--rows 10000000` (the 10M) loads in ~45 s here.
 *
 *   npm run bench:sources -- [--rows 5000000] [--seeks 400] [--window-rows 300000] [--dynamodb-events 20000] [--dynamodb-only]
 */
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import pg from 'pg';
import { normalizeEvent } from '../src/core/event.js';
import { keys, positionKey } from '../src/store/dynamodb/dynamodb-keys.js';
import { DynamoDbStore } from '../src/store/dynamodb/dynamodb-store.js';
import { openSource } from '../src/store/sources/open-source.js';
import { parseAnySourceUrl } from '../src/store/sources/parse-dynamodb-source-url.js';
import { parseSourceUrl } from '../src/store/sources/parse-source-url.js';
import { cleanupOnSignals, onCleanup, runCleanup } from './support/cleanup.js';
import { randomInt, seededRandom } from './support/random.js';
import { round, summarize } from './support/stats.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000000' },
    seeks: { type: 'string', default: '400' },
    'window-rows': { type: 'string', default: '300000' },
    'dynamodb-events': { type: 'string', default: '20000' },
    'dynamodb-only': { type: 'boolean', default: false },
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
  if (!values['dynamodb-only']) await benchPostgres();
  await benchDynamoDb(Number(values['dynamodb-events']));
} finally {
  await runCleanup();
}

async function benchPostgres(): Promise<void> {
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
  emit({ metric: 'window_read_rows_per_s', rows: ROWS, windowRows: WINDOW_ROWS, pageSize: WINDOW_PAGE, ours: best(rates.ours), byHand: best(rates.hand), slowdown: round(best(rates.hand) / best(rates.ours), 2) });
}

/** The DynamoDB store's seek on dynalite beside the Query a developer would write for the same bucket. */
async function benchDynamoDb(events: number): Promise<void> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onCleanup('dynalite', () => new Promise<void>((resolve) => server.close(() => resolve())));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  onCleanup('dynamodb client', () => client.destroy());
  const bucketMs = 3_600_000;
  const store = await DynamoDbStore.open({ client, table: 'bench_events', bucketMs });
  const loading = performance.now();
  const stepMs = 50;
  for (let from = 0; from < events; from += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, events - from) }, (_, i) => normalizeEvent({ time: T0 + (from + i) * stepMs, data: { i: from + i } }, { now: T0, maxEventBytes: 1 << 20 }));
    await store.append('readings', batch);
  }
  emit({ metric: 'dynamodb_load', events, seconds: round((performance.now() - loading) / 1000, 1) });
  const documents = DynamoDBDocumentClient.from(client);
  const ours = async (from: number) => {
    for await (const page of store.scan({ channel: 'readings', order: 'asc', start: from, pageSize: PAGE })) return page;
    return [];
  };
  const byHand = (from: number) => documents.send(new QueryCommand({
    TableName: 'bench_events',
    KeyConditionExpression: 'pk = :pk AND sk >= :from',
    ExpressionAttributeValues: { ':pk': keys.event('readings', Math.floor(from / bucketMs)), ':from': positionKey(from, 0) },
    Limit: PAGE,
  }));
  const random = seededRandom(7);
  // Seeks that stay in one bucket, so one hand Query answers them.
  const times: number[] = [];
  while (times.length < 200) {
    const from = T0 + randomInt(random, 0, events - 2 * PAGE) * stepMs;
    if (Math.floor(from / bucketMs) === Math.floor((from + PAGE * stepMs) / bucketMs)) times.push(from);
  }
  const samples = { ours: [] as number[], hand: [] as number[] };
  for (const [index, from] of times.entries()) {
    for (const side of index % 2 === 0 ? (['ours', 'hand'] as const) : (['hand', 'ours'] as const)) {
      const began = performance.now();
      await (side === 'ours' ? ours(from) : byHand(from));
      samples[side].push(performance.now() - began);
    }
  }
  const [mine, hand] = [summarize(samples.ours.slice(20)), summarize(samples.hand.slice(20))];
  emit({ metric: 'dynamodb_seek_first_page_ms', events, pageSize: PAGE, ours: mine, byHand: hand, slowdownP50: round(mine.p50 / hand.p50, 2), slowdownP99: round(mine.p99 / hand.p99, 2) });
  await benchDynamoDbSource(client, endpoint, events);
}

/** A user's table (device_id, ts epoch ms) mounted as a source: seek beside the Query a developer would write. */
async function benchDynamoDbSource(client: DynamoDBClient, endpoint: string, items: number): Promise<void> {
  const documents = DynamoDBDocumentClient.from(client);
  const table = 'bench_readings';
  await client.send(new CreateTableCommand({
    TableName: table, BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'device_id', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'device_id', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }],
  }));
  const stepMs = 50;
  const devices = 2;
  const loading = performance.now();
  for (let from = 0; from < items; from += 25) {
    const batch = Array.from({ length: Math.min(25, items - from) }, (_, i) => ({ device_id: `d${(from + i) % devices}`, ts: T0 + (from + i) * stepMs, celsius: (from + i) / 10 }));
    await documents.send(new BatchWriteCommand({ RequestItems: { [table]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
  }
  emit({ metric: 'dynamodb_source_load', items, seconds: round((performance.now() - loading) / 1000, 1) });
  const source = await openSource(parseAnySourceUrl('readings', `dynamodb://local/${table}?endpoint=${endpoint}&poll=0`));
  onCleanup('dynamodb source', () => source.close());
  const channel = 'readings/device_id=d1';
  const ours = async (from: number) => {
    for await (const page of source.scan({ channel, order: 'asc', start: from, pageSize: PAGE })) return page;
    return [];
  };
  const byHand = (from: number) => documents.send(new QueryCommand({
    TableName: table,
    KeyConditionExpression: 'device_id = :d AND ts >= :from',
    ExpressionAttributeValues: { ':d': 'd1', ':from': from },
    Limit: PAGE,
    ConsistentRead: true,
  }));
  const random = seededRandom(11);
  const times = Array.from({ length: 220 }, () => T0 + randomInt(random, 0, items - devices * PAGE) * stepMs);
  for (const from of times.slice(0, 5)) {
    const [mine, hand] = [await ours(from), (await byHand(from)).Items ?? []];
    if (mine.length !== hand.length || mine[0]?.ts !== hand[0]?.ts) throw new Error(`dynamodb source seek from ${from}: the source and the hand Query disagree`);
  }
  const samples = { ours: [] as number[], hand: [] as number[] };
  for (const [index, from] of times.entries()) {
    for (const side of index % 2 === 0 ? (['ours', 'hand'] as const) : (['hand', 'ours'] as const)) {
      const began = performance.now();
      await (side === 'ours' ? ours(from) : byHand(from));
      samples[side].push(performance.now() - began);
    }
  }
  const [mine, hand] = [summarize(samples.ours.slice(20)), summarize(samples.hand.slice(20))];
  emit({ metric: 'dynamodb_source_seek_first_page_ms', items, pageSize: PAGE, ours: mine, byHand: hand, slowdownP50: round(mine.p50 / hand.p50, 2), slowdownP99: round(mine.p99 / hand.p99, 2) });
}
