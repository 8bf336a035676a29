/**
 * Sources end to end on a real PostgreSQL (a fresh schema): a trips-like
 * table of SOURCE_TEST_ROWS rows (1M by default, UNLOGGED so it loads in a few
 * seconds on the shared machine) split by vendor, and one table without an
 * index. Plays windows, seeks, goes live as rows are inserted, refuses writes,
 * and names the source and the fix in every error; other channels keep playing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';
import { startRelay, startSourceServer } from '../support/source-server.js';
import { TestClient, type Message } from '../support/ws-client.js';

const ROWS = Number(process.env.SOURCE_TEST_ROWS ?? 1_000_000);
const T0 = Date.UTC(2018, 2, 7);
/** Rows are STEP_MS apart; row g has vendor 1 + g % 3. */
const STEP_MS = 86;
const skip = await serviceSkip('PostgreSQL', POSTGRES_TEST_URL);
const schema = `playhead_srcplay_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const tripsUrl = `${POSTGRES_TEST_URL}?table=${schema}.trips&time=pickup_at&id=trip_id&key=vendor_id`;

describe('sources over HTTP and WebSocket (PostgreSQL)', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 2 });
  before(async () => {
    await admin.query(`CREATE SCHEMA ${schema};
      CREATE UNLOGGED TABLE ${schema}.trips (trip_id bigint PRIMARY KEY, vendor_id int NOT NULL, pickup_at timestamptz NOT NULL, fare numeric(8,2), passengers int);
      INSERT INTO ${schema}.trips SELECT g, 1 + g % 3, timestamptz '2018-03-07 00:00:00+00' + g * interval '${STEP_MS} milliseconds', (g % 5000) / 100.0, 1 + g % 4
        FROM generate_series(1, ${ROWS}) g;
      CREATE INDEX trips_vendor_time ON ${schema}.trips (vendor_id, pickup_at, trip_id);
      CREATE TABLE ${schema}.readings (id serial PRIMARY KEY, at bigint NOT NULL, celsius real);
      INSERT INTO ${schema}.readings (at, celsius) SELECT ${T0 / 1000} + g, g / 10.0 FROM generate_series(1, 100) g;
      CREATE TABLE ${schema}.bad_times (id serial PRIMARY KEY, at text NOT NULL);
      INSERT INTO ${schema}.bad_times (at) VALUES ('2018-03-07T00:00:00Z'), ('yesterday');
      ANALYZE ${schema}.trips`);
  });
  after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  const rowTs = (g: number) => T0 + g * STEP_MS;

  it('mounts a table by POST /v1/sources and shows its mapping and index', async (t) => {
    const server = await startSourceServer(t);
    const mounted = await server.request('POST', '/v1/sources', { name: 'trips', url: tripsUrl });
    assert.equal(mounted.status, 201, JSON.stringify(mounted.body));
    const shown = await server.request('GET', '/v1/sources/trips');
    assert.deepEqual(shown.body, {
      name: 'trips', kind: 'postgres', url: tripsUrl, table: `${schema}.trips`,
      time: { column: 'pickup_at', type: 'timestamp with time zone', reads: 'timestamp with time zone' },
      id: { column: 'trip_id', type: 'bigint' },
      key: { column: 'vendor_id', type: 'integer', channels: 'trips/vendor_id={value}' },
      data: [{ column: 'fare', type: 'numeric(8,2)' }, { column: 'passengers', type: 'integer' }],
      index: { usable: true, name: 'trips_vendor_time', advice: null },
      live: { pollIntervalMs: 1000, lateWindowMs: 5000, notify: null, error: null },
    });
    assert.deepEqual((await server.request('GET', '/v1/sources')).body?.sources, [shown.body]);
    const channels = (await server.request('GET', '/v1/channels')).body?.channels as { name: string; count: number; firstTs: number; lastSeq: number }[];
    assert.deepEqual(channels.map((c) => [c.name, c.count]), [1, 2, 3].map((v) => [`trips/vendor_id=${v}`, [0, 1, 2].filter((r) => r === v % 3).length * 0 + countOfVendor(v)]));
    assert.equal(channels[1]?.firstTs, rowTs(1));
  });

  function countOfVendor(vendor: number): number {
    // g in 1..ROWS with 1 + g % 3 === vendor
    const residue = vendor - 1;
    return Math.floor((ROWS - residue) / 3) + (residue === 0 ? 0 : 1);
  }

  it('pages a window over HTTP in (time, id) order with data from the other columns', async (t) => {
    const server = await startSourceServer(t);
    await server.sources.mount('trips', tripsUrl);
    const channel = encodeURIComponent('trips/vendor_id=2');
    const start = new Date(rowTs(1_000)).toISOString();
    const first = await server.request('GET', `/v1/channels/${channel}/events?start=${start}&limit=3`);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const events = first.body?.events as { seq: number; ts: number; id: string; data: unknown; channel: string }[];
    // vendor 2 has g % 3 === 1: 1,000 is one.
    assert.deepEqual(events.map((e) => [e.channel, e.seq, e.ts, e.id]), [1_000, 1_003, 1_006].map((g) => ['trips/vendor_id=2', g, rowTs(g), String(g)]));
    assert.deepEqual(events[0]?.data, { fare: (1_000 % 5000) / 100, passengers: 1 + (1_000 % 4) });
    const next = await server.request('GET', `/v1/channels/${channel}/events?start=${start}&limit=3&cursor=${first.body?.next as string}`);
    assert.deepEqual((next.body?.events as { seq: number }[]).map((e) => e.seq), [1_009, 1_012, 1_015]);
    const back = await server.request('GET', `/v1/channels/${channel}/events?end=${start}&limit=2&order=desc`);
    assert.deepEqual((back.body?.events as { seq: number }[]).map((e) => e.seq), [997, 994]);
    const histogram = await server.request('GET', `/v1/channels/${channel}/histogram?start=${new Date(rowTs(0)).toISOString()}&end=${new Date(rowTs(3_000)).toISOString()}&buckets=3`);
    assert.deepEqual(histogram.body?.counts, [333, 334, 333], 'vendor 2 is g % 3 === 1: 333 of g < 1000, 334 of 1000-1999');
  });

  it('plays a window over WebSocket at speed, seeks, and goes live as rows are inserted', async (t) => {
    const server = await startSourceServer(t);
    await server.sources.mount('trips', tripsUrl);
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    const channel = 'trips/vendor_id=3';
    // vendor 3: g % 3 === 2, and G is one. A 3-second window holds 3000 / 86 / 3 ≈ 11-12 of its rows.
    const G = 3 * Math.floor(ROWS / 6) + 2;
    const [from, to] = [rowTs(G), rowTs(G) + 3_000];
    client.send({ action: 'play', sub: 's', channel, start: from, end: to, speed: 1000 });
    await client.waitFor((m) => m.type === 'state' && m.status === 'ended');
    const played = client.of('event').map((e) => e.seq as number);
    const expected = await admin.query(`SELECT trip_id::int AS id FROM ${schema}.trips WHERE vendor_id = 3 AND pickup_at >= to_timestamp(${from / 1000}) AND pickup_at < to_timestamp(${to / 1000}) ORDER BY pickup_at, trip_id`);
    assert.deepEqual(played, expected.rows.map((row: { id: number }) => row.id));

    // Seek mid-window while playing at real speed, then hurry to the end: play resumes at the sought row.
    client.send({ action: 'play', sub: 's', start: rowTs(G), end: rowTs(G + 300), speed: 1 });
    await client.waitFor((m) => m.type === 'event' && m.seq === G, client.messages.length);
    const seekFrom = client.messages.length;
    client.send({ action: 'seek', sub: 's', to: rowTs(G + 150) });
    client.send({ action: 'speed', sub: 's', speed: 1000 });
    await client.waitFor((m) => m.type === 'state' && m.status === 'ended', seekFrom);
    const afterSeek = client.messages.slice(seekFrom).filter((m) => m.type === 'event').map((m) => m.seq as number);
    assert.deepEqual(afterSeek, Array.from({ length: 50 }, (_, i) => G + 150 + 3 * i));

    // Live: the newest vendor-3 rows are history; rows inserted now arrive once each, in order.
    const liveFrom = client.messages.length;
    client.send({ action: 'live', sub: 's' });
    await client.waitFor((m) => m.type === 'state' && m.status === 'live', liveFrom);
    const newIds = [ROWS + 2, ROWS + 5, ROWS + 8];
    for (const [index, id] of newIds.entries()) {
      await admin.query(`INSERT INTO ${schema}.trips VALUES ($1, 3, $2, 1.5, 1)`, [id, new Date(rowTs(ROWS) + index * 10)]);
      await server.sources.pollNow();
      await server.sources.pollNow(); // a second poll rereads the late window and sends nothing again
    }
    await client.waitFor((m) => m.type === 'event' && m.seq === newIds.at(-1), liveFrom);
    const live = client.messages.slice(liveFrom).filter((m): m is Message => m.type === 'event');
    assert.deepEqual(live.map((m) => m.seq), newIds);
    assert.deepEqual(live[0]?.data, { fare: 1.5, passengers: 1 });
    await admin.query(`DELETE FROM ${schema}.trips WHERE trip_id > ${ROWS}`);
  });

  it('polls at once when the documented trigger NOTIFYs, between poll intervals', async (t) => {
    await admin.query(`CREATE TABLE ${schema}.pings (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
      CREATE FUNCTION ${schema}.playhead_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify(TG_ARGV[0], ''); RETURN NULL; END $$;
      CREATE TRIGGER pings_playhead AFTER INSERT ON ${schema}.pings FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.playhead_notify('${schema}_pings')`);
    const server = await startSourceServer(t);
    // The registry's clock never advances in these tests: only a notification can start a poll.
    await server.sources.mount('pings', `${POSTGRES_TEST_URL}?table=${schema}.pings&time=at&notify=${schema}_pings`);
    assert.equal(server.sources.describe('pings').live.notify, `${schema}_pings`);
    const received: number[] = [];
    const unsubscribe = server.bus.subscribe('pings', (events) => received.push(...events.map((e) => e.seq)));
    t.after(unsubscribe);
    await admin.query(`INSERT INTO ${schema}.pings DEFAULT VALUES; INSERT INTO ${schema}.pings DEFAULT VALUES`);
    const deadline = Date.now() + 5_000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(received, [1, 2]);
  });

  it('refuses writes to a source channel with 405 read_only_channel, and lets native channels write', async (t) => {
    const server = await startSourceServer(t);
    await server.sources.mount('trips', tripsUrl);
    const refused = await server.request('POST', `/v1/channels/${encodeURIComponent('trips/vendor_id=1')}/events`, [{ data: 1 }]);
    assert.equal(refused.status, 405);
    assert.deepEqual(refused.body, { error: { code: 'read_only_channel', message: `channel trips/vendor_id=1 is read from source trips (table ${schema}.trips), which is read-only: insert into the table instead` } });
    assert.equal((await server.request('POST', '/v1/channels/notes/events', [{ data: 1 }])).status, 201);
  });

  it('reports a table without an index on time with the CREATE INDEX to add, and still plays it', async (t) => {
    const server = await startSourceServer(t);
    const mounted = await server.request('POST', '/v1/sources', { name: 'readings', url: `${POSTGRES_TEST_URL}?table=${schema}.readings&time=at&poll=0` });
    assert.equal(mounted.status, 201);
    assert.deepEqual(mounted.body?.index, { usable: false, name: null, advice: `CREATE INDEX ON "${schema}"."readings" ("at", "id")` });
    assert.deepEqual(mounted.body?.time, { column: 'at', type: 'bigint', reads: 'epoch seconds (integer)' });
    assert.deepEqual(mounted.body?.id, { column: 'id', type: 'integer' });
    const page = await server.request('GET', `/v1/channels/readings/events?start=${new Date(T0 + 50_000).toISOString()}&limit=2`);
    assert.deepEqual((page.body?.events as { ts: number; data: unknown }[]).map((e) => [e.ts, e.data]), [[T0 + 50_000, { celsius: 5 }], [T0 + 51_000, { celsius: 5.1 }]]);
  });

  it('names the source and the fix for a wrong URL, a missing table or column, and an unparseable time', async (t) => {
    const server = await startSourceServer(t);
    const cases: [string, string, string][] = [
      ['bad', 'mysql://host/db?table=t&time=at', 'source bad: unsupported URL "mysql://host/db?table=t&time=at": use postgres://host/db, redshift://host:5439/db or sqlite:PATH, each with ?table=...&time=..., or dynamodb://REGION/TABLE'],
      ['bad', `${POSTGRES_TEST_URL}?time=at`, 'source bad: the URL needs ?table=NAME (or schema.name): the table to read'],
      ['bad', `${POSTGRES_TEST_URL}?table=t&time=at&colour=red`, 'source bad: unknown parameter "colour": a source takes table, time, id, key, unit, poll, late, notify, and sslmode, application_name, connect_timeout for the driver'],
      ['bad', `${POSTGRES_TEST_URL}?table=${schema}.nope&time=at`, `source bad: table ${schema}.nope does not exist at 127.0.0.1:5432/test (or is not visible to this user): fix table=`],
      ['bad', `${POSTGRES_TEST_URL}?table=${schema}.trips&time=dropoff_at`, `source bad: table ${schema}.trips has no column "dropoff_at" (it has trip_id, vendor_id, pickup_at, fare, passengers): fix time=`],
      ['bad', `${POSTGRES_TEST_URL}?table=${schema}.bad_times&time=at`, `source bad: time column at of ${schema}.bad_times holds "yesterday", which is not ISO-8601 like 2018-03-07T16:16:17Z: fix the rows or mount a view that converts them`],
      ['a/b', `${POSTGRES_TEST_URL}?table=t&time=at`, 'source name must be 1-64 characters of A-Z a-z 0-9 . _ : - not starting with "playhead.", got "a/b"'],
    ];
    for (const [name, url, message] of cases) {
      const reply = await server.request('POST', '/v1/sources', { name, url });
      assert.deepEqual([reply.status, reply.body], [400, { error: { code: 'invalid_source', message } }], url);
    }
    await server.sources.mount('trips', tripsUrl);
    const again = await server.request('POST', '/v1/sources', { name: 'trips', url: tripsUrl });
    assert.deepEqual([again.status, again.body?.error?.code], [409, 'source_exists']);
    const missing = await server.request('GET', '/v1/sources/nope');
    assert.deepEqual([missing.status, missing.body?.error?.code], [404, 'unknown_source']);
    assert.equal((await server.request('DELETE', '/v1/sources/trips')).status, 204);
    assert.deepEqual((await server.request('GET', '/v1/sources')).body, { sources: [] });
  });

  it('reports a database gone mid-playback on that channel only, and recovers when it returns', async (t) => {
    const server = await startSourceServer(t);
    const target = new URL(POSTGRES_TEST_URL);
    const relay = await startRelay(t, { host: target.hostname, port: Number(target.port) });
    const relayed = tripsUrl.replace(`${target.hostname}:${target.port}`, `127.0.0.1:${relay.port}`);
    await server.sources.mount('trips', relayed);
    await server.request('POST', '/v1/channels/notes/events', Array.from({ length: 5 }, (_, i) => ({ time: T0 + i, data: i })));
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    // Slow enough that the source session is still reading when the database goes.
    client.send({ action: 'play', sub: 'trips', channel: 'trips/vendor_id=1', start: rowTs(0), speed: 1_000 });
    await client.waitFor((m) => m.type === 'event' && m.sub === 'trips');
    await relay.cut();
    const failure = await client.waitFor((m) => m.type === 'error' && m.sub === 'trips', 0, 20_000);
    assert.equal(failure.code, 'store_unavailable');
    assert.match(String(failure.message), new RegExp(`^source trips could not scan channel trips/vendor_id=1 at 127\\.0\\.0\\.1:${relay.port}/test: `));
    // The native channel plays on the same connection meanwhile.
    client.send({ action: 'play', sub: 'notes', channel: 'notes', start: T0, end: T0 + 5, speed: 1_000 });
    await client.waitFor((m) => m.type === 'state' && m.sub === 'notes' && m.status === 'ended');
    assert.deepEqual(client.messages.filter((m) => m.type === 'event' && m.sub === 'notes').map((m) => m.data), [0, 1, 2, 3, 4]);
    await server.sources.pollNow();
    const down = (await server.request('GET', '/v1/sources/trips')).body?.live as { error: string | null };
    assert.match(String(down.error), /^source trips could not poll for new rows at 127\.0\.0\.1:\d+\/test: /);
    assert.equal(server.liveErrors.length, 1, 'a failing poller reports once, not at every poll');
    await relay.restore();
    await server.sources.pollNow();
    assert.equal(((await server.request('GET', '/v1/sources/trips')).body?.live as { error: unknown }).error, null);
    const page = await server.request('GET', `/v1/channels/${encodeURIComponent('trips/vendor_id=1')}/events?limit=1`);
    assert.deepEqual((page.body?.events as { seq: number }[]).map((e) => e.seq), [3]);
  });
});
